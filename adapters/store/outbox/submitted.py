"""Customer submissions in the store: what the rules need to know, writing them with their outbox
rows, and reading them back with billing's replies for the customer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select

from adapters.store.outbox import deliveries as queue
from adapters.store.statements import insert_statement
from adapters.store.tables import (
    case_events,
    change_replies,
    contracts,
    customers,
    invoice_lines,
    invoices,
    message_replies,
    meters,
    outbox,
    points,
    reading_replies,
    readings,
    submissions,
    tariff_months,
)

HISTORY_DAYS = 3 * 366  # readings that describe a meter's usual consumption


def customer_id(conn: Connection, number: str) -> int | None:
    return conn.execute(select(customers.c.id).where(customers.c.number == number.strip())).scalar()


def customer(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    return dict(row) if row else None


def held_meters(conn: Connection, customer_id: int, today: date) -> list[dict[str, Any]]:
    """Meters on the service points of the customer's current contracts, with their service point's
    address and tariff, their recent history (date, state, source), the customer's own latest reading
    billing has not refused (``own``), their last reading of any kind (``last``), the gross price a
    cubic metre on the customer's last invoice for the point (``price``; None when unknown) and the
    tariff's average household by month (``household``)."""
    m, c, p = meters.c, contracts.c, points.c
    current = and_(c.customer_id == customer_id, c.starts_on <= today, or_(c.ends_on.is_(None), c.ends_on >= today))
    rows = [dict(r) for r in conn.execute(
        select(m.id, m.serial_number, m.point_id, m.main, m.mounted_on, m.dismounted_on,
               p.street, p.house_number, p.flat_number, p.postal_code, p.city)
        .outerjoin(points, p.id == m.point_id)
        .where(m.point_id.in_(select(c.point_id).where(current))).order_by(m.point_id, m.main.desc(), m.id)
    ).mappings()]
    tariffs = {point: tariff for point, tariff in conn.execute(
        select(c.point_id, c.tariff).where(current).order_by(c.starts_on, c.id))}
    prices: dict[int, list[Decimal] | None] = {}
    households: dict[str, list[tuple[date, Decimal]]] = {}
    for row in rows:
        history = [(on, state, source) for on, state, source in conn.execute(
            select(readings.c.read_on, readings.c.state, readings.c.source)
            .where(and_(readings.c.meter_id == row["id"], readings.c.read_on >= date.fromordinal(
                max(1, today.toordinal() - HISTORY_DAYS))))
            .order_by(readings.c.read_on, readings.c.id))]
        if not history:  # an old meter without recent readings: its last one still bounds the next
            history = [(on, state, source) for on, state, source in conn.execute(
                select(readings.c.read_on, readings.c.state, readings.c.source).where(readings.c.meter_id == row["id"])
                .order_by(readings.c.read_on.desc(), readings.c.id.desc()).limit(1))]
        row["own"] = own_reading(conn, row["id"])
        candidates = [history[-1][:2]] if history else []
        if row["own"] is not None:
            candidates.append((row["own"]["read_on"], row["own"]["state"]))
        row["last"] = max(candidates) if candidates else None
        row["history"] = history
        if row["point_id"] not in prices:
            prices[row["point_id"]] = _prices(conn, customer_id, row["point_id"])
        row["price"] = _price(prices[row["point_id"]], row["main"])
        row["tariff"] = tariffs.get(row["point_id"])
        if row["tariff"] is not None and row["tariff"] not in households:
            households[row["tariff"]] = _household(conn, row["tariff"], today)
        row["household"] = households.get(row["tariff"] or "", [])
    return rows


