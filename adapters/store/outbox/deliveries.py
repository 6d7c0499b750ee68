"""The outbox: each submission's delivery to billing, claimed by one relay at a time, exactly once.

A row is ``pending`` until the relay has seen its interface row in billing (``sent``), or it
became a dead letter (``dead``: a permanent error, or too many failed tries) that an admin
retries or cancels (``cancelled``). A relay claims rows for a while; a claim that expired, or
whose holder died, may be taken by another relay, which then reads back by KLUCZ before it
inserts anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, and_, case, func, or_, select, tuple_, update

from adapters.records import Delivery
from adapters.store.tables import customers, outbox, submissions
from config.clock import utcnow

STATES = ("pending", "sent", "dead", "cancelled")
_PAYLOAD = ("meter_id", "read_on", "state", "category", "subject", "body", "field", "value")


def order_key(submission: Mapping[str, Any]) -> str:
    """The queue a submission waits in: billing takes one meter's readings, and one customer's other
    submissions (data changes above all), in the order they were made."""
    if submission["kind"] == "reading" and submission.get("meter_id") is not None:
        return f"meter:{submission['meter_id']}"
    return f"customer:{submission['customer_id']}"


def enqueue(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Outbox rows for submissions written in this same transaction, in this order (a microsecond
    apart, so that the order holds between rows of one queue made at once)."""
    now = utcnow()
    conn.execute(outbox.insert(), [{"id": row["id"], "state": "pending", "attempts": 0, "order_key": order_key(row),
                                    "next_attempt_at": now, "created_at": now + timedelta(microseconds=n)}
                                   for n, row in enumerate(rows)])


def claim(conn: Connection, holder: str, limit: int, claim_for: timedelta,
          is_dead: Callable[[str], bool] = lambda _holder: False) -> list[tuple[Delivery, bool]]:
    """Up to ``limit`` due rows, now claimed by ``holder``, oldest first, with a "read back first"
    flag: True when an earlier try (or an earlier claim, whose relay may have died after its
    INSERT) could have put the row into billing already.

    Only the head of each queue (``order_key``) is taken: a row waits while an older row of its
    queue is pending, whoever holds it and however long its backoff. So a meter's readings reach
    billing one after another in the order they were made, whatever the number of relays; a dead
    letter (or a cancelled row) no longer holds its queue."""
    o, now = outbox.c, utcnow()
    older = outbox.alias("older")
    claimed_by_dead = [h for h in conn.execute(
        select(o.claimed_by).distinct().where(and_(o.state == "pending", o.claimed_until >= now))).scalars()
        if is_dead(h)]
    free = or_(o.claimed_until.is_(None), o.claimed_until < now, o.claimed_by.in_(claimed_by_dead))
    # The outbox alone first, in index order: a burst of thousands of rows (billing was down) must
    # not be joined and sorted whole for each batch, whatever the planner's statistics say.
    waits = (select(older.c.id).where(and_(
        older.c.order_key == o.order_key, older.c.state == "pending",
        tuple_(older.c.created_at, older.c.id) < tuple_(o.created_at, o.id))).exists())
    due = (select(o.id, o.claimed_by, o.tried_at, o.attempts)
           .where(and_(o.state == "pending", o.next_attempt_at <= now, free, ~waits))
           .order_by(o.next_attempt_at).limit(limit))
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = {r["id"]: r for r in conn.execute(due).mappings()}
    if not rows:
        return []
    conn.execute(update(outbox).where(o.id.in_(list(rows))).values(claimed_by=holder, claimed_until=now + claim_for))
    payload = conn.execute(select(submissions.c.id, *(submissions.c[c] for c in (
        "kind", "customer_id", "submitted_at", *_PAYLOAD))).where(submissions.c.id.in_(list(rows)))).mappings()
    by_id = {p["id"]: p for p in payload}
    return [(_delivery(by_id[i]), r["claimed_by"] is not None or r["tried_at"] is not None or r["attempts"] > 0)
            for i, r in rows.items()]


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(row["id"], row["kind"], row["customer_id"], row["submitted_at"], *(row[c] for c in _PAYLOAD))


def sent_after(conn: Connection, after: str | None, limit: int) -> list[Delivery]:
    """Delivered submissions in key order, after ``after``: what billing's interface tables must hold."""
    query = (select(submissions.c.id, *(submissions.c[c] for c in ("kind", "customer_id", "submitted_at", *_PAYLOAD)))
             .join(outbox, outbox.c.id == submissions.c.id).where(outbox.c.state == "sent")
             .order_by(submissions.c.id).limit(limit))
    if after is not None:
        query = query.where(submissions.c.id > after)
    return [_delivery(row) for row in conn.execute(query).mappings()]


def mark_sent(conn: Connection, ids: Sequence[str]) -> None:
    """These rows are in billing: delivered, whoever claims them now (and whatever an admin chose
    meanwhile: they are in billing). By key only, so that the primary key finds them."""
    if ids:
        conn.execute(update(outbox).where(outbox.c.id.in_(list(ids)))
                     .values(state="sent", sent_at=utcnow(), claimed_by=None, claimed_until=None, last_error=None))


