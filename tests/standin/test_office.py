"""The billing-office simulator and inbox processing keep billing's invariants on every database."""

from __future__ import annotations

import itertools
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.billing import quirks
from adapters.standin import simulator
from adapters.standin.build import build_standin
from adapters.standin.inbox import corrected_estimates, judge_change, judge_reading, process_inbox
from adapters.standin.invariants import violations
from adapters.standin.office import Office
from tests.conftest import AS_OF, BillingDatabase

TODAY = AS_OF + timedelta(days=1)


def ticking_clock(start: datetime) -> Callable[[], datetime]:
    """Billing's clock in tests: one second further at every look."""
    seconds = itertools.count()
    return lambda: start + timedelta(seconds=next(seconds))


@pytest.fixture
def office(billing_db: BillingDatabase) -> Iterator[Office]:
    with billing_db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF)
    office = Office(billing_db.dsn,
                    clock=ticking_clock(datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=10)))
    yield office
    office.close()


def test_simulated_events_keep_every_invariant(office: Office) -> None:
    seen = {name for name, _ in simulator.simulate(office, seed=5, events=80)}
    assert {"book_payment", "correct_reading", "process_inbox"} <= seen
    for event in ("invoicing_run", "reverse_payment", "delete_reading", "replace_meter", "reverify_meter"):
        simulator.EVENTS[event][1](office, random.Random(event))
    assert violations(office) == []


def test_invoicing_run_stamps_one_second_older_than_changes_committed_before_it(office: Office) -> None:
    before = office.one("SELECT MAX(ID_FAKT) FROM FAKTURY")[0]
    outcome = simulator.invoicing_run(office, random.Random(1))
    stamps = {quirks.stamp(r[0]) for r in office.rows("SELECT DATA_MOD FROM FAKTURY WHERE ID_FAKT > ?", before)}
    assert len(stamps) == 1, outcome
    run_stamp = stamps.pop()
    clerk_payment = quirks.stamp(office.one("SELECT MAX(DATA_MOD) FROM WPLATY")[0])
    assert run_stamp < clerk_payment <= run_stamp + timedelta(minutes=15)
    invoices = office.one("SELECT COUNT(*) FROM FAKTURY WHERE ID_FAKT > ?", before)[0]
    lines = office.one("SELECT COUNT(*) FROM POZYCJE_FAKTURY p JOIN FAKTURY f ON f.ID_FAKT = p.ID_FAKT"
                       " WHERE f.ID_FAKT > ?", before)[0]
    assert invoices > 10 and lines >= 2 * invoices
    assert violations(office) == []


def _mounted_meter(office: Office) -> tuple[int, date, Decimal]:
    meter_id = office.one("SELECT MIN(ID_WOD) FROM WODOMIERZE WHERE DATA_DEMONTAZU IS NULL AND RODZAJ = 'G'")[0]
    _, on, state, _, _ = office.meter_readings(meter_id)[-1]
    return meter_id, on, state


def _submit_reading(office: Office, meter_id: int, on: date, state: Decimal) -> str:
    key = str(uuid.uuid4())
    office.insert("IBOK_ODCZYTY", {"KLUCZ": key, "ID_WOD": meter_id, "DATA_ODCZYTU": on, "STAN": state,
                                   "DATA_ZGLOSZENIA": office.now(), "STATUS": "N", "DATA_MOD": office.now()})
    office.commit()
    return key


def _status(office: Office, table: str, key: str, *cols: str) -> tuple:
    row = office.one(f"SELECT {', '.join(cols)} FROM {table} WHERE KLUCZ = ?", key)
    return tuple(quirks.text(v) if isinstance(v, str) else v for v in row)


