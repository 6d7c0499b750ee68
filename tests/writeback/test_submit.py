"""The use cases on a real synced store: every refusal is named to the customer in Polish and English
and writes nothing, neither a submission nor an outbox row; what passes is written once, with its
outbox row, however often the same form is sent."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_, select

from adapters.billing.interface import InterfaceWriter
from adapters.standin.inbox import process_inbox
from adapters.store.tables import contracts, customers, meters, outbox, readings, submissions
from sync.relay import Relay
from sync.submissions import service
from sync.submissions.messages import text
from sync.submissions.rules import Problem, ReadingEntry
from tests.writeback.conftest import PORTAL_NOW, Portal

TODAY = PORTAL_NOW.astimezone(ZoneInfo("Europe/Warsaw")).date()  # 2026-11-22


@dataclass(frozen=True)
class Held:
    """A meter on a service point of one of a customer's current contracts, with billing's readings."""

    customer_id: int
    point_id: int
    meter_id: int
    serial: str
    mounted_on: date
    dismounted_on: date | None
    readings: tuple[tuple[date, D], ...]  # oldest first
    sources: tuple[str, ...] = ()  # each reading's source

    @property
    def last(self) -> tuple[date, D]:
        return self.readings[-1]

    def usual_value(self) -> D:
        """A value with the meter's usual consumption since its last reading: no warning."""
        (first_on, first), (last_on, last) = self.readings[0], self.readings[-1]
        per_day = (last - first) / (last_on - first_on).days
        return last + (per_day * (TODAY - last_on).days).quantize(D("0.001"), ROUND_DOWN)


def held_meters(portal: Portal) -> list[Held]:
    c, m = contracts.c, meters.c
    with portal.mirror.store.engine.connect() as conn:
        rows = conn.execute(
            select(c.customer_id, m.point_id, m.id, m.serial_number, m.mounted_on, m.dismounted_on)
            .join(meters, m.point_id == c.point_id)
            .where(c.starts_on <= TODAY, or_(c.ends_on.is_(None), c.ends_on >= TODAY))
            .distinct().order_by(c.customer_id, m.point_id, m.id)).all()
        history: dict[int, list[tuple[date, D, str]]] = defaultdict(list)
        for meter_id, on, state, source in conn.execute(
                select(readings.c.meter_id, readings.c.read_on, readings.c.state, readings.c.source)
                .order_by(readings.c.meter_id, readings.c.read_on, readings.c.id)):
            history[meter_id].append((on, state, source))
    return [Held(*row, tuple(r[:2] for r in history[row[2]]), tuple(r[2] for r in history[row[2]])) for row in rows]


def moving_meters(held: list[Held], *, estimated: bool = False) -> list[Held]:
    """Mounted meters that use a tenth of a cubic metre a day or more, read well after mounting, whose
    readings are all actual ones (``estimated``: or some of them billing's estimates)."""
    return [h for h in held if h.dismounted_on is None and len(h.readings) >= 2
            and (estimated or "estimate" not in h.sources)
            and h.readings[0][0] < h.last[0] < TODAY and h.last[0] - timedelta(days=1) >= h.mounted_on
            and (h.last[1] - h.readings[0][1]) / (h.last[0] - h.readings[0][0]).days >= D("0.1")]


def said(problem: Problem) -> tuple[str, str]:
    """What the customer reads: (Polish, English)."""
    return text(problem.code, "pl", **problem.params), text(problem.code, "en", **problem.params)


def pl(value: date | D) -> str:
    return value.strftime("%d.%m.%Y") if isinstance(value, date) else f"{value:.3f}".replace(".", ",")


def refused(portal: Portal, result: service.Submitted, counts: tuple[int, int]) -> Problem:
    """The one refusal of a form, after checking that nothing at all was written."""
    assert (result.ok, result.ids, result.created, result.warnings) == (False, [], False, [])
    assert portal.counts() == counts, "a refused form wrote to the store"
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


def read(portal: Portal, customer_id: int, *entries: ReadingEntry, token: str | None = None,
         dry_run: bool = False) -> service.Submitted:
    return service.submit_readings(portal.ctx, customer_id, list(entries), token=token or service.new_token(),
                                   dry_run=dry_run)


