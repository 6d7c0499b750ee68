"""The dashboard's figures against the mirrored rows they come from, on both store pairs: the last
reading of the points a customer holds (found through the summary's day, or without it), the meters to
re-verify, and the balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from adapters.store.pages import dashboard
from adapters.store.tables import contracts, customer_summaries, meters, readings
from tests.conftest import AS_OF
from tests.sync.conftest import PAIRS, Mirror

TODAY = AS_OF + timedelta(days=1)
NOW = datetime.combine(TODAY, datetime.min.time(), UTC)


@pytest.fixture(params=PAIRS, ids=lambda p: f"{p[0]}-to-{p[1]}")
def synced(request: pytest.FixtureRequest, make_mirror) -> Mirror:
    mirror = make_mirror(*request.param)
    mirror.sync()
    return mirror


def _expected(conn, customer_id: int) -> tuple[dict | None, list[tuple]]:
    """The last reading and the meters to re-verify, worked out in Python from the plain rows."""
    held = {p for p, starts, ends in conn.execute(select(contracts.c.point_id, contracts.c.starts_on,
                                                         contracts.c.ends_on)
                                                  .where(contracts.c.customer_id == customer_id))
            if starts <= TODAY and (ends is None or ends >= TODAY)}
    serial = dict(conn.execute(select(meters.c.id, meters.c.serial_number)).all())
    found = [r for r in conn.execute(select(readings.c.id, readings.c.read_on, readings.c.state, readings.c.meter_id,
                                            readings.c.point_id)) if r.point_id in held]
    last = max(found, key=lambda r: (r.read_on, r.id), default=None)
    expiring = sorted((m.legalization_valid_until, m.serial_number) for m in conn.execute(select(meters))
                      if m.point_id in held and m.dismounted_on is None
                      and m.legalization_valid_until <= TODAY + dashboard.LEGALIZATION_WARNING)
    reading = None if last is None else {"read_on": last.read_on, "state": last.state,
                                         "serial_number": serial[last.meter_id]}
    return reading, expiring


def test_the_dashboard_shows_what_the_rows_say_with_or_without_the_summary(synced: Mirror) -> None:
    with synced.store.engine.connect() as conn:
        customer_ids = conn.execute(select(customer_summaries.c.customer_id).order_by(
            customer_summaries.c.customer_id)).scalars().all()
        assert len(customer_ids) > 20
        seen_readings = seen_expiring = 0
        for customer_id in customer_ids:
            shown = dashboard.dashboard(conn, customer_id, TODAY, NOW)
            reading, expiring = _expected(conn, customer_id)
            assert shown["last_reading"] == reading, customer_id
            assert sorted((m["legalization_valid_until"], m["serial_number"]) for m in shown["expiring"]) == expiring
            assert shown["summary"]["customer_id"] == customer_id
            seen_readings += reading is not None
            seen_expiring += bool(expiring)
        assert seen_readings > 10 and seen_expiring > 0  # the data set has both

    with synced.store.writer.begin() as conn:  # a customer whose summary is not derived yet
        conn.execute(delete(customer_summaries).where(customer_summaries.c.customer_id == customer_ids[0]))
    with synced.store.engine.connect() as conn:
        shown = dashboard.dashboard(conn, customer_ids[0], TODAY, NOW)
        reading, expiring = _expected(conn, customer_ids[0])
        assert shown["summary"] is None and shown["last_reading"] == reading
        assert sorted((m["legalization_valid_until"], m["serial_number"]) for m in shown["expiring"]) == expiring
