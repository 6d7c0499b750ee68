"""Issue 19's readings through the real store, relay and billing interface: the tenfold typo, the
0 → 500 m³ jump, a real reading below billing's estimate, and correcting a reading billing has not
booked yet, within what billing's INSERT-only interface allows.

- Before the relay has it, a reading is replaced (or withdrawn) atomically: exactly one of the two
  reaches billing, whatever a relay does at the same moment (a second connection claiming it).
- Once relayed, it cannot be changed online: the portal says so and prepares a message to the
  office with both values.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal as D

from sqlalchemy import select

from adapters.billing.interface import InterfaceWriter
from adapters.standin.inbox import process_inbox
from adapters.store.db import writer
from adapters.store.outbox import deliveries
from adapters.store.tables import outbox, readings
from sync.relay import Relay
from sync.submissions import service
from sync.submissions.rules import ReadingEntry
from tests.writeback.conftest import Portal
from tests.writeback.test_submit import TODAY, Held, held_meters, moving_meters, pl, read


def relay(portal: Portal) -> int:
    """Deliver what waits; how many rows reached billing."""
    interface = InterfaceWriter(portal.mirror.billing.dsn)
    try:
        return Relay(interface, portal.mirror.store.engine, retry_max_wait_s=0.2).run().sent
    finally:
        interface.close()


def billing_rows(portal: Portal, meter_id: int) -> list[tuple[str, D, str]]:
    """(KLUCZ, STAN, STATUS) of the meter's rows in billing's interface table, in insert order."""
    return [(k.strip(), D(str(v)).quantize(D("0.001")), st.strip()) for k, v, st in portal.mirror.billing_sql(
        "SELECT KLUCZ, STAN, STATUS FROM IBOK_ODCZYTY WHERE ID_WOD = ? ORDER BY ID_ZGL", meter_id)]


def outbox_row(portal: Portal, key: str) -> dict:
    with portal.mirror.store.engine.connect() as conn:
        return dict(conn.execute(select(outbox).where(outbox.c.id == key)).mappings().one())


def typo_of(meter: Held) -> D:
    """The meter's usual next value with its decimal point one place to the right (65.761 → 657.61)."""
    return (meter.usual_value() * 10).quantize(D("0.001"))


def sent_typo(portal: Portal) -> tuple[Held, str]:
    """A confirmed tenfold typo of a meter's reading, waiting in the outbox."""
    meter = moving_meters(held_meters(portal))[0]
    typo = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(typo_of(meter))))
    assert [w.code for w in typo.warnings] == ["unusual_high"]  # asked about first ...
    done = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(typo_of(meter)), confirmed=True))
    assert done.created  # ... and sent once the customer insists
    return meter, done.ids[0]


# ----- acceptance 2: the typo, the 0 → 500 m³ jump and the below-estimate reading -----------------
def test_the_typo_is_asked_about_then_replaced_before_the_relay_and_only_the_correction_reaches_billing(
        portal: Portal) -> None:
    meter, key = sent_typo(portal)
    right = meter.usual_value()

    # The right value is lower than the typo: not "lower than the last reading", but an offer to replace it.
    below = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(right)))
    assert [(p.code, p.params["submission"], p.params["last"]) for p in below.problems] == [
        ("value_below_own", key, typo_of(meter))]
    assert portal.counts() == (1, 1)

    # Looking first (the review step) changes nothing ...
    look = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(right), replaces=key), dry_run=True)
    assert (look.ok, look.problems, look.warnings) == (False, [], [])
    assert look.implications[0].consumption == right - meter.last[1]  # measured from billing's last reading again
    assert outbox_row(portal, key)["state"] == "pending" and portal.counts() == (1, 1)

    # ... replacing does: the typo is withdrawn and the correction written, in one transaction.
    fixed = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(right), replaces=key))
    assert fixed.created and portal.counts() == (2, 2)
    assert outbox_row(portal, key)["state"] == "cancelled"
    views = {v.row["id"]: v for v in service.submissions_of(portal.ctx, meter.customer_id, kind="reading")}
    assert (views[key].status.code, views[fixed.ids[0]].status.code) == ("cancelled", "waiting")
    assert views[fixed.ids[0]].row["serial_number"] == meter.serial  # the status names the meter ...
    assert views[fixed.ids[0]].row["street"]  # ... and where it is

    assert relay(portal) == 1
    assert billing_rows(portal, meter.meter_id) == [(fixed.ids[0], right, "N")]  # exactly one row: the right one


