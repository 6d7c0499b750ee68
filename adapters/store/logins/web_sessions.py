"""Server-side portal sessions: the cookie carries a random token, the store keeps its SHA-256 and the data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from adapters.store.logins import accounts
from adapters.store.statements import upsert
from adapters.store.tables import web_sessions

# A session with its login and the login's customer accounts: every page needs all three, in one round trip.
_SESSION_COLUMNS = tuple(c.label(f"s_{c.name}") for c in web_sessions.c)
_WITH_LOGIN = (select(*_SESSION_COLUMNS, *accounts.LOGIN_COLUMNS)
               .select_from(accounts.login_join(web_sessions, web_sessions.c.account_id))
               .where(web_sessions.c.id == bindparam("session")).order_by(*accounts.LOGIN_ORDER))


def load(conn: Connection, session_id: str) -> dict[str, Any] | None:
    """The session, with ``login`` (its account, or None) and ``customers`` (that login's customer accounts)."""
    rows = conn.execute(_WITH_LOGIN, {"session": session_id}).mappings().all()
    if not rows:
        return None
    found = {c.name: rows[0][f"s_{c.name}"] for c in web_sessions.c}
    found["login"], found["customers"] = accounts.login_from_rows(rows)
    return found


def save(conn: Connection, session_id: str, *, account_id: int | None, data: str, created_at: datetime,
         seen_at: datetime, expires_at: datetime, admin_id: int | None = None) -> None:
    upsert(conn, web_sessions, [{"id": session_id, "account_id": account_id, "admin_id": admin_id, "data": data,
                                 "created_at": created_at, "seen_at": seen_at, "expires_at": expires_at}])


def touch(conn: Connection, session_id: str, seen_at: datetime) -> None:
    conn.execute(update(web_sessions).where(web_sessions.c.id == session_id).values(seen_at=seen_at))


def drop(conn: Connection, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def drop_for_account(conn: Connection, account_id: int, keep: str | None = None) -> int:
    """End every session of a login (but ``keep``): at a password change, a reset, a disabled account."""
    where = [web_sessions.c.account_id == account_id]
    if keep is not None:
        where.append(web_sessions.c.id != keep)
    return conn.execute(delete(web_sessions).where(and_(*where))).rowcount


def drop_for_admin(conn: Connection, admin_id: int, keep: str | None = None) -> int:
    """End every session of a staff account (but ``keep``): at its password change."""
    where = [web_sessions.c.admin_id == admin_id]
    if keep is not None:
        where.append(web_sessions.c.id != keep)
    return conn.execute(delete(web_sessions).where(and_(*where))).rowcount


def prune(conn: Connection, now: datetime, idle_before: datetime, staff_idle_before: datetime | None = None) -> int:
    """Forget sessions past their absolute end or idle since ``idle_before`` (staff sessions: since
    ``staff_idle_before``)."""
    ended = (web_sessions.c.expires_at < now) | (web_sessions.c.seen_at < idle_before)
    if staff_idle_before is not None:
        ended = ended | (web_sessions.c.admin_id.is_not(None) & (web_sessions.c.seen_at < staff_idle_before))
    return conn.execute(delete(web_sessions).where(ended)).rowcount