def test_process_inbox_accepts_and_rejects_readings_by_the_rules(office: Office) -> None:
    meter_id, last_on, last_state = _mounted_meter(office)
    dismounted = office.one("SELECT MIN(ID_WOD) FROM WODOMIERZE WHERE DATA_DEMONTAZU IS NOT NULL")[0]
    good = _submit_reading(office, meter_id, TODAY, last_state + Decimal("4.125"))
    lower = _submit_reading(office, meter_id, TODAY, last_state - Decimal("1.000"))
    earlier = _submit_reading(office, meter_id, last_on - timedelta(days=3), last_state + Decimal("1.000"))
    gone = _submit_reading(office, dismounted, TODAY, Decimal("99999.000"))
    report = process_inbox(office)
    assert report.readings == {"P": 1, "O": 3}
    status, note, reading_id = _status(office, "IBOK_ODCZYTY", good, "STATUS", "UWAGI", "ID_ODCZ")
    assert status == "P"
    row = office.one("SELECT ID_WOD, STAN, ZUZYCIE, ZRODLO FROM ODCZYTY WHERE ID_ODCZ = ?", reading_id)
    assert (row[0], quirks.decimal(row[1], 3), quirks.decimal(row[2], 3), quirks.text(row[3])) == (
        meter_id, last_state + Decimal("4.125"), Decimal("4.125"), "K")
    assert "niższy" in _status(office, "IBOK_ODCZYTY", lower, "UWAGI")[0]
    assert "wcześniejsza" in _status(office, "IBOK_ODCZYTY", earlier, "UWAGI")[0]
    assert "zdemontowany" in _status(office, "IBOK_ODCZYTY", gone, "UWAGI")[0]
    assert violations(office) == []


def test_accepted_data_change_is_applied_to_the_customer(office: Office) -> None:
    customer_id, before = office.one("SELECT ID_ODB, DATA_MOD FROM ODBIORCY WHERE ID_ODB = 1")
    keys = {}
    for field, value in (("EMAIL", "lucja.nowa@example.pl"), ("TELEFON", "to nie numer")):
        keys[field] = str(uuid.uuid4())
        office.insert("IBOK_ZMIANY", {"KLUCZ": keys[field], "ID_ODB": customer_id, "POLE": field, "WARTOSC": value,
                                      "DATA_ZGLOSZENIA": office.now(), "STATUS": "N", "DATA_MOD": office.now()})
    office.commit()
    assert process_inbox(office).changes == {"P": 1, "O": 1}
    email, after = office.one("SELECT EMAIL, DATA_MOD FROM ODBIORCY WHERE ID_ODB = ?", customer_id)
    assert quirks.text(email) == "lucja.nowa@example.pl"
    assert quirks.stamp(after) > quirks.stamp(before)
    assert _status(office, "IBOK_ZMIANY", keys["TELEFON"], "STATUS", "UWAGI") == ("O", "Niepoprawny numer telefonu.")


def test_a_message_gets_a_case_number_and_moves_through_stages(office: Office) -> None:
    key = str(uuid.uuid4())
    office.insert("IBOK_ZGLOSZENIA", {"KLUCZ": key, "ID_ODB": 1, "KATEGORIA": "REK", "TEMAT": "Zawyżony odczyt",
                                      "TRESC": "Proszę o sprawdzenie odczytu z października.",
                                      "DATA_ZGLOSZENIA": office.now(), "STATUS": "N", "DATA_MOD": office.now()})
    office.commit()
    statuses = []
    for _ in range(4):
        process_inbox(office)
        statuses.append(_status(office, "IBOK_ZGLOSZENIA", key, "STATUS")[0])
    assert statuses == ["R", "W", "Z", "Z"]
    case, answer = _status(office, "IBOK_ZGLOSZENIA", key, "NR_SPRAWY", "ODPOWIEDZ")
    assert case.startswith(f"EBOK/{TODAY.year}/") and answer
    stages = office.rows("SELECT ID_HIST, ETAP FROM SPRAWY_HISTORIA WHERE NR_SPRAWY = ? ORDER BY ID_HIST", case)
    assert [quirks.text(s[1]) for s in stages][0] == "Zarejestrowano zgłoszenie"
    assert len(stages) == 4
    assert violations(office) == []


HISTORY = [(1, date(2026, 1, 31), Decimal("100.000"), Decimal("0"), "I"),
           (2, date(2026, 9, 30), Decimal("340.000"), Decimal("240.000"), "I")]


@pytest.mark.parametrize(("on", "state", "verdict", "words"), [
    (date(2026, 11, 20), Decimal("350.000"), "P", None),
    (date(2026, 11, 20), Decimal("339.999"), "O", "niższy"),
    (date(2026, 9, 29), Decimal("345.000"), "O", "wcześniejsza"),
    (date(2026, 11, 23), Decimal("345.000"), "O", "przyszłą"),
    (date(2026, 11, 20), Decimal("900.000"), "P", "kontrolny"),
    (date(2026, 11, 20), Decimal("340.000"), "P", "kontrolny"),
])
def test_judge_reading_follows_the_vendor_rules(on: date, state: Decimal, verdict: str, words: str | None) -> None:
    got, note = judge_reading(on, state, date(2026, 11, 21), None, HISTORY)
    assert got == verdict
    assert (note is None) if words is None else (words in note)