def rows_of(portal: Portal, ids: list[str]) -> list[dict[str, Any]]:
    """Submissions with their outbox row's state and tries, in the order of ``ids``."""
    with portal.mirror.store.engine.connect() as conn:
        found = {r["id"]: dict(r) for r in conn.execute(
            select(submissions, outbox.c.state.label("delivery"), outbox.c.attempts)
            .join(outbox, outbox.c.id == submissions.c.id).where(submissions.c.id.in_(ids))).mappings()}
    return [found[i] for i in ids]


def later(portal: Portal, minutes: int) -> service.Context:
    """The portal's context some minutes on (changes asked one after the other)."""
    return dataclasses.replace(portal.ctx, clock=lambda: PORTAL_NOW + timedelta(minutes=minutes))


# ----- readings refused -------------------------------------------------------------------------
def test_every_refused_reading_is_named_in_polish_and_english_and_writes_nothing(portal: Portal) -> None:
    held = held_meters(portal)
    meter = moving_meters(held)[0]
    me = meter.customer_id
    # Something is in the store already: a refusal must leave it exactly as it is.
    assert service.send_message(portal.ctx, me, "INF", "Pytanie", "Proszę o kontakt telefoniczny.",
                                token=service.new_token()).created
    counts, before = portal.counts(), portal.snapshot()
    assert counts == (1, 1)

    def problem(*entries: ReadingEntry, customer: int = me) -> Problem:
        return refused(portal, read(portal, customer, *entries), counts)

    # A customer the store does not know, whatever the use case.
    with portal.mirror.store.engine.connect() as conn:
        nobody = conn.execute(select(func.max(customers.c.id))).scalar_one() + 1000
    token = service.new_token()
    for result in (
            read(portal, nobody, ReadingEntry(meter.serial, str(meter.usual_value())), token=token),
            service.send_message(portal.ctx, nobody, "INF", "Pytanie", "Proszę o kontakt telefoniczny.", token=token),
            service.request_change(portal.ctx, nobody, "email", "jan.kowalski@example.pl", token=token),
            service.request_change(portal.ctx, nobody, "phone", "+48 600 100 200", token=token),
            service.set_e_invoice(portal.ctx, nobody, True, token=token)):
        p = refused(portal, result, counts)
        assert p == Problem("customer_unknown", "customer")
        assert said(p) == ("Nie ma takiego konta odbiorcy.", "There is no such customer account.")
    assert service.submissions_of(portal.ctx, nobody) == []

    # An empty form.
    p = problem()
    assert p == Problem("readings_required", "meters")
    assert said(p) == ("Podaj odczyt co najmniej jednego wodomierza.", "Enter a reading for at least one meter.")

    # A meter that is not the customer's answers exactly like one that does not exist.
    mine = {h.serial for h in held if h.customer_id == me}
    others = [h for h in held if h.customer_id != me and h.serial not in mine]
    other_mounted = next(h for h in others if h.dismounted_on is None and h.readings)
    # ... even one that was dismounted: not even that is told.
    other_removed = next(h for h in others if h.dismounted_on is not None and h.readings)
    unknown = problem(ReadingEntry("XYZ999999999", "1"))
    assert unknown == Problem("meter_not_yours", "meters[0].meter", {"meter": "XYZ999999999"})
    assert said(unknown) == ("Wodomierz XYZ999999999 nie należy do Twojego konta.",
                             "Meter XYZ999999999 does not belong to your account.")
    for foreign in (other_mounted, other_removed):
        p = problem(ReadingEntry(foreign.serial, str(foreign.last[1] + 1)))
        assert p == dataclasses.replace(unknown, params={"meter": foreign.serial})
        assert said(p) == tuple(t.replace("XYZ999999999", foreign.serial) for t in said(unknown))

    # A meter on a service point whose contract has ended is no longer the customer's.
    with portal.mirror.store.engine.connect() as conn:
        former, serial = conn.execute(
            select(contracts.c.customer_id, meters.c.serial_number)
            .join(meters, meters.c.point_id == contracts.c.point_id)
            .where(contracts.c.ends_on < TODAY, meters.c.dismounted_on.is_(None))
            .order_by(contracts.c.id)).first()
    assert serial not in {h.serial for h in held if h.customer_id == former}
    p = problem(ReadingEntry(serial, "1"), customer=former)
    assert p == Problem("meter_not_yours", "meters[0].meter", {"meter": serial})
    assert said(p)[0] == f"Wodomierz {serial} nie należy do Twojego konta."

    # The same meter twice.
    usual = meter.usual_value()
    p = problem(ReadingEntry(meter.serial, str(usual)), ReadingEntry(f" {meter.serial} ", str(usual + 1)))
    assert p == Problem("meter_twice", "meters[1].meter", {"meter": meter.serial})
    assert said(p) == (f"Wodomierz {meter.serial} występuje w formularzu dwa razy.",
                       f"Meter {meter.serial} appears twice in the form.")

    # A meter the customer holds, but dismounted.
    removed = next(h for h in held if h.dismounted_on is not None and h.dismounted_on <= TODAY and h.readings)
    p = problem(ReadingEntry(removed.serial, str(removed.last[1] + 1)), customer=removed.customer_id)
    assert p == Problem("meter_dismounted", "meters[0].meter", {"meter": removed.serial, "date": removed.dismounted_on})
    assert said(p) == (
        f"Wodomierz {removed.serial} został zdemontowany {pl(removed.dismounted_on)}: nie można podać jego odczytu.",
        f"Meter {removed.serial} was removed on {removed.dismounted_on.isoformat()}: it cannot take a reading.")

    # A meter billing dismounts today takes no reading from today on.
    portal.mirror.billing_sql("UPDATE WODOMIERZE SET DATA_DEMONTAZU = ? WHERE ID_WOD = ?", TODAY.isoformat(),
                              other_mounted.meter_id)
    portal.mirror.sync("full", "meters")  # billing keeps no DATA_MOD on meters: a full pass brings it
    p = problem(ReadingEntry(other_mounted.serial, str(other_mounted.last[1] + 1)), customer=other_mounted.customer_id)
    assert p == Problem("meter_dismounted", "meters[0].meter", {"meter": other_mounted.serial, "date": TODAY})
    assert said(p) == (
        f"Wodomierz {other_mounted.serial} został zdemontowany {pl(TODAY)}: nie można podać jego odczytu.",
        f"Meter {other_mounted.serial} was removed on {TODAY.isoformat()}: it cannot take a reading.")

    # What is typed as the value.
    s = meter.serial
    for typed, code, polish, english in [
        ("  ", "value_required", f"Podaj stan wodomierza {s}.", f"Enter the reading of meter {s}."),
        ("12a", "value_not_number", f"Stan wodomierza {s} musi być liczbą, np. 123,456.",
         f"The reading of meter {s} must be a number, e.g. 123.456."),
        (f"{pl(usual)}1", "value_precision",
         f"Stan wodomierza {s} może mieć najwyżej trzy miejsca po przecinku (litry).",
         f"The reading of meter {s} may have at most three decimal places (litres)."),
        ("-1,5", "value_negative", f"Stan wodomierza {s} nie może być ujemny.",
         f"The reading of meter {s} cannot be negative."),
        ("1 000 000 000", "value_too_large", f"Stan wodomierza {s} jest za duży.",
         f"The reading of meter {s} is too large."),
    ]:
        p = problem(ReadingEntry(s, typed))
        assert p == Problem(code, "meters[0].value", {"meter": s}), typed
        assert said(p) == (polish, english)

    # Its date: not in the future, not before mounting, not before the last reading.
    tomorrow = TODAY + timedelta(days=1)
    p = problem(ReadingEntry(s, str(usual), tomorrow))
    assert p == Problem("date_future", "meters[0].date", {"meter": s, "date": tomorrow})
    assert said(p) == (f"Data odczytu {s} nie może być datą przyszłą.",
                       f"The date of the reading of {s} cannot be in the future.")
    p = problem(ReadingEntry(s, str(usual), meter.mounted_on - timedelta(days=1)))
    assert p == Problem("date_before_mounting", "meters[0].date", {"meter": s, "date": meter.mounted_on})
    assert said(p) == (
        f"Data odczytu {s} nie może być wcześniejsza niż montaż wodomierza ({pl(meter.mounted_on)}).",
        f"The date of the reading of {s} cannot be before the meter was mounted ({meter.mounted_on.isoformat()}).")
    last_on, last = meter.last
    p = problem(ReadingEntry(s, str(usual), last_on - timedelta(days=1)))
    source = meter.sources[-1]
    assert p == Problem("date_before_last", "meters[0].date", {"meter": s, "date": last_on, "source": source})
    assert said(p)[1].startswith(f"The date of the reading of {s} cannot be before the last reading on"
                                 f" {last_on.isoformat()} (")

    # Its value: not lower than billing's last reading (by a litre is enough).
    p = problem(ReadingEntry(s, pl(last - D("0.001"))))
    assert p == Problem("value_below_last", "meters[0].value", {"meter": s, "last": last, "date": last_on,
                                                               "value": last - D("0.001"), "source": source})
    assert said(p)[0].startswith(f"Stan {pl(last - D('0.001'))} m³ jest niższy niż ostatni odczyt wodomierza {s}:"
                                 f" {pl(last)} m³ z dnia {pl(last_on)} (")
    assert said(p)[1].startswith(f"{last - D('0.001'):.3f} m³ is lower than the last reading of meter {s}:"
                                 f" {last:.3f} m³ on {last_on.isoformat()} (")

    # A good line does not carry a bad one: the whole form is refused.
    result = read(portal, me, ReadingEntry(s, str(usual)), ReadingEntry("XYZ999999999", "1"))
    assert [p.code for p in result.problems] == ["meter_not_yours"] and not result.ids
    assert portal.counts() == counts
    assert portal.snapshot() == before  # the row that was there is untouched too