def test_the_typo_already_relayed_cannot_be_changed_online_and_a_message_with_both_values_is_prepared(
        portal: Portal) -> None:
    meter, key = sent_typo(portal)
    right = meter.usual_value()
    assert relay(portal) == 1

    below = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(right)))
    assert [p.code for p in below.problems] == ["value_below_sent"]
    late = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(right), replaces=key))
    assert [(p.code, p.params["last"]) for p in late.problems] == [("correction_too_late", typo_of(meter))]
    assert portal.counts() == (1, 1) and outbox_row(portal, key)["state"] == "sent"
    assert service.withdraw_reading(portal.ctx, meter.customer_id, key).problems[0].code == "withdraw_too_late"

    draft = service.correction_draft(portal.ctx, meter.customer_id, "pl", value=pl(right), on=TODAY, reading=key)
    assert draft is not None and draft.category == "WNI"
    assert draft.subject == f"Korekta odczytu wodomierza {meter.serial}"
    assert f"stan {pl(typo_of(meter))} m3 z dnia {TODAY:%d.%m.%Y}" in draft.body
    assert f"Prawidłowy stan to {pl(right)} m3" in draft.body
    english = service.correction_draft(portal.ctx, meter.customer_id, "en", value=str(right), on=TODAY, reading=key)
    assert english is not None and f"I sent the reading {typo_of(meter):.3f} m3 on {TODAY.isoformat()}" in english.body
    assert f"The right reading is {right:.3f} m3 on {TODAY.isoformat()}" in english.body
    # Billing's text columns take it as it is, and it goes to the office like any message.
    sent = service.send_message(portal.ctx, meter.customer_id, draft.category, draft.subject, draft.body,
                                token=service.new_token())
    assert sent.created, sent.problems
    # Someone else's reading gives no draft.
    other = next(h for h in held_meters(portal) if h.customer_id != meter.customer_id)
    assert service.correction_draft(portal.ctx, other.customer_id, "pl", value="1", on=TODAY, reading=key) is None


def test_the_jump_from_0_to_500_m3_in_16_days_on_a_new_meter_is_asked_about(portal: Portal) -> None:
    meter = moving_meters(held_meters(portal))[0]
    mounted = TODAY - timedelta(days=16)
    with portal.mirror.office() as office:  # billing exchanges the meter: a new one at 0 m³, its one reading
        new_id = office.next_ids("ID_WOD")
        office.update("WODOMIERZE", {"ID_WOD": meter.meter_id}, {"DATA_DEMONTAZU": mounted})
        office.insert("WODOMIERZE", {"ID_WOD": new_id, "NR_FABRYCZNY": "PWN26X000500", "ID_PKT": meter.point_id,
                                     "RODZAJ": "G", "SREDNICA": 15, "DATA_MONTAZU": mounted,
                                     "DATA_DEMONTAZU": None, "LEGALIZACJA_DO": date(2032, 1, 1)})
        office.add_reading(new_id, mounted, D("0.000"), None, "W", office.now())
        office.commit()
    portal.mirror.sync("full", "meters")
    portal.mirror.sync()
    jump = read(portal, meter.customer_id, ReadingEntry("PWN26X000500", "500"))
    assert jump.problems == [] and [w.code for w in jump.warnings] == ["unusual_high_household"]
    assert (jump.warnings[0].params["consumption"], jump.warnings[0].params["days"]) == (D("500.000"), 16)
    assert portal.counts() == (0, 0)
    usual = read(portal, meter.customer_id, ReadingEntry("PWN26X000500", "3,2"))
    assert usual.created  # a household's use in 16 days: no question


