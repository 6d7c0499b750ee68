"""Staff TOTP secrets at rest: encrypted with admin.totp_key, rotated onto a new key by
`ibok admin rotate-totp-key`, clear ones from before encrypted at first use or by the rotation."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.tables import admins
from config.settings import SettingsError, load_settings
from portal.admin.totp_keys import TotpKeyError, TotpVault, is_clear, new_key
from portal.app import create_app
from tests.portal.conftest import SECRET, Site, portal_settings
from tests.portal.staff import (
    TOTP_SECRET,
    admin_login,
    code_step,
    make_admin,
    password_step,
    run_ibok,
)

OLD_KEY, NEW_KEY = new_key(), new_key()


def stored_secrets(site: Site) -> list[str]:
    with site.mirror.store.engine.connect() as conn:
        return list(conn.execute(select(admins.c.totp_secret).order_by(admins.c.id)).scalars())


def keyed_site(site: Site, tmp_path: Path, key: str) -> Site:
    """The same store and mirror, served by a portal with ``admin.totp_key`` = ``key`` (production mode)."""
    settings = portal_settings(site.mirror, tmp_path, IBOK_ADMIN_TOTP_KEY=key)
    return Site(create_app(settings), site.mirror, settings)


def test_a_secret_enrolled_is_stored_encrypted_and_its_codes_verify(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test", enrolled=False)
    client = site.client()
    assert password_step(client, "ewa@wodociagi.test").headers["Location"] == "/admin/login/enrol"
    page = client.get("/admin/login/enrol").get_data(as_text=True)
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    [stored] = stored_secrets(site)
    assert secret not in stored and not is_clear(stored) and stored.startswith("gAAAAA")
    assert code_step(client, pyotp.TOTP(secret).now(), "/admin/login/enrol").headers["Location"] == "/admin/"
    [kept] = stored_secrets(site)
    assert site.app.extensions["ibok"].totp_vault.open(kept) == secret


def test_a_clear_secret_from_before_works_and_is_encrypted_at_its_first_right_code(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test", clear=True)
    assert stored_secrets(site) == [TOTP_SECRET]
    assert admin_login(site.client(), "ewa@wodociagi.test").headers["Location"] == "/admin/"
    [stored] = stored_secrets(site)
    assert not is_clear(stored) and site.app.extensions["ibok"].totp_vault.open(stored) == TOTP_SECRET


def test_rotation_re_encrypts_every_secret_with_the_new_key(site: Site, tmp_path: Path) -> None:
    old = keyed_site(site, tmp_path, OLD_KEY)
    ewa = make_admin(old, "ewa@wodociagi.test")
    make_admin(old, "ola@wodociagi.test", "operator", clear=True)  # never logged in since encryption came
    assert TotpVault([OLD_KEY]).open(stored_secrets(old)[0]) == TOTP_SECRET

    rotated = run_ibok(site.mirror.store_url, "admin", "rotate-totp-key", IBOK_ADMIN_TOTP_KEY=f"{NEW_KEY}, {OLD_KEY}")
    assert rotated.exit_code == 0, rotated.output
    assert rotated.stdout.startswith("2 staff TOTP secret(s) encrypted")
    for stored in stored_secrets(site):
        assert not is_clear(stored)
        assert TotpVault([NEW_KEY]).open(stored) == TOTP_SECRET
        with pytest.raises(TotpKeyError):
            TotpVault([OLD_KEY]).open(stored)  # the old key alone decrypts nothing any more

    new = keyed_site(site, tmp_path, NEW_KEY)  # the old key removed from the setting
    assert admin_login(new.client(), "ewa@wodociagi.test").headers["Location"] == "/admin/"
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(admins.update().where(admins.c.id == ewa).values(last_totp_step=0))
    assert admin_login(old.client(), "ewa@wodociagi.test").status_code == 500  # the old key alone: no login
    assert run_ibok(site.mirror.store_url, "admin", "rotate-totp-key", IBOK_ADMIN_TOTP_KEY=NEW_KEY).exit_code == 0


def test_rotation_without_the_old_key_changes_nothing_and_says_what_to_do(site: Site, tmp_path: Path) -> None:
    make_admin(keyed_site(site, tmp_path, OLD_KEY), "ewa@wodociagi.test")
    before = stored_secrets(site)
    refused = run_ibok(site.mirror.store_url, "admin", "rotate-totp-key", IBOK_ADMIN_TOTP_KEY=NEW_KEY)
    assert refused.exit_code == 1 and "add the old key after the new one" in refused.output
    assert stored_secrets(site) == before


def test_production_needs_the_key_and_development_derives_one(site: Site, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"admin\.totp_key is missing.*IBOK_ADMIN_TOTP_KEY"):
        create_app(portal_settings(site.mirror, tmp_path))
    missing = run_ibok(site.mirror.store_url, "admin", "rotate-totp-key")
    assert missing.exit_code == 2 and "IBOK_ADMIN_TOTP_KEY" in missing.output
    development = load_settings(environ={"IBOK_PORTAL_SECRET_KEY": SECRET, "IBOK_PORTAL_DEVELOPMENT": "true"})
    vault = TotpVault.from_settings(development)
    assert vault.open(vault.seal(TOTP_SECRET)) == TOTP_SECRET
    assert vault.open(TotpVault.from_settings(development).seal(TOTP_SECRET)) == TOTP_SECRET  # the same key each time


def test_the_key_setting_takes_only_fernet_keys() -> None:
    assert load_settings(environ={"IBOK_ADMIN_TOTP_KEY": f" {NEW_KEY},{OLD_KEY} "}).admin.totp_key \
        == f"{NEW_KEY}, {OLD_KEY}"
    for bad in ("not a key", NEW_KEY[:-4], f"{NEW_KEY}, short"):
        with pytest.raises(SettingsError, match="admin.totp_key") as refused:
            load_settings(environ={"IBOK_ADMIN_TOTP_KEY": bad})
        assert bad not in str(refused.value)  # a secret setting's value is never echoed
    printed = run_ibok("sqlite://", "admin", "new-totp-key").stdout.strip()
    assert load_settings(environ={"IBOK_ADMIN_TOTP_KEY": printed}).admin.totp_key == printed != new_key()
