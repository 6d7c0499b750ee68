"""Daemon processes as the store knows them: when each was last seen, and whether it could reach billing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from adapters.store.statements import upsert
from adapters.store.tables import daemons
from config.clock import utcnow


def started(conn: Connection, holder: str) -> None:
    now = utcnow()
    upsert(conn, daemons, [{"holder": holder, "started_at": now, "seen_at": now, "billing_down_since": None,
                            "billing_error": None, "stopped_at": None}])


def heartbeat(conn: Connection, holder: str, billing_down_since: datetime | None, billing_error: str | None) -> None:
    conn.execute(update(daemons).where(daemons.c.holder == holder)
                 .values(seen_at=utcnow(), billing_down_since=billing_down_since, billing_error=billing_error))


def stopped(conn: Connection, holder: str) -> None:
    now = utcnow()
    conn.execute(update(daemons).where(daemons.c.holder == holder).values(seen_at=now, stopped_at=now))


def alive(conn: Connection, within: timedelta) -> list[dict[str, Any]]:
    """Daemons seen recently and not stopped, newest first."""
    d = daemons.c
    rows = conn.execute(select(daemons).where(d.stopped_at.is_(None), d.seen_at >= utcnow() - within)
                        .order_by(d.seen_at.desc())).mappings()
    return [dict(row) for row in rows]


def prune(conn: Connection, before: datetime) -> int:
    """Forget daemons not seen since ``before``."""
    return conn.execute(daemons.delete().where(daemons.c.seen_at < before)).rowcount
