"""The portal under test: the app on a synced tiny mirror, logins, a test client and a live server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.logins import accounts
from config.settings import Settings, load_settings
from portal.app import create_app
from portal.auth import passwords
from tests.portal.live import serving
from tests.portal.mailbox import Mailbox, mailbox
from tests.sync.conftest import Mirror, make_mirror, mirror  # noqa: F401 - fixtures shared with the sync tests

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PASSWORD = "zielone jabłko na stole"  # 23 characters, a Polish passphrase
SECRET = "portal-tests-secret-key-0123456789abcdef"


@dataclass
class Site:
    app: Flask
    mirror: Mirror
    settings: Settings

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login_for(self, email: str, *numbers_or_ids: int, password: str = PASSWORD, must_change: bool = False,
                  accepted_terms: bool = True) -> int:
        """A login for these customer ids; ``accepted_terms``: the terms in force now, if any, accepted (as
        at registration), else it is asked to accept them at its first login (as a login the office made)."""
        with writer(self.mirror.store.engine).begin() as conn:
            account_id = accounts.create(conn, email=email, name="Test",
                                         password_hash=passwords.hash_password(password),
                                         locale="pl", must_change_password=must_change, confirmed=True)
            for customer_id in numbers_or_ids:
                accounts.link(conn, account_id, customer_id, "utility")
            in_force = terms.current(conn)
            if accepted_terms and in_force is not None:
                terms.accept(conn, account_id, in_force["version"])
        return account_id

    def customer_ids(self, count: int = 2) -> list[int]:
        from sqlalchemy import select

        from adapters.store.tables import customer_summaries
        with self.mirror.store.engine.connect() as conn:
            return list(conn.execute(select(customer_summaries.c.customer_id)
                                     .order_by(customer_summaries.c.customer_id).limit(count)).scalars())


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (every portal form carries one)."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def log_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return client.post("/login", data={"csrf_token": csrf(client), "email": email, "password": password})


def portal_settings(mirror: Mirror, data_dir: Path, **extra: str) -> Settings:
    return load_settings(environ={"IBOK_BILLING_DSN": mirror.billing.dsn, "IBOK_STORE_URL": mirror.store_url,
                                  "IBOK_PATHS_DATA_DIR": str(data_dir), "IBOK_PORTAL_SECRET_KEY": SECRET, **extra})


@pytest.fixture
def site(make_mirror, tmp_path: Path) -> Site:
    """The portal (development mode: plain http) on a synced SQLite mirror."""
    mirror = make_mirror("sqlite", "sqlite")
    mirror.sync()
    settings = portal_settings(mirror, tmp_path, IBOK_PORTAL_DEVELOPMENT="true")
    return Site(create_app(settings), mirror, settings)


@pytest.fixture
def live(site: Site) -> Iterator[Callable[[str], str]]:
    """The portal served on a free loopback port; gives the URL of a path."""
    with serving(site.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for a module's browser tests (each test opens its own pages)."""
    from tests.portal.browser import chromium  # Playwright is imported by the browser tests only

    with chromium() as opened:
        yield opened


@pytest.fixture
def box() -> Iterator[Mailbox]:
    """A local SMTP server whose received messages the test reads (tests/portal/mailbox.py)."""
    with mailbox() as m:
        yield m
