"""Which notifications to queue, decided from plain data (the pure core of sync.notify)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sync.mail.compose import compose
from sync.notify import events
from sync.notify.plan import Event, Recipient, issued_moment, plan

LINKED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STARTED = {"invoice": datetime(2026, 10, 1, tzinfo=UTC), "reading": datetime(2026, 11, 10, tzinfo=UTC)}


def _login(account_id: int, customer_id: int, linked_at: datetime = LINKED) -> Recipient:
    return Recipient(account_id, customer_id, f"a{account_id}@example.pl", "pl", "Anna", linked_at)


def _invoice(invoice_id: int, customer_id: int, at: datetime | None) -> Event:
    return Event("invoice", f"invoice:{invoice_id}", frozenset({customer_id}), "notify_invoice", {"number": "FV/1"},
                 at=at)


def test_each_login_holding_the_customer_gets_one_message_keyed_by_event_and_login() -> None:
    later = LINKED + timedelta(days=1)
    found = plan([_invoice(7, 1, later), _invoice(7, 1, later)], [_login(10, 1), _login(11, 1), _login(12, 2)],
                 turned_off=set(), started=STARTED)
    assert [(m.event, m.to, m.template) for m in found] == [
        ("invoice:7:10", "a10@example.pl", "notify_invoice"), ("invoice:7:11", "a11@example.pl", "notify_invoice")]
    assert found[0].params == {"name": "Anna", "number": "FV/1"} and found[0].kind == "invoice"


def test_what_happened_before_the_login_was_linked_is_not_news() -> None:
    found = plan([_invoice(1, 1, LINKED - timedelta(days=400)), _invoice(2, 1, LINKED - timedelta(seconds=1)),
                  _invoice(3, 1, LINKED)], [_login(10, 1)], turned_off=set(), started=STARTED)
    assert [m.event for m in found] == ["invoice:3:10"]


def test_what_happened_before_a_kind_was_first_sent_is_history_even_for_an_old_login() -> None:
    old_login = _login(10, 1, linked_at=datetime(2020, 1, 1, tzinfo=UTC))
    reading = Event("reading", "reading:abc:accepted", frozenset({1}), "notify_reading",
                    at=STARTED["reading"] - timedelta(minutes=1))
    fresh = Event("reading", "reading:def:rejected", frozenset({1}), "notify_reading", at=STARTED["reading"])
    found = plan([reading, fresh], [old_login], turned_off=set(), started=STARTED)
    assert [m.event for m in found] == ["reading:def:rejected:10"]


def test_reminders_of_a_state_go_whenever_it_is_seen_however_new_the_login() -> None:
    due = Event("due", "due:5", frozenset({1}), "notify_due")
    found = plan([due], [_login(10, 1, linked_at=datetime(2030, 1, 1, tzinfo=UTC))], turned_off=set(), started={})
    assert [m.event for m in found] == ["due:5:10"]


def test_a_kind_turned_off_is_left_out_for_that_login_only() -> None:
    due = Event("due", "due:5", frozenset({1}), "notify_due")
    found = plan([due, _invoice(5, 1, LINKED)], [_login(10, 1), _login(11, 1)],
                 turned_off={(10, "due")}, started=STARTED)
    assert sorted(m.event for m in found) == ["due:5:11", "invoice:5:10", "invoice:5:11"]


def test_a_login_with_two_customers_in_an_outage_district_hears_of_it_once() -> None:
    rows = [{"id": 3, "district": "R1", "starts_at": LINKED, "ends_at": None, "description": "Awaria"}]
    places = [{"customer_id": c, "id": 10 + c, "street": "Polna", "house_number": "1", "city": "Zgierz",
               "district": "R1"} for c in (1, 2, 3)]
    [outage] = events.outages(rows, places, {"R1": frozenset({"zgierz"})}, "Europe/Warsaw")
    assert outage.customer_ids == {1, 2, 3}
    found = plan([outage], [_login(10, 1), _login(10, 2), _login(11, 3)], turned_off=set(), started={})
    assert [m.event for m in found] == ["outage:3:10", "outage:3:11"]


def test_an_outage_reaches_the_street_it_names_whatever_district_billing_filed_the_point_under() -> None:
    rows = [{"id": 4, "district": "R2", "starts_at": LINKED, "ends_at": None,
             "description": "Brak wody: ul. Łąkowa 1-15 w Zgierzu"},
            {"id": 5, "district": "R9", "starts_at": LINKED, "ends_at": None, "description": "Awaria: ul. Leśna"}]
    towns = {"R1": frozenset({"zgierz"}), "R2": frozenset({"zgierz"}), "R9": frozenset({"stryków"})}
    places = [
        {"customer_id": 1, "id": 11, "street": "ŁĄKOWA", "house_number": "7", "city": "Zgierz", "district": "R1"},
        {"customer_id": 2, "id": 12, "street": "Polna", "house_number": "2", "city": "Zgierz", "district": "R1"},
        {"customer_id": 3, "id": 13, "street": "Łąkowa", "house_number": "3", "city": "Głowno", "district": "R1"},
        {"customer_id": 4, "id": 14, "street": "Leśna", "house_number": "4", "city": "Zgierz", "district": "R1"},
    ]
    found = {e.key: e.customer_ids for e in events.outages(rows, places, towns, "Europe/Warsaw")}
    # 1 lives on the street named, in the town named (billing filed the point under R1): told.
    # 2 is in neither the district nor on the street; 3 is on a street of that name in another town;
    # 4 is on a Leśna in Zgierz, but the R9 outage names no town and R9 serves Stryków only: none told.
    assert found == {"outage:4": {1}}


def test_an_old_invoice_touched_today_is_not_news_but_one_issued_today_is() -> None:
    today = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert issued_moment(date(2026, 11, 22), today, "Europe/Warsaw") == today
    old = issued_moment(date(2025, 3, 1), today, "Europe/Warsaw")
    assert old == datetime(2025, 3, 1, 23, 0, tzinfo=UTC)  # the end of that day in Warsaw


def test_a_legalization_is_one_event_per_meter_and_date_and_says_whether_it_has_ended() -> None:
    row = {"id": 4, "serial_number": "ZEN1", "legalization_valid_until": date(2026, 12, 1), "street": "Polna",
           "house_number": "1", "flat_number": None, "city": "Gdańsk"}
    found = events.legalizations([{**row, "customer_id": 1}, {**row, "customer_id": 2}], date(2026, 11, 22))
    assert [(e.key, e.customer_ids, e.params["expired"], e.params["address"]) for e in found] == [
        ("legalization:4:2026-12-01", {1, 2}, False, "Polna 1, Gdańsk")]
    [ended] = events.legalizations([{**row, "customer_id": 1}], date(2026, 12, 2))
    assert ended.params["expired"]


def test_message_keys_fit_the_outbox_column() -> None:
    reading = events.readings([{"submission_id": "0" * 36, "status": "rejected", "customer_id": 1,
                                "serial_number": "ZEN1", "read_on": date(2026, 11, 20), "state": Decimal("1.5"),
                                "note": None, "modified_at": LINKED}])
    [m] = plan(reading, [_login(2**31 - 1, 1)], turned_off=set(), started={})
    assert len(m.event) < 120


def test_amounts_and_dates_are_written_the_polish_way_in_polish_and_the_english_way_in_english() -> None:
    [event] = events.due([{"id": 9, "number": "FV/2026/11/000009", "customer_id": 1, "due_on": date(2026, 11, 25),
                           "gross": Decimal("1234.50"), "remaining": Decimal("1234.50")}], 3)
    params = {"name": "Anna", **event.params, "page": "https://ebok.test/invoices/9",
              "unsubscribe": "https://ebok.test/unsubscribe/x"}
    polish, english = compose("notify_due", "pl", params), compose("notify_due", "en", params)
    assert "1\xa0234,50\xa0zł" in polish.text and "25.11.2026" in polish.subject
    assert "1,234.50\xa0zł" in english.text and english.subject == "Invoice FV/2026/11/000009 is due on Nov 25, 2026"
    for mail in (polish, english):
        assert "https://ebok.test/unsubscribe/x" in mail.text and 'href="https://ebok.test/unsubscribe/x"' in mail.html


def test_the_daemon_has_a_notify_job_on_its_own_interval() -> None:
    from types import SimpleNamespace

    from sync import schedule

    daemon = SimpleNamespace(intervals={}, reconcile_at=datetime(2026, 1, 1, 2, 30).time(), requests_every_s=2)
    [notify] = [s for s in schedule.jobs(daemon, notify_every_s=45) if s.kind == "notify"]
    assert (notify.id, notify.every_s) == ("notify", 45)
