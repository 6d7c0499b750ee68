"""The utility's staff accounts (admins): separate from customer logins, each with a TOTP second factor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select, update

from adapters.store.statements import inserted_id
from adapters.store.tables import admins
from config.clock import utcnow

ROLES = ("operator", "administrator")


def create(conn: Connection, *, email: str, name: str, role: str, password_hash: str,
           must_change_password: bool = True) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    result = conn.execute(admins.insert().values(
        email=email.strip().lower(), name=name.strip(), role=role, password_hash=password_hash,
        must_change_password=must_change_password, created_at=utcnow()))
    return inserted_id(result)


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    row = conn.execute(select(admins).where(admins.c.email == email.strip().lower())).mappings().first()
    return dict(row) if row else None


def get(conn: Connection, admin_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(admins).where(admins.c.id == admin_id)).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every admin account, enabled ones first, without secrets."""
    a = admins.c
    query = (select(a.id, a.email, a.name, a.role, a.created_at, a.disabled_at, a.totp_confirmed_at,
                    a.must_change_password)
             .order_by(a.disabled_at.is_not(None), a.email))
    return [dict(r) for r in conn.execute(query).mappings()]


def disable(conn: Connection, admin_id: int) -> bool:
    """False when it was disabled already (or there is no such admin)."""
    return conn.execute(update(admins).where((admins.c.id == admin_id) & admins.c.disabled_at.is_(None))
                        .values(disabled_at=utcnow())).rowcount == 1


def set_password(conn: Connection, admin_id: int, password_hash: str, *, must_change: bool = False) -> None:
    conn.execute(update(admins).where(admins.c.id == admin_id).values(password_hash=password_hash,
                                                                    must_change_password=must_change))


def reset_second_factor(conn: Connection, admin_id: int) -> None:
    """Forget the TOTP secret (a lost phone): the next login enrols a new one."""
    conn.execute(update(admins).where(admins.c.id == admin_id).values(
        totp_secret=None, totp_confirmed_at=None, last_totp_step=None))


def offer_secret(conn: Connection, admin_id: int, secret: str) -> None:
    """The secret shown at enrolment, kept until a code from it confirms it (only while unconfirmed)."""
    conn.execute(update(admins).where((admins.c.id == admin_id) & admins.c.totp_confirmed_at.is_(None))
                 .values(totp_secret=secret))


def use_step(conn: Connection, admin_id: int, step: int, *, confirm: bool = False,
             secret: str | None = None) -> bool:
    """Take the TOTP code of 30-second ``step``: True once per step and only for a step later than the
    last one taken (one atomic update, so two requests with the same code cannot both win). ``secret``:
    the same secret stored anew (encrypted, where it was still clear)."""
    values: dict[str, Any] = {"last_totp_step": step}
    if confirm:
        values["totp_confirmed_at"] = utcnow()
    if secret is not None:
        values["totp_secret"] = secret
    fresh = or_(admins.c.last_totp_step.is_(None), admins.c.last_totp_step < step)
    return conn.execute(update(admins).where((admins.c.id == admin_id) & fresh).values(**values)).rowcount == 1


def stored_secrets(conn: Connection) -> list[tuple[int, str]]:
    """Every staff account's stored TOTP secret (encrypted, or clear from before): (id, value)."""
    query = select(admins.c.id, admins.c.totp_secret).where(admins.c.totp_secret.is_not(None)).order_by(admins.c.id)
    return [(row.id, row.totp_secret) for row in conn.execute(query)]


def store_secret(conn: Connection, admin_id: int, stored: str) -> None:
    """The same TOTP secret stored anew (under another key): enrolment and its confirmation stay."""
    conn.execute(update(admins).where(admins.c.id == admin_id).values(totp_secret=stored))
