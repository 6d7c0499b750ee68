"""The sync's bookkeeping in the store: stream states (bookmarks), leases with fencing, run history."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from adapters.store.statements import insert_ignore, inserted_id, upsert
from adapters.store.tables import stream_leases, stream_states, sync_runs
from config.clock import utcnow


class LeaseLost(Exception):
    """Another runner holds the stream now: this runner must not write (its batch rolls back)."""


def load_state(conn: Connection, stream: str) -> dict[str, Any]:
    raw = conn.execute(select(stream_states.c.state).where(stream_states.c.stream == stream)).scalar()
    return json.loads(raw) if raw else {}


def save_state(conn: Connection, stream: str, state: dict[str, Any]) -> None:
    upsert(conn, stream_states, [{"stream": stream, "state": json.dumps(state, sort_keys=True),
                                  "updated_at": utcnow()}])


def all_states(conn: Connection) -> dict[str, tuple[dict[str, Any], datetime]]:
    rows = conn.execute(select(stream_states.c.stream, stream_states.c.state, stream_states.c.updated_at))
    return {stream: (json.loads(state), at) for stream, state, at in rows}


# ----- leases ------------------------------------------------------------------------------------
def acquire_lease(conn: Connection, stream: str, holder: str, ttl: timedelta,
                  is_dead: Callable[[str], bool] | None = None) -> int | None:
    """Take the stream's lease if it is free, expired, ours, or held by a process known to be dead.

    Returns the new fencing token, or None while another live runner holds it.
    """
    now = utcnow()
    insert_ignore(conn, stream_leases, [{"stream": stream, "holder": None, "token": 0, "expires_at": None}])
    lease = stream_leases.c
    free = or_(lease.holder.is_(None), lease.expires_at < now, lease.holder == holder)
    current = conn.execute(select(lease.holder, lease.token).where(lease.stream == stream)).one()
    if current.holder and is_dead is not None and is_dead(current.holder):
        free = or_(free, and_(lease.holder == current.holder, lease.token == current.token))
    taken = conn.execute(
        update(stream_leases)
        .where(and_(lease.stream == stream, free))
        .values(holder=holder, token=lease.token + 1, expires_at=now + ttl))
    if taken.rowcount != 1:
        return None
    token: int = conn.execute(select(lease.token).where(lease.stream == stream)).scalar_one()
    return token


def renew_lease(conn: Connection, stream: str, token: int, ttl: timedelta) -> None:
    """Extend the lease in the caller's transaction; LeaseLost if the token is no longer current."""
    lease = stream_leases.c
    renewed = conn.execute(update(stream_leases).where(and_(lease.stream == stream, lease.token == token))
                           .values(expires_at=utcnow() + ttl))
    if renewed.rowcount != 1:
        raise LeaseLost(f"stream {stream}: lease token {token} is no longer current")


def release_lease(conn: Connection, stream: str, token: int) -> None:
    lease = stream_leases.c
    conn.execute(update(stream_leases).where(and_(lease.stream == stream, lease.token == token))
                 .values(holder=None, expires_at=None))


# ----- run history -------------------------------------------------------------------------------
def start_run(conn: Connection, stream: str, mode: str, holder: str, requested_by: str | None = None) -> int:
    """A new run of the stream, by the holder of its lease. Runs of the stream still "running" then
    belong to a runner that stopped without finishing them (killed, or its lease expired): they are
    marked interrupted, so that the history does not show them running forever."""
    runs = sync_runs.c
    conn.execute(update(sync_runs).where(and_(runs.stream == stream, runs.outcome == "running"))
                 .values(outcome="interrupted", finished_at=utcnow(),
                         error=f"its runner stopped without finishing (killed, or its lease expired); "
                               f"found by {holder}"))
    result = conn.execute(sync_runs.insert().values(stream=stream, mode=mode, holder=holder, started_at=utcnow(),
                                                    rows_read=0, rows_written=0, rows_deleted=0,
                                                    outcome="running", requested_by=requested_by))
    return inserted_id(result)


def finish_run(conn: Connection, run_id: int, **values: Any) -> None:
    conn.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(finished_at=utcnow(), **values))


def runs(conn: Connection, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs (of one stream, or of all), newest first."""
    query = select(sync_runs).order_by(sync_runs.c.id.desc()).limit(limit)
    if stream:
        query = query.where(sync_runs.c.stream == stream)
    return [dict(row) for row in conn.execute(query).mappings()]


def last_good_run(conn: Connection, stream: str) -> datetime | None:
    """When the stream's last good run ended (by the index on stream, outcome, finished_at)."""
    r = sync_runs.c
    return conn.execute(select(func.max(r.finished_at)).where(and_(r.stream == stream, r.outcome == "ok"))).scalar()


def prune_runs(conn: Connection, before: datetime) -> int:
    """Forget runs started before ``before`` (the history kept is settings' daemon.history_days)."""
    return conn.execute(delete(sync_runs).where(sync_runs.c.started_at < before)).rowcount