def test_a_real_reading_below_the_estimate_is_accepted_reaches_billing_and_billing_corrects_the_estimate(
        portal: Portal) -> None:
    meter = moving_meters(held_meters(portal))[0]
    last_on, last = meter.last
    estimate = meter.usual_value() + 200  # billing's estimate of yesterday, far too high
    with portal.mirror.office() as office:
        estimate_id = office.add_reading(meter.meter_id, TODAY - timedelta(days=1), estimate, last, "S", office.now())
        office.commit()
    portal.mirror.sync()
    real = meter.usual_value()

    done = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(real)))
    assert (done.created, done.problems, done.warnings) == (True, [], [])
    implied = done.implications[0]
    assert implied.below_estimate is not None and implied.below_estimate.state == estimate
    assert (implied.since.on, implied.consumption) == (last_on, real - last)  # since the last actual reading
    assert relay(portal) == 1
    assert billing_rows(portal, meter.meter_id) == [(done.ids[0], real, "N")]  # it reached billing's table

    with portal.mirror.office() as office:
        process_inbox(office)
    portal.mirror.sync()
    [view] = service.submissions_of(portal.ctx, meter.customer_id, ids=done.ids)
    assert view.status.code == "accepted" and "szacunek zostanie skorygowany" in (view.status.reason or "")
    with portal.mirror.store.engine.connect() as conn:
        corrected = conn.execute(select(readings.c.state).where(readings.c.id == estimate_id)).scalar_one()
    assert last <= corrected <= real  # billing corrected its estimate


# ----- a replacement and a relay at the same moment -----------------------------------------------
def test_a_relay_that_claims_the_reading_first_makes_the_replacement_wait_and_then_fail_cleanly(
        portal: Portal) -> None:
    meter, key = sent_typo(portal)
    engine = portal.mirror.store.engine
    results: list[service.Submitted] = []
    with writer(engine).connect() as relay_conn:
        claim = relay_conn.begin()
        claimed = deliveries.claim(relay_conn, "relay-on-another-host", 10, timedelta(seconds=60))
        assert [d.key for d, _ in claimed] == [key]
        customer = threading.Thread(target=lambda: results.append(read(
            portal, meter.customer_id, ReadingEntry(meter.serial, pl(meter.usual_value()), replaces=key))))
        customer.start()
        time.sleep(0.5)
        assert customer.is_alive() and not results  # the replacement waits for the claim's transaction
        claim.commit()
    customer.join(30)
    [result] = results
    assert [p.code for p in result.problems] == ["correction_too_late"]
    assert portal.counts() == (1, 1)
    row = outbox_row(portal, key)
    assert (row["state"], row["claimed_by"]) == ("pending", "relay-on-another-host")  # the relay's, untouched


def test_a_replacement_that_withdraws_first_leaves_the_relay_nothing_of_the_old_reading(portal: Portal) -> None:
    meter, key = sent_typo(portal)
    engine = portal.mirror.store.engine
    reports: list[int] = []
    with writer(engine).connect() as customer_conn:
        replacing = customer_conn.begin()
        assert deliveries.withdraw(customer_conn, key)
        runner = threading.Thread(target=lambda: reports.append(relay(portal)))
        runner.start()  # a relay at the same moment: it skips the locked row (PostgreSQL) or waits (SQLite)
        time.sleep(0.5)
        replacing.commit()
    runner.join(30)
    assert reports == [0] and billing_rows(portal, meter.meter_id) == []
    assert outbox_row(portal, key)["state"] == "cancelled"
    assert relay(portal) == 0  # and never later
    withdrawn = service.submissions_of(portal.ctx, meter.customer_id, ids=[key])
    assert withdrawn[0].status.code == "cancelled"


def test_a_reading_is_withdrawn_once_and_not_after_a_relay_has_tried_it(portal: Portal) -> None:
    meter, key = sent_typo(portal)
    assert service.withdraw_reading(portal.ctx, meter.customer_id, key).ok
    assert service.withdraw_reading(portal.ctx, meter.customer_id, key).ok  # the same button twice
    assert outbox_row(portal, key)["state"] == "cancelled"
    other = next(h for h in held_meters(portal) if h.customer_id != meter.customer_id)
    assert service.withdraw_reading(portal.ctx, other.customer_id, key).problems[0].code == "submission_unknown"

    # A reading whose insert was tried (it may be in billing) is no longer the customer's to withdraw.
    again = read(portal, meter.customer_id, ReadingEntry(meter.serial, pl(meter.usual_value())))
    with writer(portal.mirror.store.engine).begin() as conn:
        deliveries.mark_failed(conn, again.ids[0], "timeout", retry_in=timedelta(seconds=1), uncertain=True)
    late = service.withdraw_reading(portal.ctx, meter.customer_id, again.ids[0])
    assert late.problems[0].code == "withdraw_too_late"
    assert outbox_row(portal, again.ids[0])["state"] == "pending"
