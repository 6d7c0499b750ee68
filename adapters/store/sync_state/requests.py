"""Manual resync requests: queued by an operator (`ibok sync request`) or an admin, taken by one daemon."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from adapters.store.statements import inserted_id
from adapters.store.tables import daemons, sync_requests
from config.clock import utcnow

MODES = ("incremental", "full", "reconcile", "customer")


def add(conn: Connection, *, mode: str, streams: list[str], requested_by: str,
        customer_number: str | None = None) -> int:
    if mode not in MODES:
        raise ValueError(f"unknown request mode {mode!r}")
    result = conn.execute(sync_requests.insert().values(
        mode=mode, streams=" ".join(streams), customer_number=customer_number, requested_by=requested_by,
        requested_at=utcnow()))
    return inserted_id(result)


def take(conn: Connection, holder: str) -> dict[str, Any] | None:
    """The oldest waiting request, now marked as this holder's; None when none waits.

    The conditional UPDATE decides between two daemons polling at once: one of them changes the row.
    """
    r = sync_requests.c
    for request_id in conn.execute(select(r.id).where(r.taken_by.is_(None)).order_by(r.id).limit(5)).scalars():
        taken = conn.execute(update(sync_requests).where(and_(r.id == request_id, r.taken_by.is_(None)))
                             .values(taken_by=holder, started_at=utcnow()))
        if taken.rowcount == 1:
            return dict(conn.execute(select(sync_requests).where(r.id == request_id)).mappings().one())
    return None


def finish(conn: Connection, request_id: int, outcome: str, detail: str | None) -> None:
    conn.execute(update(sync_requests).where(sync_requests.c.id == request_id)
                 .values(finished_at=utcnow(), outcome=outcome, detail=detail))


def release_unfinished(conn: Connection, holder: str) -> int:
    """Put back the requests a stopping (or dead) daemon took and did not finish."""
    r = sync_requests.c
    return conn.execute(update(sync_requests).where(and_(r.taken_by == holder, r.finished_at.is_(None)))
                        .values(taken_by=None, started_at=None)).rowcount


def recent(conn: Connection, limit: int = 20) -> list[dict[str, Any]]:
    r = sync_requests.c
    return [dict(row) for row in conn.execute(select(sync_requests).order_by(r.id.desc()).limit(limit)).mappings()]


def state_of(request: dict[str, Any]) -> str:
    """Where a request is: "waiting" (no daemon took it), "running", or its outcome (ok, failed)."""
    return request["outcome"] or ("running" if request["taken_by"] else "waiting")


def get(conn: Connection, request_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(sync_requests).where(sync_requests.c.id == request_id)).mappings().first()
    return dict(row) if row else None


def release_abandoned(conn: Connection, silent_for: timedelta) -> int:
    """Put back unfinished requests of daemons that stopped or have not been seen for ``silent_for``."""
    r, d = sync_requests.c, daemons.c
    gone = select(d.holder).where(or_(d.stopped_at.is_not(None), d.seen_at < utcnow() - silent_for))
    return conn.execute(update(sync_requests)
                        .where(and_(r.finished_at.is_(None), r.taken_by.in_(gone)))
                        .values(taken_by=None, started_at=None)).rowcount


def prune(conn: Connection, before: datetime) -> int:
    """Forget finished requests older than ``before``."""
    r = sync_requests.c
    return conn.execute(sync_requests.delete().where(and_(r.finished_at.is_not(None), r.finished_at < before))
                        ).rowcount
