"""The billing office keeps working on a busy SQLite database: a unit of work that finds billing locked
waits (the driver's busy timeout), is rolled back and tried again, and is done once, when the lock goes."""

from __future__ import annotations

import random
import subprocess  # nosec B404  # the test's own second process, holding billing's write lock
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from adapters.billing import quirks
from adapters.billing.odbc import with_busy_timeout
from adapters.standin import simulator
from adapters.standin.build import build_standin
from adapters.standin.inbox import process_inbox
from adapters.standin.invariants import violations
from adapters.standin.office import BUSY_TIMEOUT_MS, Office
from tests.conftest import AS_OF, BillingDatabase, log_lines
from tests.standin.test_office import TODAY, ticking_clock

# A second process (the relay, a script, billing's own application) takes SQLite's write lock and holds
# it for a while: far longer than the office's busy timeout below.
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE SEKWENCJE SET WARTOSC = WARTOSC WHERE NAZWA = 'nothing'")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _sqlite_billing(make_billing_db, busy_timeout_ms: int) -> tuple[BillingDatabase, str]:
    db = make_billing_db("sqlite")
    with db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF)
    return db, db.dsn.replace("Timeout=10000", f"Timeout={busy_timeout_ms}")


@contextmanager
def _write_lock_held(path: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holding billing's write lock for ``seconds`` from now (waited for on leaving)."""
    with subprocess.Popen([sys.executable, "-c", HOLDER, path, str(seconds)],  # nosec B603  # fixed argv
                          stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
        assert holder.wait(10) == 0


def _office(dsn: str) -> Office:
    return Office(dsn, clock=ticking_clock(datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=10)))


def test_an_inbox_pass_waits_out_a_write_lock_held_past_the_timeout_and_books_each_row_once(
        make_billing_db, json_log) -> None:
    db, dsn = _sqlite_billing(make_billing_db, busy_timeout_ms=200)
    with _office(dsn) as office:
        meter_id = office.one("SELECT MIN(ID_WOD) FROM WODOMIERZE WHERE DATA_DEMONTAZU IS NULL AND RODZAJ = 'G'")[0]
        last = office.meter_readings(meter_id)[-1][2]
        reading_key, message_key = str(uuid.uuid4()), str(uuid.uuid4())
        office.insert("IBOK_ODCZYTY", {"KLUCZ": reading_key, "ID_WOD": meter_id, "DATA_ODCZYTU": TODAY,
                                       "STAN": last + Decimal("3.5"), "DATA_ZGLOSZENIA": office.now(),
                                       "STATUS": "N", "DATA_MOD": office.now()})
        office.insert("IBOK_ZGLOSZENIA", {"KLUCZ": message_key, "ID_ODB": 1, "KATEGORIA": "INF", "TEMAT": "Pytanie",
                                          "TRESC": "Kiedy kolejny odczyt?", "DATA_ZGLOSZENIA": office.now(),
                                          "STATUS": "N", "DATA_MOD": office.now()})
        office.commit()
        readings_before = office.first("SELECT COUNT(*) FROM ODCZYTY")[0]

        with _write_lock_held(db.name, seconds=2.5):
            started = time.monotonic()
            outcome = simulator.run_event(office, lambda o, _rng: process_inbox(o).summary(), random.Random(1),
                                          attempts=30, max_wait_s=0.5)
            waited = time.monotonic() - started

        assert waited >= 2.0, "the pass went ahead while another process held the write lock"
        assert "1" in outcome
        retries = [line for line in log_lines(json_log) if line["event"] == "billing_retry"]
        assert retries and "database is locked" in retries[0]["error"]
        status, reading_id = office.first("SELECT STATUS, ID_ODCZ FROM IBOK_ODCZYTY WHERE KLUCZ = ?", reading_key)
        assert quirks.text(status) == "P"
        assert office.first("SELECT COUNT(*) FROM ODCZYTY")[0] == readings_before + 1  # booked once
        assert office.first("SELECT COUNT(*) FROM ODCZYTY WHERE ID_ODCZ = ? AND ZRODLO = 'K'", reading_id)[0] == 1
        case = quirks.text(office.first("SELECT NR_SPRAWY FROM IBOK_ZGLOSZENIA WHERE KLUCZ = ?", message_key)[0])
        assert case and office.first("SELECT COUNT(*) FROM SPRAWY_HISTORIA WHERE NR_SPRAWY = ?", case)[0] == 1
        assert violations(office) == []


def test_the_office_loop_gives_up_an_event_it_cannot_do_logs_it_and_goes_on(make_billing_db, json_log) -> None:
    db, dsn = _sqlite_billing(make_billing_db, busy_timeout_ms=100)
    with _office(dsn) as office:
        payments = office.first("SELECT COUNT(*) FROM WPLATY")[0]
        run = simulator.simulate(office, seed=0, events=0, attempts=2, max_wait_s=0.1)
        with _write_lock_held(db.name, seconds=3):
            name, outcome = next(run)  # seed 0 starts with a payment: a write
            assert name == "book_payment" and outcome.startswith("given up after 2 tries"), outcome
            assert office.first("SELECT COUNT(*) FROM WPLATY")[0] == payments  # rolled back whole
        later = [next(run) for _ in range(5)]  # the same loop goes on once the lock is gone
        assert not any(o.startswith("given up") for _, o in later), later
        given_up = [line for line in log_lines(json_log) if line["event"] == "billing_office_event_given_up"]
        assert [line["step"] for line in given_up] == ["book_payment"]
        assert violations(office) == []


@pytest.mark.parametrize(("dsn", "expected"), [
    ("Driver=SQLite3;Database=/b.sqlite", f"Driver=SQLite3;Database=/b.sqlite;Timeout={BUSY_TIMEOUT_MS}"),
    ("Driver=SQLite3;Database=/b.sqlite;timeout=300;", "Driver=SQLite3;Database=/b.sqlite;timeout=300;"),
    ("Driver=PostgreSQL Unicode;Server=h", "Driver=PostgreSQL Unicode;Server=h"),
])
def test_sqlite_connections_get_a_busy_timeout_unless_they_set_one(dsn: str, expected: str) -> None:
    driver = dsn.split(";")[0].split("=")[1]
    assert with_busy_timeout(dsn, driver, BUSY_TIMEOUT_MS) == expected