def mark_failed(conn: Connection, key: str, error: str, *, retry_in: timedelta | None, uncertain: bool) -> None:
    """A try failed: try again after ``retry_in``, or (None) it is a dead letter. ``uncertain``: the
    INSERT may have reached billing, so the next try reads back first."""
    values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_error": error[:2000], "claimed_by": None,
                              "claimed_until": None}
    if uncertain:
        values["tried_at"] = utcnow()
    if retry_in is None:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = utcnow() + retry_in
    conn.execute(update(outbox).where(and_(outbox.c.id == key, outbox.c.state == "pending")).values(**values))


def release(conn: Connection, holder: str, ids: Sequence[str], uncertain: Sequence[str] = ()) -> None:
    """Give back claimed rows (the relay stops, or billing went away); ``uncertain`` ones may have
    reached billing, so the next try reads back first."""
    if ids:
        conn.execute(update(outbox).where(and_(outbox.c.id.in_(list(ids)), outbox.c.claimed_by == holder,
                                               outbox.c.state == "pending"))
                     .values(claimed_by=None, claimed_until=None))
    if uncertain:
        conn.execute(update(outbox).where(outbox.c.id.in_(list(uncertain))).values(tried_at=utcnow()))


def attempts_of(conn: Connection, key: str) -> int:
    return int(conn.execute(select(outbox.c.attempts).where(outbox.c.id == key)).scalar() or 0)


def retry(conn: Connection, ids: Sequence[str] | None = None) -> int:
    """Dead letters (these, or all) back to the queue, with a fresh count of tries."""
    where = [outbox.c.state == "dead"]
    if ids is not None:
        where.append(outbox.c.id.in_(list(ids)))
    return conn.execute(update(outbox).where(and_(*where)).values(
        state="pending", attempts=0, next_attempt_at=utcnow(), claimed_by=None, claimed_until=None)).rowcount


def cancel(conn: Connection, ids: Sequence[str]) -> int:
    """Dead letters (or rows still waiting) that will not be delivered: the customer sees "cancelled"."""
    return conn.execute(update(outbox).where(and_(outbox.c.id.in_(list(ids)),
                                                  outbox.c.state.in_(("dead", "pending")),
                                                  or_(outbox.c.claimed_until.is_(None),
                                                      outbox.c.claimed_until < utcnow())))
                        .values(state="cancelled", claimed_by=None, claimed_until=None)).rowcount


def withdraw(conn: Connection, key: str) -> bool:
    """Take back a submission no relay has had: cancelled if it still waits (or is a dead letter),
    no relay holds a claim on it and no insert of it was ever tried. One UPDATE, so that it and a
    relay's claim exclude each other: on PostgreSQL the claim locks its rows (FOR UPDATE) and this
    statement, waiting for that lock, then finds the row claimed; on SQLite both are writers
    (BEGIN IMMEDIATE) and run one after the other. False: a relay has it, or had it; it may be in
    billing already."""
    o = outbox.c
    return bool(conn.execute(update(outbox).where(and_(
        o.id == key, o.state.in_(("pending", "dead")), o.claimed_by.is_(None), o.tried_at.is_(None)))
        .values(state="cancelled", claimed_until=None)).rowcount)


def counts(conn: Connection) -> dict[str, int]:
    found: dict[str, int] = dict(conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all())
    return {state: int(found.get(state, 0)) for state in STATES}


def oldest_pending(conn: Connection) -> datetime | None:
    return conn.execute(select(func.min(outbox.c.created_at)).where(outbox.c.state == "pending")).scalar()


def _with_submission() -> Select[*tuple[Any, ...]]:
    """Outbox rows with their submission's kind and customer (id and billing's number)."""
    return (select(outbox, submissions.c.kind, submissions.c.customer_id, submissions.c.submitted_by,
                   customers.c.number.label("customer_number"))
            .join(submissions, submissions.c.id == outbox.c.id)
            .outerjoin(customers, customers.c.id == submissions.c.customer_id))


def listing(conn: Connection, state: str | None = None, limit: int = 50,
            dead_first: bool = False) -> list[dict[str, Any]]:
    """Outbox rows with their submission's kind and customer, newest first (``dead_first``: dead
    letters before the rest, as the admin page lists them: they are what needs a decision)."""
    order = [outbox.c.created_at.desc(), outbox.c.id]
    if dead_first:
        order.insert(0, case((outbox.c.state == "dead", 0), else_=1))
    query = _with_submission().order_by(*order).limit(limit)
    if state is not None:
        query = query.where(outbox.c.state == state)
    return [dict(r) for r in conn.execute(query).mappings()]


def get(conn: Connection, key: str) -> dict[str, Any] | None:
    """One outbox row with its submission's kind and customer; None when there is none."""
    row = conn.execute(_with_submission().where(outbox.c.id == key)).mappings().first()
    return dict(row) if row else None