# ----- readings written -------------------------------------------------------------------------
def test_an_unusual_reading_is_written_once_confirmed_and_then_bounds_the_next_one(portal: Portal) -> None:
    meter = moving_meters(held_meters(portal))[0]
    me, s = meter.customer_id, meter.serial
    last_on, last = meter.last
    token = service.new_token()

    # No consumption at all on a meter that always moves: a warning, nothing written.
    zero = read(portal, me, ReadingEntry(s, pl(last)), token=token)
    assert (zero.ok, zero.problems, portal.counts()) == (False, [], (0, 0))
    assert [(w.code, w.params["value"], w.params["date"]) for w in zero.warnings] == [("unusual_zero", last, last_on)]
    polish, english = said(zero.warnings[0])
    assert polish.startswith(f"Stan {pl(last)} m³ wodomierza {s} oznacza zerowe zużycie")
    assert english.startswith(f"{last:.3f} m³ on meter {s} means no consumption at all")

    # Far more than usual: a warning, nothing written ...
    usual = meter.usual_value()
    high = last + (usual - last) * 3 + 1
    warned = read(portal, me, ReadingEntry(s, pl(high)), token=token)
    assert (warned.ok, warned.problems, portal.counts()) == (False, [], (0, 0))
    assert warned.warnings == [Problem("unusual_high", "meters[0].value", {
        "meter": s, "value": high, "consumption": high - last, "date": last_on, "days": (TODAY - last_on).days})]
    polish, english = said(warned.warnings[0])
    assert polish.startswith(f"Stan {pl(high)} m³ wodomierza {s} oznacza zużycie {pl(high - last)} m³ w")
    assert english.startswith(f"{high:.3f} m³ on meter {s} means {high - last:.3f} m³ in")

    # ... until the customer confirms it (the same form: its token was not spent by the warning).
    done = read(portal, me, ReadingEntry(s, pl(high), confirmed=True), token=token)
    assert (done.ok, done.created, done.problems, done.warnings) == (True, True, [], [])
    assert done.ids == [service.submission_id(me, token, f"reading:{s}")]
    assert portal.counts() == (1, 1)
    [row] = rows_of(portal, done.ids)
    assert {k: row[k] for k in ("kind", "customer_id", "meter_id", "read_on", "state", "unusual", "submitted_by",
                                "submitted_at", "delivery", "attempts")} == {
        "kind": "reading", "customer_id": me, "meter_id": meter.meter_id, "read_on": TODAY, "state": high,
        "unusual": True, "submitted_by": "test", "submitted_at": PORTAL_NOW, "delivery": "pending", "attempts": 0}

    # The same form again (a double click): the same submission, nothing new.
    again = read(portal, me, ReadingEntry(s, pl(high), confirmed=True), token=token)
    assert (again.ok, again.created, again.ids) == (True, False, done.ids)
    assert portal.counts() == (1, 1)

    # The submitted reading, not yet in billing, is now the last one: its value and its date bound the next.
    # Still waiting here, it can be replaced.
    below = refused(portal, read(portal, me, ReadingEntry(s, pl(high - D("0.001")), confirmed=True)), (1, 1))
    assert below == Problem("value_below_own", "meters[0].value", {
        "meter": s, "last": high, "date": TODAY, "value": high - D("0.001"), "submission": done.ids[0]})
    assert said(below)[1].startswith(f"{high - D('0.001'):.3f} m³ is lower than your reading of meter {s} on"
                                     f" {TODAY.isoformat()}: {high:.3f} m³, which is still waiting to be sent.")
    earlier = refused(portal, read(portal, me, ReadingEntry(s, pl(high + 1), TODAY - timedelta(days=1),
                                                            confirmed=True)), (1, 1))
    assert earlier == Problem("date_before_last", "meters[0].date", {"meter": s, "date": TODAY, "source": "submitted"})
    assert said(earlier)[1] == (f"The date of the reading of {s} cannot be before the last reading on"
                                f" {TODAY.isoformat()} (your reading sent through iBOK).")

    # A correction upwards the same day is a new, usual reading.
    fixed = read(portal, me, ReadingEntry(s, pl(high + D("0.5"))))
    assert fixed.created and portal.counts() == (2, 2)
    assert rows_of(portal, fixed.ids)[0]["unusual"] is False
    views = service.submissions_of(portal.ctx, me, kind="reading")
    assert {v.row["id"] for v in views} == {*done.ids, *fixed.ids}
    assert {(v.status.code, v.status.label("pl"), v.status.label("en")) for v in views} == {
        ("waiting", "oczekuje na wysłanie", "waiting to be sent")}