ESTIMATED = [*HISTORY, (3, date(2026, 10, 31), Decimal("400.000"), Decimal("60.000"), "S")]


@pytest.mark.parametrize(("state", "verdict", "words"), [
    (Decimal("350.000"), "P", "szacunek zostanie skorygowany"),  # a real reading below the estimate
    (Decimal("339.999"), "O", "niższy niż ostatni odczyt 340,000"),  # below the last actual reading
    (Decimal("420.000"), "P", None),
])
def test_judge_reading_takes_a_real_reading_below_an_estimate(state: Decimal, verdict: str, words: str | None) -> None:
    got, note = judge_reading(date(2026, 11, 20), state, date(2026, 11, 21), None, ESTIMATED)
    assert got == verdict
    assert (note is None) if words is None else (words in note)


def test_the_estimates_a_real_reading_shows_too_high_are_corrected_on_a_line_from_the_last_actual_one() -> None:
    history = [*HISTORY, (3, date(2026, 10, 15), Decimal("380.000"), Decimal("40"), "S"),
               (4, date(2026, 10, 31), Decimal("420.000"), Decimal("40"), "S")]
    # 30.09 at 340 (actual) to 20.11 at 391 (real): one m³ a day.
    assert corrected_estimates(date(2026, 11, 20), Decimal("391.000"), history) == {
        3: Decimal("355.000"), 4: Decimal("371.000")}
    assert corrected_estimates(date(2026, 11, 20), Decimal("420.000"), history) == {}  # not too high
    only_estimates = [(5, date(2026, 1, 1), Decimal("50.000"), Decimal("0"), "S")]
    assert corrected_estimates(date(2026, 11, 20), Decimal("10.000"), only_estimates) == {5: Decimal("10.000")}


def test_judge_reading_rejects_a_dismounted_meter() -> None:
    assert judge_reading(date(2026, 11, 20), Decimal("400"), date(2026, 11, 21), date(2026, 10, 1), HISTORY)[0] == "O"


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("EMAIL", "jan@poczta.pl", True), ("EMAIL", "jan(at)poczta", False), ("TELEFON", "+48 601 234 567", True),
    ("TELEFON", "12", False), ("E_FAKTURA", "T", True), ("E_FAKTURA", "tak", False), ("NAZWA", "X", False),
])
def test_judge_change_validates_each_field(field: str, value: str, ok: bool) -> None:
    assert (judge_change(field, value) is None) is ok


@pytest.mark.parametrize("dialect", ["mariadb", "postgresql"])
def test_two_inbox_passes_at_once_book_each_submission_once(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    with db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF)
    clock = ticking_clock(datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=10))
    with Office(db.dsn, clock=clock) as first, first.second_session() as second:
        meters = [r[0] for r in first.rows("SELECT ID_WOD FROM WODOMIERZE WHERE DATA_DEMONTAZU IS NULL"
                                           " ORDER BY ID_WOD")][:20]
        keys = []
        for step in range(1, 4):
            for meter_id in meters:
                last = first.meter_readings(meter_id)[-1][2]
                keys.append(_submit_reading(first, meter_id, TODAY, last + Decimal(step)))
        for n in range(10):
            first.insert("IBOK_ZMIANY", {"KLUCZ": str(uuid.uuid4()), "ID_ODB": 1, "POLE": "TELEFON",
                                         "WARTOSC": f"+48 600 700 8{n:02d}", "DATA_ZGLOSZENIA": first.now(),
                                         "STATUS": "N", "DATA_MOD": first.now()})
        first.commit()
        reports = []
        threads = [threading.Thread(target=lambda o=o: reports.append(process_inbox(o))) for o in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(reports) == 2
        booked = sum(sum(r.readings.values()) for r in reports)
        assert booked == len(keys)  # each submission judged by exactly one of the passes
        assert sum(sum(r.changes.values()) for r in reports) == 10
        accepted = first.one("SELECT COUNT(*) FROM IBOK_ODCZYTY WHERE STATUS = 'P'")[0]
        added = first.one("SELECT COUNT(*), COUNT(DISTINCT ID_ODCZ) FROM ODCZYTY WHERE ZRODLO = 'K' AND ID_ODCZ IN"
                          " (SELECT ID_ODCZ FROM IBOK_ODCZYTY)")
        assert added[0] == added[1] == accepted
        assert first.one("SELECT COUNT(*) FROM IBOK_ODCZYTY WHERE STATUS = 'N'")[0] == 0
