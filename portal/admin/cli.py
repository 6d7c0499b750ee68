"""`ibok admin ...`: staff accounts of the admin area (create, list, disable, reset) and the key of
their TOTP secrets (new-totp-key, rotate-totp-key).

`create` and `reset` print a one-time password, once: the admin logs in at /admin/login with it,
enrols the second factor (a TOTP app: the page shows a QR code and the secret to type in) and
must then choose a password of their own. Nothing secret is written to the log or the audit log.
"""

from __future__ import annotations

import getpass
import secrets

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.settings import Settings

# The staff use cases and the store (SQLAlchemy, Flask) are imported by the commands that use them; the roles
# are spelled out for --role's help (tests/test_cli_startup.py keeps them equal to
# adapters.store.logins.admins.ROLES), so that `ibok admin ... --help` imports none of them.
ROLES = ("operator", "administrator")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:60]
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _one_time() -> str:
    return secrets.token_urlsafe(12)


@click.group("admin")
def admin_group() -> None:
    """Staff accounts of the admin area (/admin)."""


@admin_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="The person's name, as shown in the admin area.")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="operator: registrations, customer lookup; administrator: also the audit log and staff accounts.")
@pass_settings
def create_command(settings: Settings, email: str, name: str, role: str) -> None:
    """Create a staff account; prints a one-time password (to be changed at first login)."""
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import staff as staff_accounts

    secret = _one_time()
    with open_store(settings) as store:
        admin_id = staff_accounts.create(UnitOfWork(store.engine), email=email, name=name, role=role,
                                         password=secret, actor=_actor())
    if admin_id is None:
        raise click.ClickException(f"a staff account with e-mail {email} exists already")
    click.echo(f"staff account {email.strip().lower()} (id {admin_id}, {role})")
    click.echo(f"one-time password: {secret}  (log in at /admin/login, set up the authenticator app, then "
               "choose a new password)")


@admin_group.command("list")
@pass_settings
def list_command(settings: Settings) -> None:
    """Every staff account, the disabled ones too."""
    from adapters.store.logins import admins

    with open_store(settings) as store, store.engine.connect() as conn:
        staff = admins.listing(conn)
    if not staff:
        click.echo("no staff accounts (create one: ibok admin create --email ... --name ... --role administrator)")
    for a in staff:
        state = f"disabled {a['disabled_at']:%Y-%m-%d}" if a["disabled_at"] else (
            "active" if a["totp_confirmed_at"] else "not logged in yet")
        click.echo(f"{a['id']:>4}  {a['email']:<40} {a['role']:<14} {state:<20} {a['name']}")


def _missing(email: str) -> click.ClickException:
    return click.ClickException(f"no staff account with e-mail {email} (see: ibok admin list)")


@admin_group.command("disable")
@click.option("--email", required=True)
@pass_settings
def disable_command(settings: Settings, email: str) -> None:
    """Disable a staff account: its sessions end at their next request."""
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import staff as staff_accounts

    with open_store(settings) as store:
        found = staff_accounts.disable_by_email(UnitOfWork(store.engine), email, actor=_actor())
    if found is None:
        raise _missing(email)
    click.echo(f"staff account {found['email']} disabled")


@admin_group.command("reset")
@click.option("--email", required=True)
@pass_settings
def reset_command(settings: Settings, email: str) -> None:
    """A lost password or phone: a new one-time password, and the second factor set up anew at next login."""
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import staff as staff_accounts

    secret = _one_time()
    with open_store(settings) as store:
        found = staff_accounts.reset(UnitOfWork(store.engine), email, secret, actor=_actor())
    if found is None:
        raise _missing(email)
    click.echo(f"staff account {found['email']}: one-time password: {secret}  (the authenticator app is set up"
               " anew at next login)")


@admin_group.command("new-totp-key")
def new_totp_key_command() -> None:
    """Print a new random key for admin.totp_key (nothing is changed)."""
    from portal.admin.totp_keys import new_key

    click.echo(new_key())


@admin_group.command("rotate-totp-key")
@pass_settings
def rotate_totp_key_command(settings: Settings) -> None:
    """Re-encrypt every staff TOTP secret with the first key of admin.totp_key.

    To change the key: put a new one (ibok admin new-totp-key) first in admin.totp_key, the old one
    after it ("NEW, OLD"), restart the portal, run this, then remove the old key. Secrets stored in
    clear before encryption (up to store migration 0014) are encrypted too: run it once after that
    upgrade. Codes keep working throughout: every listed key decrypts.
    """
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import staff as staff_accounts
    from portal.admin.totp_keys import TotpKeyError, TotpVault

    vault = TotpVault.from_settings(settings)
    try:
        with open_store(settings) as store:
            count = staff_accounts.reseal_secrets(UnitOfWork(store.engine), vault.reseal, actor=_actor())
    except TotpKeyError as error:
        raise click.ClickException(f"{error}; nothing was changed") from None
    click.echo(f"{count} staff TOTP secret(s) encrypted with the first key of admin.totp_key"
               " (older keys may now be removed from it)")