def test_readings_of_meters_of_several_service_points_go_in_one_form_one_submission_each(portal: Portal) -> None:
    by_customer: dict[int, dict[int, Held]] = defaultdict(dict)
    for h in moving_meters(held_meters(portal)):
        by_customer[h.customer_id].setdefault(h.point_id, h)
    first, second = next(list(points.values())[:2] for points in by_customer.values() if len(points) >= 2)
    token = service.new_token()
    entries = [ReadingEntry(m.serial, str(m.usual_value())) for m in (first, second)]
    done = read(portal, first.customer_id, *entries, token=token)
    assert (done.ok, done.created, done.problems, done.warnings) == (True, True, [], [])
    assert done.ids == [service.submission_id(first.customer_id, token, f"reading:{m.serial}") for m in (first, second)]
    assert [(r["meter_id"], r["delivery"]) for r in rows_of(portal, done.ids)] == [
        (first.meter_id, "pending"), (second.meter_id, "pending")]
    again = read(portal, first.customer_id, *entries, token=token)  # sent twice: nothing new
    assert (again.created, again.ids, portal.counts()) == (False, done.ids, (2, 2))


def test_readings_of_the_meters_of_one_point_are_two_submissions_sent_once(portal: Portal) -> None:
    by_point: dict[tuple[int, int], list[Held]] = defaultdict(list)
    for h in moving_meters(held_meters(portal), estimated=True):
        by_point[(h.customer_id, h.point_id)].append(h)
    (me, _), (main, sub) = next((k, v[:2]) for k, v in by_point.items() if len(v) >= 2)
    token = service.new_token()
    entries = [ReadingEntry(main.serial, pl(main.usual_value())),
               ReadingEntry(sub.serial, str(sub.usual_value()), TODAY - timedelta(days=1))]

    done = read(portal, me, *entries, token=token)

    assert (done.ok, done.created, done.problems, done.warnings) == (True, True, [], [])
    assert done.ids == [service.submission_id(me, token, f"reading:{m.serial}") for m in (main, sub)]
    assert len(set(done.ids)) == 2 and portal.counts() == (2, 2)
    written = rows_of(portal, done.ids)
    assert [(r["meter_id"], r["read_on"], r["state"], r["unusual"], r["delivery"]) for r in written] == [
        (main.meter_id, TODAY, main.usual_value(), False, "pending"),
        (sub.meter_id, TODAY - timedelta(days=1), sub.usual_value(), False, "pending")]

    again = read(portal, me, *entries, token=token)
    assert (again.ok, again.created, again.ids) == (True, False, done.ids)
    assert portal.counts() == (2, 2)


