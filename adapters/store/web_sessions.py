"""Server-side portal sessions: the cookie carries a random token, the store keeps its SHA-256 and the data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from adapters.store.tables import web_sessions
from adapters.store.writer import upsert


def load(conn: Connection, session_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(web_sessions).where(web_sessions.c.id == session_id)).mappings().first()
    return dict(row) if row else None


def save(conn: Connection, session_id: str, *, account_id: int | None, data: str, created_at: datetime,
         seen_at: datetime, expires_at: datetime) -> None:
    upsert(conn, web_sessions, [{"id": session_id, "account_id": account_id, "data": data, "created_at": created_at,
                                 "seen_at": seen_at, "expires_at": expires_at}])


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


def prune(conn: Connection, now: datetime, idle_before: datetime) -> int:
    """Forget sessions past their absolute end or idle since ``idle_before``."""
    return conn.execute(delete(web_sessions).where(
        (web_sessions.c.expires_at < now) | (web_sessions.c.seen_at < idle_before))).rowcount