def own_reading(conn: Connection, meter_id: int) -> dict[str, Any] | None:
    """The latest reading of this meter submitted through iBOK and not refused by billing (nor
    withdrawn), with ``replaceable``: still in the outbox, and no relay has claimed or tried it, so
    that it can be replaced or withdrawn without a row reaching billing."""
    o, s = outbox.c, submissions.c
    row = conn.execute(
        select(s.id, s.read_on, s.state, o.state.label("delivery"), o.claimed_by, o.tried_at,
               reading_replies.c.status.label("reply"))
        .join(outbox, o.id == s.id)
        .outerjoin(reading_replies, reading_replies.c.key == s.id)
        .where(and_(s.meter_id == meter_id, s.kind == "reading", o.state.in_(("pending", "sent", "dead")),
                    or_(reading_replies.c.status.is_(None), reading_replies.c.status != "rejected")))
        .order_by(s.read_on.desc(), s.state.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    replaceable = (row["delivery"] in ("pending", "dead") and row["claimed_by"] is None and row["tried_at"] is None
                   and row["reply"] is None)
    return {"id": row["id"], "read_on": row["read_on"], "state": row["state"], "replaceable": replaceable}


def _prices(conn: Connection, customer_id: int, point_id: int) -> list[Decimal] | None:
    """The gross price a cubic metre of each line billed by the cubic metre (water, sewage) on the
    customer's latest invoice for this point; None when there is no such invoice or a rate is unknown."""
    i, line = invoices.c, invoice_lines.c
    latest = conn.execute(
        select(i.id).join(contracts, contracts.c.id == i.contract_id)
        .where(and_(i.customer_id == customer_id, contracts.c.point_id == point_id, ~i.cancelled, ~i.correcting))
        .order_by(i.issued_on.desc(), i.id.desc()).limit(1)).scalar()
    if latest is None:
        return None
    found: list[Decimal] = []
    for unit, price, rate in conn.execute(select(line.unit, line.unit_net_price, line.vat_rate)
                                          .where(line.invoice_id == latest).order_by(line.position)):
        if (unit or "").strip().lower() not in ("m3", "m³"):
            continue
        rate = (rate or "").strip().lower()
        if rate in ("zw", "np", "0"):
            found.append(Decimal(price))
        elif rate.isascii() and rate.isdigit():
            found.append(Decimal(price) * (100 + int(rate)) / 100)
        else:
            return None
    return found or None


def _price(lines: list[Decimal] | None, main: bool) -> Decimal | None:
    """A main meter's cubic metre costs every line billed by the cubic metre; a sub-meter's (garden
    water, not billed for sewage) only water, which the lines do not name: known only with one line."""
    if not lines:
        return None
    if main:
        return sum(lines, Decimal(0))
    return lines[0] if len(lines) == 1 else None


def _household(conn: Connection, tariff: str, today: date) -> list[tuple[date, Decimal]]:
    """The tariff's average household in the last twelve complete months the store has figures for."""
    t = tariff_months.c
    return [(month, m3) for month, m3 in conn.execute(
        select(t.month, t.consumption).where(and_(t.tariff == tariff, t.month < today.replace(day=1),
                                                  t.customers > 0))
        .order_by(t.month.desc()).limit(12))]


def withdraw_reading(conn: Connection, customer_id: int, key: str) -> dict[str, Any] | None:
    """Withdraw one of the customer's readings that no relay has had (``deliveries.withdraw``): the
    reading as it was, with ``withdrawn`` True, or False when it is too late (a relay has it or had
    it); None when the customer has no such reading."""
    row = conn.execute(select(submissions.c.id, submissions.c.meter_id, submissions.c.read_on, submissions.c.state,
                              outbox.c.state.label("delivery"))
                       .join(outbox, outbox.c.id == submissions.c.id)
                       .where(and_(submissions.c.id == key, submissions.c.customer_id == customer_id,
                                   submissions.c.kind == "reading"))).mappings().first()
    if row is None:
        return None
    # Withdrawn before (the same button twice): it stays withdrawn.
    return {**row, "withdrawn": row["delivery"] == "cancelled" or queue.withdraw(conn, key)}


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
    """The customer's submissions, newest first, with their delivery and billing's reply; a reading
    with its meter and service point, and whether it can still be replaced or withdrawn."""
    s, o = submissions.c, outbox.c
    reply_status = func.coalesce(reading_replies.c.status, message_replies.c.status, change_replies.c.status)
    replaceable = and_(s.kind == literal("reading"), o.state.in_(("pending", "dead")), o.claimed_by.is_(None),
                       o.tried_at.is_(None), reading_replies.c.status.is_(None))
    query = (select(submissions, o.state.label("delivery"), o.attempts, o.sent_at,
                    reply_status.label("reply_status"), replaceable.label("replaceable"),
                    meters.c.serial_number, meters.c.main, points.c.street, points.c.house_number,
                    points.c.flat_number, points.c.postal_code, points.c.city,
                    func.coalesce(reading_replies.c.note, change_replies.c.note).label("note"),
                    reading_replies.c.reading_id, message_replies.c.case_number, message_replies.c.answer,
                    func.coalesce(reading_replies.c.modified_at, message_replies.c.modified_at,
                                  change_replies.c.modified_at).label("replied_at"))
             .join(outbox, o.id == s.id)
             .outerjoin(reading_replies, and_(s.kind == literal("reading"), reading_replies.c.key == s.id))
             .outerjoin(message_replies, and_(s.kind == literal("message"), message_replies.c.key == s.id))
             .outerjoin(change_replies, and_(s.kind == literal("change"), change_replies.c.key == s.id))
             .outerjoin(meters, meters.c.id == s.meter_id).outerjoin(points, points.c.id == meters.c.point_id)
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
