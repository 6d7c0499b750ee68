"""The dashboard: balance, next payment, last reading, meters to re-verify, open cases, outages, freshness."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from adapters.store.tables import (
    contracts,
    customer_summaries,
    customers,
    message_replies,
    meters,
    outages,
    points,
    readings,
    sync_runs,
)

LEGALIZATION_WARNING = timedelta(days=90)
# The streams whose freshness a customer's pages show ("dane z dnia … godz. …").
CUSTOMER_STREAMS = ("customers", "readings", "invoices", "settlements", "payments")


def _current_points(customer_id: int, today: date) -> Any:
    c = contracts.c
    return select(c.point_id).where(and_(c.customer_id == customer_id, c.starts_on <= today,
                                         or_(c.ends_on.is_(None), c.ends_on >= today)))


def dashboard(conn: Connection, customer_id: int, today: date, now: datetime) -> dict[str, Any]:
    """Balance, next payment, last reading, meters to re-verify, open cases, outages, freshness."""
    summary = conn.execute(select(customer_summaries).where(customer_summaries.c.customer_id == customer_id)
                           ).mappings().first()
    held = _current_points(customer_id, today)
    last = conn.execute(
        select(readings.c.read_on, readings.c.state, meters.c.serial_number)
        .join(meters, meters.c.id == readings.c.meter_id)
        .where(readings.c.point_id.in_(held)).order_by(readings.c.read_on.desc(), readings.c.id.desc()).limit(1)
    ).mappings().first()
    expiring = [dict(r) for r in conn.execute(
        select(meters.c.serial_number, meters.c.legalization_valid_until)
        .where(and_(meters.c.point_id.in_(held), meters.c.dismounted_on.is_(None),
                    meters.c.legalization_valid_until <= today + LEGALIZATION_WARNING))
        .order_by(meters.c.legalization_valid_until)).mappings()]
    cases = [dict(r) for r in conn.execute(
        select(message_replies.c.case_number, message_replies.c.status, message_replies.c.category)
        .where(and_(message_replies.c.customer_id == customer_id, message_replies.c.status != "closed"))
        .order_by(message_replies.c.id.desc())).mappings()]
    districts = select(points.c.district).where(points.c.id.in_(held))
    notices = [dict(r) for r in conn.execute(
        select(outages.c.district, outages.c.starts_at, outages.c.ends_at, outages.c.description)
        .where(and_(outages.c.district.in_(districts), or_(outages.c.ends_at.is_(None), outages.c.ends_at >= now)))
        .order_by(outages.c.starts_at)).mappings()]
    return {"summary": dict(summary) if summary else None, "last_reading": dict(last) if last else None,
            "expiring": expiring, "cases": cases, "outages": notices, "fresh_at": fresh_at(conn)}


def fresh_at(conn: Connection) -> datetime | None:
    """When the customer-facing mirror was last known complete: the oldest of those streams' last good runs."""
    r = sync_runs.c
    runs = dict(conn.execute(select(r.stream, func.max(r.finished_at))
                             .where(and_(r.stream.in_(CUSTOMER_STREAMS), r.outcome == "ok")).group_by(r.stream)).all())
    return None if set(runs) != set(CUSTOMER_STREAMS) else min(runs.values())


def customer_name(conn: Connection, customer_id: int) -> str | None:
    return conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