def test_a_reading_billing_rejected_no_longer_bounds_the_next_one(portal: Portal) -> None:
    meter = moving_meters(held_meters(portal))[0]
    me, s = meter.customer_id, meter.serial
    typo = meter.usual_value() + 100  # a typo the customer confirmed
    [key] = read(portal, me, ReadingEntry(s, pl(typo), confirmed=True)).ids
    lower = ReadingEntry(s, pl(meter.usual_value()))
    assert refused(portal, read(portal, me, lower), (1, 1)).params["last"] == typo

    interface = InterfaceWriter(portal.mirror.billing.dsn)
    try:
        assert Relay(interface, portal.mirror.store.engine, retry_max_wait_s=0.2).run().sent == 1
    finally:
        interface.close()
    # Sent, not yet judged: it still counts.
    assert refused(portal, read(portal, me, lower), (1, 1)).params["last"] == typo

    with portal.mirror.office() as office:  # the office rejects it
        assert office.update("IBOK_ODCZYTY", {"KLUCZ": key},
                             {"STATUS": "O", "UWAGI": "Odczyt kontrolny: stan niższy.", "DATA_MOD": office.now()}) == 1
        office.commit()
    portal.mirror.sync()
    [view] = service.submissions_of(portal.ctx, me, ids=[key])
    assert (view.status.code, view.status.reason, view.status.label("pl")) == (
        "rejected", "Odczyt kontrolny: stan niższy.", "odrzucone")

    accepted = read(portal, me, lower)
    assert (accepted.ok, accepted.created, accepted.problems) == (True, True, [])
    assert portal.counts() == (2, 2)


