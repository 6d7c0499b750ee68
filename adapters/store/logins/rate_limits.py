"""Fixed-window attempt counters in the store, shared by every portal worker and host."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from adapters.store.tables import rate_limits


def hit(conn: Connection, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Count one attempt under ``key``: (attempts in the current window, when the window ends)."""
    query = select(rate_limits.c.window_start, rate_limits.c.hits).where(rate_limits.c.key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        conn.execute(rate_limits.insert().values(key=key, window_start=now, hits=1))
        return 1, now + window
    start, hits = row
    if start + window <= now:
        conn.execute(update(rate_limits).where(rate_limits.c.key == key).values(window_start=now, hits=1))
        return 1, now + window
    conn.execute(update(rate_limits).where(rate_limits.c.key == key).values(hits=hits + 1))
    return hits + 1, start + window


def peek(conn: Connection, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    """Attempts counted under ``key`` in the current window, and when it ends (None: no window)."""
    row = conn.execute(select(rate_limits.c.window_start, rate_limits.c.hits)
                       .where(rate_limits.c.key == key)).first()
    if row is None or row[0] + window <= now:
        return 0, None
    return row[1], row[0] + window


def clear(conn: Connection, key: str) -> None:
    conn.execute(delete(rate_limits).where(rate_limits.c.key == key))
