"""The dashboard: balance, next payment, last reading, meters to re-verify, open cases (its outages are
``portal.customer.notices``')."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select

from adapters.store.tables import (
    contracts,
    customer_summaries,
    message_replies,
    meters,
    readings,
)

LEGALIZATION_WARNING = timedelta(days=90)


# Built once, executed with parameters: building a statement costs more than running it.
_c = contracts.c
_HELD = select(_c.point_id).where(and_(_c.customer_id == bindparam("customer"), _c.starts_on <= bindparam("today"),
                                       or_(_c.ends_on.is_(None), _c.ends_on >= bindparam("today"))))
_SUMMARY = select(customer_summaries).where(customer_summaries.c.customer_id == bindparam("customer"))
_LAST_READING = (select(readings.c.read_on, readings.c.state, meters.c.serial_number)
                 .join(meters, meters.c.id == readings.c.meter_id).where(readings.c.point_id.in_(_HELD))
                 .order_by(readings.c.read_on.desc(), readings.c.id.desc()).limit(1))
# The same when the summary knows the day: each point's readings of that day, one index lookup.
_LAST_READING_ON = _LAST_READING.where(readings.c.read_on == bindparam("last_on"))
_EXPIRING = (select(meters.c.serial_number, meters.c.legalization_valid_until)
             .where(and_(meters.c.point_id.in_(_HELD), meters.c.dismounted_on.is_(None),
                         meters.c.legalization_valid_until <= bindparam("warn_until")))
             .order_by(meters.c.legalization_valid_until))
_CASES = (select(message_replies.c.case_number, message_replies.c.status, message_replies.c.category)
          .where(and_(message_replies.c.customer_id == bindparam("customer"), message_replies.c.status != "closed"))
          .order_by(message_replies.c.id.desc()))


def dashboard(conn: Connection, customer_id: int, today: date, now: datetime) -> dict[str, Any]:
    """Balance, next payment, last reading, meters to re-verify, open cases. The summary,
    derived at sync time, tells whether there is a reading or a meter to re-verify to look for."""
    params = {"customer": customer_id, "today": today, "now": now, "warn_until": today + LEGALIZATION_WARNING}
    row = conn.execute(_SUMMARY, params).mappings().first()
    summary = dict(row) if row else None
    last = expiring = None
    if summary is not None and summary["last_reading_on"] is not None:
        last = conn.execute(_LAST_READING_ON, {**params, "last_on": summary["last_reading_on"]}).mappings().first()
    if summary is None or (summary["last_reading_on"] is not None and last is None):  # not derived yet
        last = conn.execute(_LAST_READING, params).mappings().first()
    due = None if summary is None else summary["legalization_due_on"]
    if summary is None or (due is not None and due <= params["warn_until"]):
        expiring = [dict(r) for r in conn.execute(_EXPIRING, params).mappings()]
    return {"summary": summary, "last_reading": dict(last) if last else None, "expiring": expiring or [],
            "cases": [dict(r) for r in conn.execute(_CASES, params).mappings()]}