# ----- messages ---------------------------------------------------------------------------------
def test_messages_are_refused_with_the_reason_or_written_once_with_their_outbox_row(portal: Portal) -> None:
    me = held_meters(portal)[0].customer_id

    def send(category: str, subject: str, body: str, token: str | None = None) -> service.Submitted:
        return service.send_message(portal.ctx, me, category, subject, body, token=token or service.new_token())

    body = "Od rana nie ma wody w kranie — ul. Żółta 5, prosimy o informację."
    for (category, subject, text_), expected, polish, english in [
        (("XYZ", "Brak wody", body), Problem("category_unknown", "category"),
         "Wybierz rodzaj zgłoszenia.", "Choose the kind of message."),
        (("AWA", "   ", body), Problem("subject_required", "subject"), "Podaj temat.", "Enter a subject."),
        (("AWA", " ab ", body), Problem("subject_length", "subject", {"min": 3, "max": 120, "length": 2}),
         "Temat musi mieć od 3 do 120 znaków (ma 2).", "The subject must have 3 to 120 characters (it has 2)."),
        (("AWA", "x" * 121, body), Problem("subject_length", "subject", {"min": 3, "max": 120, "length": 121}),
         "Temat musi mieć od 3 do 120 znaków (ma 121).", "The subject must have 3 to 120 characters (it has 121)."),
        (("AWA", "Brak wody", " \n "), Problem("body_required", "body"), "Wpisz treść zgłoszenia.",
         "Enter the message."),
        (("AWA", "Brak wody", "Brak wody"), Problem("body_length", "body", {"min": 10, "max": 4000, "length": 9}),
         "Treść musi mieć od 10 do 4000 znaków (ma 9).", "The message must have 10 to 4000 characters (it has 9)."),
        (("AWA", "Brak wody", "w" * 4001), Problem("body_length", "body", {"min": 10, "max": 4000, "length": 4001}),
         "Treść musi mieć od 10 do 4000 znaków (ma 4001).",
         "The message must have 10 to 4000 characters (it has 4001)."),
        (("AWA", "Brak wody 💧", body + " 🙁"), None, None, None),  # both fields: checked below
        (("AWA", "Brak wody", "Brak wody\x00 od rana."), Problem("text_control", "body"),
         "Tekst zawiera niedozwolone znaki sterujące.", "The text contains control characters."),
    ]:
        result = send(category, subject, text_)
        if expected is None:
            assert (result.ids, result.problems) == ([], [
                Problem("text_characters", "subject", {"characters": "💧"}),
                Problem("text_characters", "body", {"characters": "🙁"})])
            assert [said(p) for p in result.problems] == [
                ("System wodociągów nie przyjmie tych znaków: 💧. Usuń je lub zastąp innymi.",
                 "The utility's system cannot take these characters: 💧. Remove or replace them."),
                ("System wodociągów nie przyjmie tych znaków: 🙁. Usuń je lub zastąp innymi.",
                 "The utility's system cannot take these characters: 🙁. Remove or replace them.")]
            assert portal.counts() == (0, 0)
            continue
        p = refused(portal, result, (0, 0))
        assert p == expected, (subject, text_)
        assert said(p) == (polish, english)

    token = service.new_token()
    done = send("AWA", "  Brak wody  ", f"\n{body}  \n", token)
    assert (done.ok, done.created, done.ids) == (True, True, [service.submission_id(me, token, "message")])
    assert portal.counts() == (1, 1)
    [row] = rows_of(portal, done.ids)
    assert {k: row[k] for k in ("kind", "customer_id", "category", "subject", "body", "meter_id", "field",
                                "submitted_at", "delivery")} == {
        "kind": "message", "customer_id": me, "category": "AWA", "subject": "Brak wody", "body": body,
        "meter_id": None, "field": None, "submitted_at": PORTAL_NOW, "delivery": "pending"}

    # Sent again with the same token (even edited meanwhile): the first one stands, nothing new.
    again = send("REK", "Inny temat", "Zupełnie inna treść zgłoszenia.", token)
    assert (again.ok, again.created, again.ids) == (True, False, done.ids)
    assert portal.counts() == (1, 1)
    assert rows_of(portal, done.ids)[0]["subject"] == "Brak wody"

    # Another message is another submission.
    other = send("INF", "Pytanie o fakturę", "Czy faktura za październik jest już wystawiona?")
    assert other.created and other.ids != done.ids and portal.counts() == (2, 2)


