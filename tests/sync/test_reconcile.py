"""Reconciliation repairs what billing's own scripts do behind the change stamps, class by class.

Each test changes billing the way a vendor's repair script or a DBA would (plain SQL, the stamp
kept, set back or set ahead, no stamp at all), then runs what the daemon runs every night: an
incremental run and a reconciliation. Afterwards verify is clean by checksums and by rows, the
store's facts are billing's, and the customers concerned see billing's values on their pages.
Every class runs on SQLite, MariaDB and PostgreSQL billing and on SQLite and PostgreSQL stores.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.billing import quirks
from adapters.store.tables import contracts, customers, invoices, meters, payments, readings, sync_anomalies
from portal.app import create_app
from sync.engine import RunResult
from sync.gate import BillingGate
from sync.health import Metrics
from sync.streams import STREAMS
from sync.verify import verify
from tests.conftest import log_lines
from tests.portal.conftest import Site, portal_settings
from tests.portal.staff import operator_client
from tests.portal.test_billing_pages import all_pages, customer_client, ledger_balances, page
from tests.sync.conftest import Mirror
from tests.sync.test_cli import run as ibok

TRIPLES = [(b, s) for b in ("sqlite", "mariadb", "postgresql") for s in ("sqlite", "postgresql")]
UNKNOWN = 99_999_901  # a key billing's parent tables do not hold
_logins = itertools.count(1)


@pytest.fixture(params=TRIPLES, ids=lambda p: f"{p[0]}-to-{p[1]}")
def synced(request: pytest.FixtureRequest, make_mirror) -> Mirror:
    mirror = make_mirror(*request.param)
    mirror.sync()
    return mirror


# ----- helpers -----------------------------------------------------------------------------------------
def settle(mirror: Mirror) -> dict[str, RunResult]:
    """The nightly routine: an incremental run, then a reconciliation; then both verifications clean."""
    mirror.sync()
    results = mirror.sync("reconcile")
    assert all(r.outcome == "ok" for r in results.values()), results
    for rows_only in (False, True):
        report = verify(mirror.source, mirror.store, list(STREAMS), rows_only=rows_only)
        assert report.clean, (rows_only, [str(d) for d in report.differences])
    again = mirror.sync("reconcile")  # a second reconciliation finds nothing left to repair
    assert sum(r.tally.differences for r in again.values()) == 0
    return results


def differences(mirror: Mirror) -> set[tuple[str, int, str]]:
    """What verify finds, by checksums and by rows (which must agree)."""
    found = [{(d.stream, d.key, d.kind) for d in verify(mirror.source, mirror.store, list(STREAMS), limit=1000,
                                                        rows_only=rows_only).differences}
             for rows_only in (False, True)]
    assert found[0] == found[1]
    return found[0]


def stored(mirror: Mirror, column, key_column, key: int):
    with mirror.store.engine.connect() as conn:
        return conn.execute(select(column).where(key_column == key)).scalar_one_or_none()


def one(mirror: Mirror, sql: str, *params: object) -> tuple:
    return mirror.billing_sql(sql, *params)[0]


def billing_balance(mirror: Mirror, customer: int) -> Decimal:
    """Billing's formula: invoices not cancelled less payments, over billing's own rows."""
    invoiced = mirror.billing_sql("SELECT BRUTTO, ANULOWANA FROM FAKTURY WHERE ID_ODB = ?", customer)
    paid = mirror.billing_sql("SELECT KWOTA FROM WPLATY WHERE ID_ODB = ?", customer)
    return (sum((quirks.decimal(g, 2) for g, cancelled in invoiced if not quirks.flag(cancelled)), Decimal(0))
            - sum((quirks.decimal(a, 2) for (a,) in paid), Decimal(0)))


def change(mirror: Mirror, table: str, key: dict[str, object], values: dict[str, object]) -> None:
    """One UPDATE as a script runs it: only the columns named (DATA_MOD too, or not at all)."""
    with mirror.office() as office:
        assert office.update(table, key, values) == 1
        office.commit()


def stamp_of(mirror: Mirror, table: str, key_column: str, key: int) -> datetime:
    value = quirks.stamp(one(mirror, f"SELECT DATA_MOD FROM {table} WHERE {key_column} = ?", key)[0])
    assert value is not None
    return value


class Pages:
    """The customer portal on the mirror: logins for customers, pages in English."""

    def __init__(self, mirror: Mirror, tmp_path: Path) -> None:
        settings = portal_settings(mirror, tmp_path, IBOK_PORTAL_DEVELOPMENT="true")
        self.site = Site(create_app(settings), mirror, settings)

    def client(self, customer: int) -> FlaskClient:
        return customer_client(self.site, f"klient{next(_logins)}@example.pl", customer)

    def of(self, customer: int, *paths: str) -> dict[str, str]:
        client = self.client(customer)
        return {path: html.unescape(page(client, path)) for path in paths}

    def every_page(self, customer: int, path: str) -> str:
        """The list at ``path`` with all its further pages, one text."""
        return html.unescape("".join(all_pages(self.client(customer), path)))

    def status(self, customer: int, path: str) -> int:
        return self.client(customer).get(path).status_code


Portal = Callable[[Mirror], Pages]


@pytest.fixture
def pages_on(tmp_path: Path) -> Iterator[Portal]:
    """The customer portal on a mirror, its store connections closed at the end."""
    opened: list[Pages] = []

    def make(mirror: Mirror) -> Pages:
        opened.append(Pages(mirror, tmp_path))
        return opened[-1]

    yield make
    for pages in opened:
        pages.site.app.extensions["ibok"].engine.dispose()


def money(value: Decimal) -> str:
    return f"{value:,.2f}\xa0zł"


# ----- in place, with the old stamp ------------------------------------------------------------------------
def test_an_amount_a_flag_and_an_email_changed_in_place_with_the_old_stamp_are_repaired(
        synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    payment, customer = (int(v) for v in one(mirror, "SELECT MIN(ID_WPL), MIN(ID_ODB) FROM WPLATY "
                                                     "WHERE ID_ODB = (SELECT MIN(ID_ODB) FROM WPLATY)"))
    invoice = int(one(mirror, "SELECT MAX(ID_FAKT) FROM FAKTURY WHERE ID_ODB = ? AND ANULOWANA = 'N'", customer)[0])
    e_invoice = quirks.flag(one(mirror, "SELECT E_FAKTURA FROM ODBIORCY WHERE ID_ODB = ?", customer)[0])
    change(mirror, "WPLATY", {"ID_WPL": payment}, {"KWOTA": Decimal("4321.09")})
    change(mirror, "FAKTURY", {"ID_FAKT": invoice}, {"ANULOWANA": "T"})
    change(mirror, "ODBIORCY", {"ID_ODB": customer},
           {"EMAIL": "poprawiony.przez.skrypt@example.pl", "E_FAKTURA": "N" if e_invoice else "T"})
    mirror.sync()
    found = differences(mirror)  # the incremental run cannot see them: no stamp moved
    assert {("payments", payment, "different"), ("invoices", invoice, "different"),
            ("customers", customer, "different")} == {d for d in found if d[0] != "balances"}
    results = settle(mirror)
    assert (results["payments"].tally.changed, results["invoices"].tally.changed,
            results["customers"].tally.changed) == (1, 1, 1)
    assert stored(mirror, payments.c.amount, payments.c.id, payment) == Decimal("4321.09")
    assert stored(mirror, invoices.c.cancelled, invoices.c.id, invoice) is True
    assert stored(mirror, customers.c.email, customers.c.id, customer) == "poprawiony.przez.skrypt@example.pl"
    assert stored(mirror, customers.c.e_invoice, customers.c.id, customer) is (not e_invoice)
    portal = pages_on(mirror)
    shown = portal.of(customer, "/contracts", "/settlements?year=0", f"/invoices/{invoice}")
    assert "poprawiony.przez.skrypt@example.pl" in shown["/contracts"]
    assert f"<dd>{'yes' if not e_invoice else 'no'}</dd>" in shown["/contracts"]
    assert money(Decimal("4321.09")) in portal.every_page(customer, "/settlements?year=0")  # newest first, paged
    assert ledger_balances(shown["/settlements?year=0"])[0] == billing_balance(mirror, customer)
    assert "Cancelled" in shown[f"/invoices/{invoice}"]


def test_a_change_with_its_stamp_set_back_a_week_is_repaired(synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    invoice, customer = (int(v) for v in one(mirror, "SELECT MAX(ID_FAKT), MIN(ID_ODB) FROM FAKTURY WHERE "
                                                     "ANULOWANA = 'N' AND ID_ODB = (SELECT MIN(ID_ODB) FROM FAKTURY)"))
    week_back = stamp_of(mirror, "FAKTURY", "ID_FAKT", invoice) - timedelta(days=7)
    change(mirror, "FAKTURY", {"ID_FAKT": invoice},
           {"NETTO": Decimal("1000.00"), "VAT": Decimal("80.00"), "BRUTTO": Decimal("1080.00"), "DATA_MOD": week_back})
    mirror.sync()
    assert ("invoices", invoice, "different") in differences(mirror)
    results = settle(mirror)
    assert results["invoices"].tally.changed == 1
    assert stored(mirror, invoices.c.gross, invoices.c.id, invoice) == Decimal("1080.00")
    shown = pages_on(mirror).of(customer, f"/invoices/{invoice}", "/settlements?year=0")
    assert money(Decimal("1080.00")) in shown[f"/invoices/{invoice}"]
    assert ledger_balances(shown["/settlements?year=0"])[0] == billing_balance(mirror, customer)


# ----- re-parenting ------------------------------------------------------------------------------------------
def _holdings(mirror: Mirror) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Active contracts: point -> customers, customer -> points."""
    by_point: dict[int, set[int]] = {}
    by_customer: dict[int, set[int]] = {}
    for customer, point, status in mirror.billing_sql("SELECT ID_ODB, ID_PKT, STATUS FROM UMOWY"):
        by_point.setdefault(int(point), set()).add(int(customer))
        if quirks.text(status) == "A":
            by_customer.setdefault(int(customer), set()).add(int(point))
    return by_point, by_customer


