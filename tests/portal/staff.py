"""Staff accounts for the admin tests: made in the store, logged in through the real two-step login."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import update
from werkzeug.test import TestResponse

from adapters.store.db import writer
from adapters.store.logins import admins
from adapters.store.tables import admins as admins_table
from config.cli import ibok
from config.clock import utcnow
from config.logs import reset_logging
from config.settings import SETTINGS
from portal.auth import passwords
from tests.portal.conftest import PASSWORD, Site

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_admin(site: Site, email: str, role: str = "administrator", *, enrolled: bool = True,
               clear: bool = False) -> int:
    """A staff account with PASSWORD; ``enrolled``: its authenticator app set up with TOTP_SECRET,
    stored encrypted with the portal's key (``clear``: as before encryption)."""
    stored = TOTP_SECRET if clear else site.app.extensions["ibok"].totp_vault.seal(TOTP_SECRET)
    with writer(site.mirror.store.engine).begin() as conn:
        admin_id = admins.create(conn, email=email, name=f"Staff {role}", role=role,
                                 password_hash=passwords.hash_password(PASSWORD), must_change_password=False)
        if enrolled:
            conn.execute(update(admins_table).where(admins_table.c.id == admin_id).values(
                totp_secret=stored, totp_confirmed_at=utcnow(), last_totp_step=0))
    return admin_id


def code_for(secret: str = TOTP_SECRET, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def csrf_of(client: FlaskClient, path: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def password_step(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/admin/login", data={"csrf_token": csrf_of(client, "/admin/login"), "email": email,
                                             "password": password})


def code_step(client: FlaskClient, code: str, path: str = "/admin/login/code") -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_of(client, path), "code": code})


def admin_login(client: FlaskClient, email: str, secret: str = TOTP_SECRET) -> TestResponse:
    """Both steps of the login of an enrolled admin; the answer to the code."""
    assert password_step(client, email).headers["Location"] == "/admin/login/code"
    return code_step(client, code_for(secret))


def run_ibok(store_url: str, *args: str, **settings: str) -> Result:
    """`ibok ...` with only IBOK_STORE_URL (and ``settings``, IBOK_* names) set, whatever the developer's
    shell has."""
    env: dict[str, str | None] = {s.env: None for s in SETTINGS}
    env.update(IBOK_CONFIG=None, IBOK_STORE_URL=store_url, **settings)
    try:
        return CliRunner().invoke(ibok, ["--log-level", "WARNING", *args], env=env)
    finally:
        reset_logging()


def operator_client(site: Site, email: str = "ola@wodociagi.test") -> tuple[FlaskClient, int]:
    """An operator logged in (English pages): the test client and the staff account's id."""
    admin_id = make_admin(site, email, "operator")
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert admin_login(client, email).headers["Location"] == "/admin/"
    return client, admin_id


def browser_admin_login(page: Page, live: Callable[[str], str], email: str) -> None:
    """Both steps of an enrolled admin's login, in the browser, ending on the overview."""
    page.goto(live("/admin/login"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("#code").fill(code_for())
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(live("/admin/"))
