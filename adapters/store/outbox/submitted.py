"""Customer submissions in the store: what the rules need to know, writing them with their outbox
rows, and reading them back with billing's replies for the customer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select

from adapters.store.outbox import deliveries as queue
from adapters.store.statements import insert_statement
from adapters.store.tables import (
    case_events,
    change_replies,
    contracts,
    customers,
    message_replies,
    meters,
    outbox,
    reading_replies,
    readings,
    submissions,
)

HISTORY_DAYS = 3 * 366  # readings that describe a meter's usual consumption


def customer_id(conn: Connection, number: str) -> int | None:
    return conn.execute(select(customers.c.id).where(customers.c.number == number.strip())).scalar()


def customer(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    return dict(row) if row else None


def held_meters(conn: Connection, customer_id: int, today: date) -> list[dict[str, Any]]:
    """Meters on the service points of the customer's current contracts, with their last reading
    (billing's, or a submitted one billing has not refused) and their recent history."""
    m, c = meters.c, contracts.c
    current = and_(c.customer_id == customer_id, c.starts_on <= today, or_(c.ends_on.is_(None), c.ends_on >= today))
    rows = [dict(r) for r in conn.execute(
        select(m.id, m.serial_number, m.point_id, m.main, m.mounted_on, m.dismounted_on)
        .where(m.point_id.in_(select(c.point_id).where(current))).order_by(m.point_id, m.main.desc(), m.id)
    ).mappings()]
    for row in rows:
        history = [(on, state) for on, state in conn.execute(
            select(readings.c.read_on, readings.c.state)
            .where(and_(readings.c.meter_id == row["id"], readings.c.read_on >= date.fromordinal(
                max(1, today.toordinal() - HISTORY_DAYS))))
            .order_by(readings.c.read_on, readings.c.id))]
        if not history:  # an old meter without recent readings: its last one still bounds the next
            history = [(on, state) for on, state in conn.execute(
                select(readings.c.read_on, readings.c.state).where(readings.c.meter_id == row["id"])
                .order_by(readings.c.read_on.desc(), readings.c.id.desc()).limit(1))]
        pending = conn.execute(
            select(submissions.c.read_on, submissions.c.state)
            .join(outbox, outbox.c.id == submissions.c.id)
            .outerjoin(reading_replies, reading_replies.c.key == submissions.c.id)
            .where(and_(submissions.c.meter_id == row["id"], outbox.c.state.in_(("pending", "sent", "dead")),
                        or_(reading_replies.c.status.is_(None), reading_replies.c.status != "rejected")))
            .order_by(submissions.c.read_on.desc(), submissions.c.state.desc()).limit(1)).first()
        candidates = [history[-1]] if history else []
        if pending is not None:
            candidates.append((pending[0], pending[1]))
        row["last"] = max(candidates) if candidates else None
        row["history"] = history
    return rows


def pending_change(conn: Connection, customer_id: int, field: str) -> str | None:
    """The value of the latest change of ``field`` billing has not answered yet (once it has, the
    customer's own row says what holds), None when there is none."""
    s = submissions.c
    return conn.execute(
        select(s.value).join(outbox, outbox.c.id == s.id)
        .outerjoin(change_replies, change_replies.c.key == s.id)
        .where(and_(s.customer_id == customer_id, s.kind == "change", s.field == field,
                    outbox.c.state != "cancelled",
                    or_(change_replies.c.status.is_(None), change_replies.c.status == "new")))
        .order_by(s.submitted_at.desc(), s.id.desc()).limit(1)).scalar()


def existing(conn: Connection, ids: Sequence[str]) -> set[str]:
    return set(conn.execute(select(submissions.c.id).where(submissions.c.id.in_(list(ids)))).scalars())


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Write submissions and their outbox rows (one transaction: the caller's); a submission whose id
    exists already (the same form sent twice) is left as it is. Returns the ids written now."""
    created: list[dict[str, Any]] = []
    for row in rows:
        stmt = (insert_statement(conn, submissions).values(**row).on_conflict_do_nothing(index_elements=["id"])
                .returning(submissions.c.id))  # (rowcount is not reliable here on every driver)
        if conn.execute(stmt).first() is not None:
            created.append(row)
    if created:
        queue.enqueue(conn, created)
    return [row["id"] for row in created]


def for_customer(conn: Connection, customer_id: int, *, ids: Iterable[str] | None = None, kind: str | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
    """The customer's submissions, newest first, with their delivery and billing's reply."""
    s, o = submissions.c, outbox.c
    reply_status = func.coalesce(reading_replies.c.status, message_replies.c.status, change_replies.c.status)
    query = (select(submissions, o.state.label("delivery"), o.attempts, o.sent_at,
                    reply_status.label("reply_status"),
                    func.coalesce(reading_replies.c.note, change_replies.c.note).label("note"),
                    reading_replies.c.reading_id, message_replies.c.case_number, message_replies.c.answer,
                    func.coalesce(reading_replies.c.modified_at, message_replies.c.modified_at,
                                  change_replies.c.modified_at).label("replied_at"))
             .join(outbox, o.id == s.id)
             .outerjoin(reading_replies, and_(s.kind == literal("reading"), reading_replies.c.key == s.id))
             .outerjoin(message_replies, and_(s.kind == literal("message"), message_replies.c.key == s.id))
             .outerjoin(change_replies, and_(s.kind == literal("change"), change_replies.c.key == s.id))
             .where(s.customer_id == customer_id)
             .order_by(s.submitted_at.desc(), s.id).limit(limit))
    if ids is not None:
        query = query.where(s.id.in_(list(ids)))
    if kind is not None:
        query = query.where(s.kind == kind)
    return [dict(r) for r in conn.execute(query).mappings()]


def case_stages(conn: Connection, numbers: Iterable[str]) -> dict[str, list[tuple[Any, str]]]:
    """The document-flow stages of these cases, in order."""
    numbers = sorted(set(numbers))
    stages: dict[str, list[tuple[Any, str]]] = {n: [] for n in numbers}
    if numbers:
        for number, at, stage in conn.execute(
                select(case_events.c.case_number, case_events.c.at, case_events.c.stage)
                .where(case_events.c.case_number.in_(numbers)).order_by(case_events.c.at, case_events.c.id)):
            stages[number].append((at, stage))
    return stages