# ----- data changes -----------------------------------------------------------------------------
def test_data_changes_are_refused_with_the_reason_or_written_once_with_their_outbox_row(portal: Portal) -> None:
    with portal.mirror.store.engine.connect() as conn:
        me, email, phone = conn.execute(
            select(customers.c.id, customers.c.email, customers.c.phone)
            .where(customers.c.email.is_not(None), customers.c.phone.is_not(None), customers.c.e_invoice)
            .order_by(customers.c.id)).first()

    def change(what: str, value: str, ctx: service.Context | None = None) -> service.Submitted:
        return service.request_change(ctx or portal.ctx, me, what, value, token=service.new_token())

    invalid_email = ("To nie jest poprawny adres e-mail (np. jan.kowalski@example.pl, do 80 znaków).",
                     "This is not a valid e-mail address (e.g. jan.kowalski@example.com, up to 80 characters).")
    invalid_phone = ("To nie jest poprawny numer telefonu (co najmniej 9 cyfr, np. +48 600 100 200).",
                     "This is not a valid phone number (at least 9 digits, e.g. +48 600 100 200).")
    digits = re.sub(r"\D", "", phone)
    same_phone = ("+" if phone.startswith("+") else "") + "-".join(digits[i:i + 3] for i in range(0, len(digits), 3))
    for what, value, expected, texts in [
        ("email", "  ", "email_required", ("Podaj adres e-mail.", "Enter an e-mail address.")),
        ("email", "jan.kowalski@", "email_invalid", invalid_email),
        ("email", "łukasz@example.pl", "email_invalid", invalid_email),
        ("email", "a" * 70 + "@example.pl", "email_invalid", invalid_email),
        ("email", f"  {email.upper()} ", "email_unchanged",
         ("To jest już Twój adres e-mail w wodociągach.", "This is already your e-mail address.")),
        ("phone", " ", "phone_required", ("Podaj numer telefonu.", "Enter a phone number.")),
        ("phone", "600 100 20", "phone_invalid", invalid_phone),
        ("phone", "tel. 600 100 200", "phone_invalid", invalid_phone),
        ("phone", same_phone, "phone_unchanged",
         ("To jest już Twój numer telefonu w wodociągach.", "This is already your phone number.")),
    ]:
        p = refused(portal, change(what, value), (0, 0))
        assert p == Problem(expected, what), (what, value)
        assert said(p) == texts
    p = refused(portal, service.set_e_invoice(portal.ctx, me, True, token=service.new_token()), (0, 0))
    assert p == Problem("e_invoice_unchanged", "e_invoice")
    assert said(p) == ("Ta zgoda na e-fakturę jest już zapisana.", "This e-invoice choice is already recorded.")
    with pytest.raises(ValueError, match="unknown field 'address'"):
        change("address", "ul. Żółta 5")
    assert portal.counts() == (0, 0)

    # Each change passes once: asked again while it waits for billing, it is "already yours".
    token = service.new_token()
    new_email = service.request_change(later(portal, 1), me, "email", " Jan.Nowak@example.pl ", token=token)
    assert new_email.ids == [service.submission_id(me, token, "change:EMAIL")] and new_email.created
    assert refused(portal, change("email", "jan.nowak@EXAMPLE.pl", later(portal, 2)), (1, 1)).code == "email_unchanged"
    new_phone = change("phone", "  +48  600 100\t200 ", later(portal, 3))
    assert new_phone.created
    assert refused(portal, change("phone", "+48 600-100-200", later(portal, 4)), (2, 2)).code == "phone_unchanged"
    # The old address is no longer what billing will have: asking for it back is a change again.
    back = change("email", email, later(portal, 5))
    assert back.created and portal.counts() == (3, 3)

    withdrawn = service.set_e_invoice(later(portal, 6), me, False, token=service.new_token())
    assert withdrawn.created and portal.counts() == (4, 4)
    p = refused(portal, service.set_e_invoice(later(portal, 7), me, False, token=service.new_token()), (4, 4))
    assert p == Problem("e_invoice_unchanged", "e_invoice")
    consent = service.set_e_invoice(later(portal, 8), me, True, token=service.new_token())
    assert consent.created and portal.counts() == (5, 5)

    ids = new_email.ids + new_phone.ids + back.ids + withdrawn.ids + consent.ids
    assert [(r["kind"], r["field"], r["value"], r["delivery"]) for r in rows_of(portal, ids)] == [
        ("change", "EMAIL", "Jan.Nowak@example.pl", "pending"), ("change", "TELEFON", "+48 600 100 200", "pending"),
        ("change", "EMAIL", email, "pending"), ("change", "E_FAKTURA", "N", "pending"),
        ("change", "E_FAKTURA", "T", "pending")]


