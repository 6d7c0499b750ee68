"""Attempt limits under concurrency: 40 wrong logins at once verify at most the limit's passwords,
on SQLite and on PostgreSQL stores."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.store import migrate
from adapters.store.db import create_store_engine, writer
from adapters.store.logins import accounts, admins
from config.settings import load_settings
from portal.app import create_app
from portal.auth import limits, passwords
from tests.portal.conftest import PASSWORD, SECRET, csrf

AT_ONCE = 40


@pytest.fixture
def store_app(store_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The portal on an empty, migrated store (no mirror: logging in needs none)."""
    migrate.upgrade(store_url)
    settings = load_settings(environ={"IBOK_STORE_URL": store_url, "IBOK_PATHS_DATA_DIR": str(tmp_path),
                                      "IBOK_PORTAL_SECRET_KEY": SECRET, "IBOK_PORTAL_DEVELOPMENT": "true"})
    app = create_app(settings)
    # A connection for each request's reads and one for its attempt, as 40 sync workers would hold
    # (one process's default pool of 15 would make the threads wait for each other instead).
    app.extensions["ibok"].engine.dispose()
    engine = create_store_engine(store_url, pool_size=2 * AT_ONCE, max_overflow=0)
    app.extensions["ibok"].engine = app.session_interface.engine = engine
    with writer(engine).begin() as conn:
        accounts.create(conn, email="anna@example.pl", name="Anna", password_hash=passwords.hash_password(PASSWORD),
                        locale="pl", must_change_password=False, confirmed=True)
        admins.create(conn, email="ola@wodociagi.test", name="Ola", role="operator",
                      password_hash=passwords.hash_password(PASSWORD), must_change_password=False)
    yield app
    engine.dispose()


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords that Argon2 actually verified meanwhile (one entry each)."""
    done: list[str] = []
    real = passwords.verify

    def counting(stored: str | None, password: str) -> bool:
        done.append(password)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify", counting)
    return done


def at_once(clients: list[FlaskClient], post: Callable[[FlaskClient], int]) -> list[int]:
    """Each client's request started together (threads behind a barrier): their status codes."""
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def run(i: int) -> None:
        barrier.wait()
        statuses[i] = post(clients[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


@pytest.mark.parametrize(("path", "limit"), [("/login", limits.LOGIN_PER_ACCOUNT.attempts),
                                             ("/admin/login", 5)])
def test_forty_wrong_logins_at_once_verify_no_more_passwords_than_the_limit(store_app: Flask, verified: list[str],
                                                                            path: str, limit: int) -> None:
    email = "anna@example.pl" if path == "/login" else "ola@wodociagi.test"
    clients = [store_app.test_client() for _ in range(AT_ONCE)]
    tokens = {id(c): csrf(c, path) for c in clients}

    def wrong_login(client: FlaskClient) -> int:
        return client.post(path, data={"csrf_token": tokens[id(client)], "email": email,
                                       "password": "wrong password, surely"}).status_code

    statuses = at_once(clients, wrong_login)
    assert len(verified) == limit
    assert sorted(statuses) == [200] * limit + [429] * (AT_ONCE - limit)
    late = store_app.test_client()
    assert late.post(path, data={"csrf_token": csrf(late, path), "email": email,
                                 "password": PASSWORD}).status_code == 429  # the right one waits too now
    assert len(verified) == limit


def test_a_right_password_is_no_failed_attempt(store_app: Flask, verified: list[str]) -> None:
    """Counted before the check, given back after it: the address's limit counts only failures."""
    engine = store_app.extensions["ibok"].engine
    for _ in range(limits.LOGIN_PER_ADDRESS.attempts + 2):
        client = store_app.test_client()
        assert client.post("/login", data={"csrf_token": csrf(client), "email": "anna@example.pl",
                                           "password": PASSWORD}).status_code == 302
    checks = [(limits.LOGIN_PER_ADDRESS, "127.0.0.0/24")]
    assert limits.attempt(engine, checks) is None  # counted once now: the logins before left nothing
