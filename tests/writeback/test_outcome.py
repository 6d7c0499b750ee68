"""Acceptance: billing's answer comes back. After the office processes its inbox (what `ibok legacy
process-inbox` runs), accepted readings show as accepted and join the reading history once synced,
rejected ones show billing's reason, and messages show their case number and its stages."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.standin.inbox import process_inbox
from adapters.standin.names import CASE_STAGES
from adapters.store.tables import customers, readings
from sync.submissions import service
from tests.sync.conftest import Mirror
from tests.writeback.harness import NOW, WriteBack, open_writeback


@pytest.fixture
def wb(mirror: Mirror) -> Iterator[WriteBack]:
    yield from open_writeback(mirror)


def _views(wb: WriteBack, customer: int) -> dict[str, service.SubmissionView]:
    return {v.row["id"]: v for v in service.submissions_of(wb.ctx, customer)}


def _office_pass(wb: WriteBack) -> None:
    with wb.mirror.office() as office:
        process_inbox(office)
    results = wb.mirror.sync()
    assert all(r.outcome == "ok" for r in results.values()), results


def test_accepted_rejected_and_case_stages_come_back_to_the_customer(wb: WriteBack) -> None:
    held = wb.meters_held()
    customer = next(c for c, _, _ in held if sum(c == d for d, _, _ in held) > 1)  # one with two meters
    (_, serial, meter), (_, other_serial, other_meter) = [h for h in held if h[0] == customer][:2]
    accepted = wb.reading(customer, serial, meter)
    message = wb.message(customer)
    phone = service.request_change(wb.ctx, customer, "phone", "+48 601 202 303", token="phone").ids[0]
    views = _views(wb, customer)
    assert {views[k].status.code for k in (accepted, message, phone)} == {"waiting"}

    assert wb.relay().run().sent == 3
    wb.mirror.sync()
    views = _views(wb, customer)
    assert {views[k].status.code for k in (accepted, message, phone)} == {"sent"}
    assert views[accepted].status.label("en") == "sent to the utility"

    # A meter reader reads the second meter higher than the customer did, before the office gets to
    # the customer's reading: billing refuses it.
    rejected = wb.reading(customer, other_serial, other_meter)
    assert wb.relay().run().sent == 1
    with wb.mirror.office() as office:
        history = office.meter_readings(other_meter)
        office.add_reading(other_meter, NOW.date(), history[-1][2] + Decimal("500.000"), history[-1][2], "I",
                           office.now())
        office.commit()

    _office_pass(wb)

    views = _views(wb, customer)
    assert views[accepted].status.code == "accepted" and views[accepted].status.final
    reading_id = views[accepted].row["reading_id"]
    with wb.mirror.store.engine.connect() as conn:
        mirrored = conn.execute(select(readings).where(readings.c.id == reading_id)).mappings().one()
    assert (mirrored["meter_id"], mirrored["source"], mirrored["read_on"]) == (meter, "customer", NOW.date())
    assert mirrored["state"] == views[accepted].row["state"]

    refused = views[rejected].status
    assert refused.code == "rejected" and refused.label("pl") == "odrzucone"
    assert refused.reason is not None and "niższy niż ostatni odczyt" in refused.reason

    case = views[message].status
    assert case.code == "registered" and case.case_number and case.case_number.startswith("EBOK/")
    assert [stage for _, stage in views[message].stages] == [CASE_STAGES[0]]

    assert views[phone].status.code == "accepted"
    with wb.mirror.store.engine.connect() as conn:
        assert conn.execute(select(customers.c.phone).where(customers.c.id == customer)).scalar() == "+48 601 202 303"

    _office_pass(wb)
    _office_pass(wb)
    final = _views(wb, customer)[message]
    assert final.status.code == "closed" and final.status.answer
    assert [stage for _, stage in final.stages] == [CASE_STAGES[0], CASE_STAGES[2], CASE_STAGES[3], CASE_STAGES[4]]