def test_a_change_billing_accepted_long_ago_does_not_stand_for_the_current_value(portal: Portal) -> None:
    with portal.mirror.store.engine.connect() as conn:
        me = conn.execute(select(customers.c.id).where(customers.c.email.is_not(None))
                          .order_by(customers.c.id).limit(1)).scalar_one()
    asked = service.request_change(portal.ctx, me, "email", "jan.nowak@example.pl", token=service.new_token())
    assert asked.created
    interface = InterfaceWriter(portal.mirror.billing.dsn)
    try:
        assert Relay(interface, portal.mirror.store.engine, retry_max_wait_s=0.2).run().sent == 1
    finally:
        interface.close()
    with portal.mirror.office() as office:
        assert process_inbox(office).changes["P"] == 1  # billing accepts it ...
        # ... and later its office records another address the customer gave at the desk.
        office.update("ODBIORCY", {"ID_ODB": me}, {"EMAIL": "biuro@example.pl", "DATA_MOD": office.now()})
        office.commit()
    portal.mirror.sync()
    with portal.mirror.store.engine.connect() as conn:
        assert conn.execute(select(customers.c.email).where(customers.c.id == me)).scalar_one() == "biuro@example.pl"
    [view] = service.submissions_of(portal.ctx, me, ids=asked.ids)
    assert view.status.code == "accepted"

    # The customer's address in billing is biuro@: asking for biuro@ is no change, jan.nowak@ again is one.
    same = service.request_change(later(portal, 1), me, "email", "biuro@example.pl", token=service.new_token())
    assert [p.code for p in same.problems] == ["email_unchanged"]
    back = service.request_change(later(portal, 2), me, "email", "jan.nowak@example.pl", token=service.new_token())
    assert back.created, back.problems