def test_a_meter_moved_to_another_point_takes_its_readings_and_consumption_to_the_new_customer(
        synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    by_point, by_customer = _holdings(mirror)
    mounted = [(int(m), int(p), quirks.text(s)) for m, p, s, off in
               mirror.billing_sql("SELECT ID_WOD, ID_PKT, NR_FABRYCZNY, DATA_DEMONTAZU FROM WODOMIERZE ORDER BY ID_WOD")
               if quirks.day(off) is None]
    # A meter at a point only its customer (A) ever held, to a point only another customer (B) ever held.
    single = {p: next(iter(c)) for p, c in by_point.items() if len(c) == 1}
    meter, old_point, serial = next((m, p, s) for m, p, s in mounted if p in single and p in by_customer[single[p]])
    a = single[old_point]
    new_point = next(p for p, c in sorted(single.items()) if c != a and p != old_point and p in by_customer[c])
    b = single[new_point]
    with mirror.office() as office:  # a fresh reading, so that the meter is each customer's latest
        last = office.meter_readings(meter)[-1]
        fresh = office.add_reading(meter, last[1] + timedelta(days=1), last[2] + Decimal("7.250"), last[2], "I",
                                   office.now())
        office.commit()
    mirror.sync()
    pages = pages_on(mirror)
    paths = ("/", "/meters", f"/meters/{meter}/readings", "/analysis", f"/analysis?scope={meter}")
    before = pages.of(a, *paths)
    assert all(serial in body for body in before.values()), [p for p, body in before.items() if serial not in body]

    change(mirror, "WODOMIERZE", {"ID_WOD": meter}, {"ID_PKT": new_point})  # no stamp: meters have none
    settle(mirror)  # the incremental run sees it when a reading it re-reads names the new point; else reconcile
    assert stored(mirror, meters.c.point_id, meters.c.id, meter) == new_point
    with mirror.store.engine.connect() as conn:
        points = set(conn.execute(select(readings.c.point_id).where(readings.c.meter_id == meter)).scalars())
    assert points == {new_point}
    # The previous customer: no page shows the meter, its readings or its consumption any more.
    for path in ("/", "/meters", "/analysis"):
        assert serial not in pages.of(a, path)[path], path
    assert pages.status(a, f"/meters/{meter}/readings") == 404
    assert pages.status(a, f"/analysis?scope={meter}") == 404
    # The new customer: every page does, the fresh reading on the dashboard first.
    after = pages.of(b, *paths)
    assert all(serial in body for body in after.values()), [p for p, body in after.items() if serial not in body]
    assert stored(mirror, readings.c.point_id, readings.c.id, fresh) == new_point


def test_a_service_point_sold_to_another_customer_moves_with_its_meters(synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    by_point, by_customer = _holdings(mirror)
    single = {p: next(iter(c)) for p, c in by_point.items() if len(c) == 1}
    point = next(p for p, c in sorted(single.items()) if p in by_customer[c] and len(by_customer[c]) == 1)
    seller = single[point]
    buyer = next(c for c in sorted(by_customer) if c != seller)
    contract, number = one(mirror, "SELECT ID_UMOWY, NR_UMOWY FROM UMOWY WHERE ID_PKT = ?", point)
    contract, number = int(contract), quirks.text(number)
    serials = [quirks.text(s) for (s,) in mirror.billing_sql("SELECT NR_FABRYCZNY FROM WODOMIERZE WHERE ID_PKT = ?",
                                                             point)]
    assert serials
    change(mirror, "UMOWY", {"ID_UMOWY": contract}, {"ID_ODB": buyer})  # the stamp kept, as a script does
    mirror.sync()
    assert ("contracts", contract, "different") in differences(mirror)
    results = settle(mirror)
    assert results["contracts"].tally.changed == 1
    assert stored(mirror, contracts.c.customer_id, contracts.c.id, contract) == buyer
    pages = pages_on(mirror)
    old = pages.of(seller, "/contracts", "/meters", "/")
    new = pages.of(buyer, "/contracts", "/meters")
    assert number not in old["/contracts"] and number in new["/contracts"]
    assert not any(s in old["/meters"] or s in old["/"] for s in serials)
    assert all(s in new["/meters"] for s in serials)


# ----- deletes ------------------------------------------------------------------------------------------------
def test_hard_deletes_of_a_payment_a_reading_and_an_invoice_are_repaired(synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    payment, customer = (int(v) for v in one(mirror, "SELECT MAX(ID_WPL), MAX(ID_ODB) FROM WPLATY "
                                                     "WHERE ID_ODB = (SELECT MAX(ID_ODB) FROM WPLATY)"))
    invoice = int(one(mirror, "SELECT MIN(ID_FAKT) FROM FAKTURY WHERE ID_ODB = ? AND ANULOWANA = 'N'", customer)[0])
    reading, meter = (int(v) for v in one(mirror, "SELECT MAX(ID_ODCZ), MAX(ID_WOD) FROM ODCZYTY "
                                                  "WHERE ID_WOD = (SELECT MIN(ID_WOD) FROM ODCZYTY)"))
    for sql, key in (("DELETE FROM WPLATY WHERE ID_WPL = ?", payment),
                     ("DELETE FROM ROZRACHUNKI WHERE ID_FAKT = ?", invoice),
                     ("DELETE FROM POZYCJE_FAKTURY WHERE ID_FAKT = ?", invoice),
                     ("DELETE FROM FAKTURY WHERE ID_FAKT = ?", invoice),
                     ("DELETE FROM ODCZYTY WHERE ID_ODCZ = ?", reading)):
        mirror.billing_sql(sql, key)
    mirror.sync()
    assert {("payments", payment, "extra"), ("invoices", invoice, "extra"), ("readings", reading, "extra")} <= \
        differences(mirror)
    results = settle(mirror)
    assert (results["payments"].tally.extra, results["invoices"].tally.extra, results["readings"].tally.extra) == \
        (1, 1, 1)
    assert stored(mirror, payments.c.id, payments.c.id, payment) is None
    assert stored(mirror, invoices.c.id, invoices.c.id, invoice) is None
    assert stored(mirror, readings.c.id, readings.c.id, reading) is None
    pages = pages_on(mirror)
    shown = pages.of(customer, "/settlements?year=0")
    assert ledger_balances(shown["/settlements?year=0"])[0] == billing_balance(mirror, customer)
    assert pages.status(customer, f"/invoices/{invoice}") == 404


# ----- orphans -------------------------------------------------------------------------------------------------
def test_readings_of_a_meter_billing_does_not_hold_are_mirrored_counted_and_reported(
        synced: Mirror, tmp_path: Path, pages_on: Portal, json_log: io.StringIO) -> None:
    mirror = synced
    invoice, former = (int(v) for v in one(mirror, "SELECT MAX(ID_FAKT), MIN(ID_ODB) FROM FAKTURY "
                                                   "WHERE ID_ODB = (SELECT MIN(ID_ODB) FROM FAKTURY)"))
    with mirror.office() as office:
        first = office.add_reading(UNKNOWN, office.today(), Decimal("12.500"), None, "I", office.now())
        second = office.add_reading(UNKNOWN, office.today(), Decimal("13.000"), Decimal("12.500"), "K", office.now())
        office.commit()
    change(mirror, "FAKTURY", {"ID_FAKT": invoice}, {"ID_ODB": UNKNOWN})  # an import gone wrong, the stamp kept
    mirror.sync()
    warned = [e for e in log_lines(json_log) if e["event"] == "sync_orphans_found"]
    assert warned and any(f"readings {first}: no meters {UNKNOWN}" in row for e in warned for row in e["rows"])
    results = settle(mirror)
    assert results["readings"].orphans == 2 and results["invoices"].orphans == 1
    assert stored(mirror, readings.c.point_id, readings.c.id, first) is None  # attached to no customer
    assert stored(mirror, readings.c.meter_id, readings.c.id, second) == UNKNOWN
    assert stored(mirror, invoices.c.customer_id, invoices.c.id, invoice) == UNKNOWN
    report = verify(mirror.source, mirror.store, list(STREAMS))
    assert report.orphans["readings"] == 2 and report.orphans["invoices"] == 1
    billing_readings = int(one(mirror, "SELECT COUNT(*) FROM ODCZYTY")[0])
    assert report.counts["readings"] == (billing_readings, billing_readings)  # counted on billing's own table
    with mirror.store.engine.connect() as conn:
        listed = set(conn.execute(select(sync_anomalies.c.stream, sync_anomalies.c.row_key)
                                  .where(sync_anomalies.c.kind == "orphan")).all())
    assert {("readings", first), ("readings", second), ("invoices", invoice)} <= listed
    status = ibok(mirror.env(tmp_path), "sync", "status")
    assert status.returncode == 0, status.stderr
    assert re.search(rf"orphans: 2 row\(s\) whose parent billing does not have \(keys {first}, {second}\)",
                     status.stdout), status.stdout
    pages = pages_on(mirror)
    assert pages.status(former, f"/invoices/{invoice}") == 404
    admin, _ = operator_client(pages.site)
    health = html.unescape(admin.get("/admin/sync").get_data(as_text=True))
    assert "2 rows whose parent billing does not have" in health
    assert f"{first} → meters {UNKNOWN}, {second} → meters {UNKNOWN}" in health
    assert f"{invoice} → customers {UNKNOWN}" in health
    gauges = {tuple(sample.labels.values()): sample.value for family in
              Metrics(mirror.store, {s.name: 3600 for s in STREAMS}, BillingGate()).collect()
              if family.name == "ibok_sync_anomalies" for sample in family.samples}
    assert gauges[("readings", "orphan")] == 2 and gauges[("invoices", "orphan")] == 1
    # The parent arrives (billing's meter table is corrected): the readings are no orphans any more.
    point = int(one(mirror, "SELECT MIN(ID_PKT) FROM PUNKTY")[0])
    mirror.billing_sql("INSERT INTO WODOMIERZE (ID_WOD, NR_FABRYCZNY, ID_PKT, RODZAJ, SREDNICA, DATA_MONTAZU, "
                       "LEGALIZACJA_DO) SELECT ?, 'ZNALEZIONY-1', ?, RODZAJ, SREDNICA, DATA_MONTAZU, LEGALIZACJA_DO "
                       "FROM WODOMIERZE WHERE ID_WOD = (SELECT MIN(ID_WOD) FROM WODOMIERZE)", UNKNOWN, point)
    results = settle(mirror)
    assert results["readings"].orphans == 0
    assert stored(mirror, readings.c.point_id, readings.c.id, first) == point


# ----- clocks --------------------------------------------------------------------------------------------------
def test_a_stamp_two_days_ahead_of_billings_clock_is_mirrored_without_moving_the_checkpoint_past_now(
        synced: Mirror, tmp_path: Path, pages_on: Portal, json_log: io.StringIO) -> None:
    mirror = synced
    payment, customer = (int(v) for v in one(mirror, "SELECT MAX(ID_WPL), MAX(ID_ODB) FROM WPLATY "
                                                     "WHERE ID_ODB = (SELECT MIN(ID_ODB) FROM WPLATY)"))
    billing_now = mirror.source.now_local()
    change(mirror, "WPLATY", {"ID_WPL": payment}, {"KWOTA": Decimal("2222.22"),
                                                   "DATA_MOD": billing_now + timedelta(days=2)})
    result = mirror.sync("incremental", "payments")["payments"]
    assert result.ahead == 1 and stored(mirror, payments.c.amount, payments.c.id, payment) == Decimal("2222.22")
    assert any(e["event"] == "sync_stamps_ahead" and e["rows"][0].startswith(f"{payment} ")
               for e in log_lines(json_log))
    checkpoint = datetime.fromisoformat(mirror.store.load_state("payments")["cursor"])
    assert checkpoint <= mirror.source.now_local() + timedelta(minutes=5)
    # A change billing makes now, before the stamp ahead, is still found by the next incremental run.
    later = int(one(mirror, "SELECT MIN(ID_WPL) FROM WPLATY WHERE ID_WPL <> ?", payment)[0])
    change(mirror, "WPLATY", {"ID_WPL": later}, {"KWOTA": Decimal("1111.11"), "DATA_MOD": mirror.source.now_local()})
    assert mirror.sync("incremental", "payments")["payments"].rows_written == 1
    assert stored(mirror, payments.c.amount, payments.c.id, later) == Decimal("1111.11")
    status = ibok(mirror.env(tmp_path), "sync", "status", "--json")
    row = next(r for r in json.loads(status.stdout)["streams"] if r["stream"] == "payments")
    assert row["ahead"] == 1 and row["ahead_keys"] == [payment]
    assert row["lag_s"] == 0.0  # the row stamped ahead is mirrored; nothing waits
    settle(mirror)
    shown = pages_on(mirror).of(customer, "/settlements?year=0")
    assert money(Decimal("2222.22")) in shown["/settlements?year=0"]


def test_changes_stamped_in_the_repeated_autumn_hour_are_repaired(synced: Mirror, pages_on: Portal) -> None:
    mirror = synced
    invoice, customer = (int(v) for v in one(mirror, "SELECT MIN(ID_FAKT), MIN(ID_ODB) FROM FAKTURY "
                                                     "WHERE ID_ODB = (SELECT MAX(ID_ODB) FROM FAKTURY)"))
    first_pass = datetime(2026, 10, 25, 2, 40)  # 02:40 twice that night: summer time, then winter time
    change(mirror, "FAKTURY", {"ID_FAKT": invoice}, {"BRUTTO": Decimal("987.65"), "NETTO": Decimal("914.49"),
                                                     "VAT": Decimal("73.16"), "DATA_MOD": first_pass})
    with mirror.office() as office:
        payment = office.next_ids("ID_WPL")
        office.insert("WPLATY", {"ID_WPL": payment, "ID_ODB": customer, "DATA_WPLATY": first_pass.date(),
                                 "KWOTA": Decimal("55.55"), "FORMA": "P", "TYTUL": "Wpłata w nocy zmiany czasu",
                                 "DATA_MOD": first_pass.replace(minute=20)})
        office.commit()
    mirror.sync()
    results = settle(mirror)
    assert results["invoices"].tally.changed == 1 and results["payments"].tally.missing == 1
    assert stored(mirror, invoices.c.gross, invoices.c.id, invoice) == Decimal("987.65")
    assert stored(mirror, payments.c.amount, payments.c.id, payment) == Decimal("55.55")
    shown = pages_on(mirror).of(customer, f"/invoices/{invoice}", "/settlements?year=0")
    assert money(Decimal("987.65")) in shown[f"/invoices/{invoice}"]
    assert ledger_balances(shown["/settlements?year=0"])[0] == billing_balance(mirror, customer)
