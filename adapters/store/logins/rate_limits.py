"""Fixed-window attempt counters in the store, shared by every portal worker and host.

An attempt is counted and its count read back in one statement (INSERT ... ON CONFLICT DO UPDATE
... RETURNING): the row is locked from the count to the end of the transaction (SQLite: the
writer's BEGIN IMMEDIATE; PostgreSQL: the updated row), so concurrent attempts queue and each sees
the count the others left, and a check never races its count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, case, delete, literal, select, update

from adapters.store.statements import insert_statement
from adapters.store.tables import rate_limits


def take(conn: Connection, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Count one attempt under ``key``, atomically: (attempts in the current window, this one
    included, and when the window ends). A window that has ended starts again at ``now``."""
    ended = rate_limits.c.window_start <= literal(now - window, rate_limits.c.window_start.type)
    stmt = insert_statement(conn, rate_limits).values(key=key, window_start=now, hits=1)
    # Both SET expressions read the row as it was before this statement (standard SQL, SQLite alike).
    stmt = stmt.on_conflict_do_update(index_elements=[rate_limits.c.key], set_={
        "window_start": case((ended, literal(now, rate_limits.c.window_start.type)),
                             else_=rate_limits.c.window_start),
        "hits": case((ended, literal(1)), else_=rate_limits.c.hits + 1),
    }).returning(rate_limits.c.window_start, rate_limits.c.hits)
    start, hits = conn.execute(stmt).one()
    return int(hits), start + window


def give_back(conn: Connection, key: str) -> None:
    """Uncount one attempt under ``key`` (it turned out not to be a failure: the right password)."""
    conn.execute(update(rate_limits).where(rate_limits.c.key == key, rate_limits.c.hits > 0)
                 .values(hits=rate_limits.c.hits - 1))


def peek(conn: Connection, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    """Attempts counted under ``key`` in the current window, and when it ends (None: no window)."""
    row = conn.execute(select(rate_limits.c.window_start, rate_limits.c.hits)
                       .where(rate_limits.c.key == key)).first()
    if row is None or row[0] + window <= now:
        return 0, None
    return row[1], row[0] + window


def clear(conn: Connection, key: str) -> None:
    conn.execute(delete(rate_limits).where(rate_limits.c.key == key))
