"""The relay against real billing databases: delivery, read-back, retries, dead letters, outages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyodbc
import pytest
from sqlalchemy import select

from adapters.billing.interface import InterfaceWriter
from adapters.records import Delivery
from adapters.store.db import writer
from adapters.store.outbox import deliveries as outbox
from adapters.store.tables import outbox as outbox_table
from sync.submissions import service
from tests.writeback.harness import WriteBack, open_writeback

BILLINGS = ["sqlite", "mariadb", "postgresql"]


@pytest.fixture(params=BILLINGS)
def wb(request: pytest.FixtureRequest, make_mirror) -> Iterator[WriteBack]:
    """Each billing product (the relay's side) with a SQLite store; the PostgreSQL store is the
    exactly-once test's and the connection test's."""
    yield from open_writeback(make_mirror(request.param, "sqlite"))


def test_every_kind_of_submission_reaches_its_interface_table_once_and_is_marked_sent(wb: WriteBack) -> None:
    customer, serial, meter = wb.meters_held()[0]
    ids = [wb.reading(customer, serial, meter), wb.message(customer)]
    change = service.request_change(wb.ctx, customer, "phone", "+48 600 700 800", token="change-1")
    consent = service.set_e_invoice(wb.ctx, customer, False, token="consent-1")
    ids += change.ids + consent.ids

    report = wb.relay().run()

    assert (report.sent, report.found, report.dead, report.retried) == (4, 0, 0, 0)
    assert wb.billing_keys() == {i: 1 for i in ids}
    assert set(wb.outbox_states().values()) == {"sent"}
    row = wb.mirror.billing_sql("SELECT ID_WOD, STAN, STATUS FROM IBOK_ODCZYTY WHERE KLUCZ = ?", ids[0])[0]
    assert (row[0], row[2].strip()) == (meter, "N")
    assert wb.relay().run().sent == 0  # nothing is due any more


def test_a_row_already_in_billing_is_found_by_its_key_not_inserted_again(wb: WriteBack) -> None:
    customer, serial, meter = wb.meters_held()[0]
    key = wb.message(customer)
    interface = wb.interface()
    with writer(wb.mirror.store.engine).begin() as conn:
        [(delivery, read_back)] = outbox.claim(conn, "a-relay-that-dies", 10, timedelta(seconds=60))
    assert not read_back
    interface.insert(delivery)  # ... and the relay dies before it marks the row sent
    interface.close()

    # Its claim is left behind; once it expires, the next relay reads back before it inserts.
    with writer(wb.mirror.store.engine).begin() as conn:
        conn.execute(outbox_table.update().values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    report = wb.relay().run()

    assert (report.sent, report.found) == (0, 1)
    assert wb.billing_keys() == {key: 1}
    assert wb.outbox_states() == {key: "sent"}


class LostReply(InterfaceWriter):
    """The INSERT reaches billing and commits, then the connection breaks before the answer arrives."""

    def insert(self, delivery: Delivery) -> None:
        super().insert(delivery)
        raise pyodbc.OperationalError("08S01", "[08S01] communication link failure (lost reply)")


def test_an_insert_whose_answer_was_lost_is_read_back_and_not_sent_twice(wb: WriteBack) -> None:
    customer, serial, meter = wb.meters_held()[0]
    keys = [wb.message(customer), wb.reading(customer, serial, meter)]

    report = wb.relay(LostReply(wb.interface_dsn)).run()

    assert (report.sent, report.found, report.retried) == (0, 2, 0)
    assert wb.billing_keys() == {k: 1 for k in keys}
    assert set(wb.outbox_states().values()) == {"sent"}


def test_a_refused_row_becomes_a_dead_letter_that_an_admin_retries(wb: WriteBack, tmp_path: Path) -> None:
    customer, *_ = wb.meters_held()[0]
    key = wb.message(customer)
    good = wb.message(customer, "Druga wiadomość, która przejdzie bez przeszkód.")
    # Break the submission the way billing refuses it: a category too long for its CHAR(3) (the
    # servers refuse it; SQLite keeps any text).
    from adapters.store.tables import submissions
    with writer(wb.mirror.store.engine).begin() as conn:
        conn.execute(submissions.update().where(submissions.c.id == key).values(category="XXXX"))

    report = wb.relay().run()

    states = wb.outbox_states()
    if wb.mirror.billing.dialect == "sqlite":  # SQLite stores what it is given: nothing is refused
        assert states == {key: "sent", good: "sent"}
        return
    assert (report.sent, report.dead) == (1, 1)
    assert states == {key: "dead", good: "sent"}
    listed = wb.ibok(tmp_path, "outbox", "list", "--state", "dead")
    assert listed.returncode == 0, listed.stderr
    assert key in listed.stdout and "last error" in listed.stdout

    with writer(wb.mirror.store.engine).begin() as conn:  # the admin fixes it (here: by hand) ...
        conn.execute(submissions.update().where(submissions.c.id == key).values(category="REK"))
    retried = wb.ibok(tmp_path, "outbox", "retry", key)  # ... and retries it
    assert retried.returncode == 0 and "1 submission(s) back in the queue" in retried.stdout
    assert wb.relay().run().sent == 1
    assert wb.billing_keys() == {key: 1, good: 1}


def test_transient_failures_are_retried_with_backoff_until_max_attempts_then_dead(wb: WriteBack) -> None:
    customer, *_ = wb.meters_held()[0]
    key = wb.message(customer)

    class Deadlocked(InterfaceWriter):
        def insert(self, delivery: Delivery) -> None:
            raise pyodbc.OperationalError("40001", "[40001] deadlock found when trying to get lock")

    relay = wb.relay(Deadlocked(wb.interface_dsn), max_attempts=3)
    relay.retry_max_wait_s = 0.0  # no pause between tries in this test
    retried = dead = 0
    for _ in range(3):
        report = relay.run()
        retried, dead = retried + report.retried, dead + report.dead
    assert (retried, dead) == (2, 1)
    with wb.mirror.store.engine.connect() as conn:
        row = conn.execute(select(outbox_table).where(outbox_table.c.id == key)).mappings().one()
    assert (row["state"], row["attempts"]) == ("dead", 3)
    assert "40001" in row["last_error"]
    assert wb.billing_keys() == {}


def test_with_billing_unreachable_the_pass_ends_and_no_row_is_charged_a_try(wb: WriteBack) -> None:
    customer, *_ = wb.meters_held()[0]
    keys = [wb.message(customer) for _ in range(3)]
    bad_dsn = wb.interface_dsn.replace("127.0.0.1", "127.0.0.9") if wb.mirror.billing.dialect != "sqlite" \
        else "Driver=SQLite3;Database=/nonexistent/dir/billing.sqlite"

    report = wb.relay(InterfaceWriter(bad_dsn, login_timeout_s=2)).run()

    assert report.unreachable and report.sent == 0
    with wb.mirror.store.engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.state, outbox_table.c.attempts, outbox_table.c.claimed_by)).all()
    assert rows and all(r == ("pending", 0, None) for r in rows)
    assert wb.relay().run().sent == 3  # billing back: all of them go at once
    assert wb.billing_keys() == {k: 1 for k in keys}


@pytest.mark.parametrize("billing", ["mariadb", "postgresql"])
def test_a_connection_killed_during_the_relay_is_survived_without_loss_or_doubles(make_mirror, billing) -> None:
    for wb in open_writeback(make_mirror(billing, "postgresql")):
        customer, *_ = wb.meters_held()[0]
        keys = [wb.message(customer) for _ in range(60)]
        interface = wb.interface()

        class Dropping(InterfaceWriter):
            count = 0

            def insert(self, delivery: Delivery) -> None:
                Dropping.count += 1
                if Dropping.count % 7 == 0:
                    wb.drop_interface_sessions()  # the server ends the session under the relay
                super().insert(delivery)

        interface = Dropping(wb.interface_dsn, query_timeout_s=10)
        relay = wb.relay(interface, batch_size=10)
        relay.retry_max_wait_s = 0.0
        for _ in range(20):
            if set(wb.outbox_states().values()) == {"sent"}:
                break
            relay.run()
        assert set(wb.outbox_states().values()) == {"sent"}
        assert wb.billing_keys() == {k: 1 for k in keys}
