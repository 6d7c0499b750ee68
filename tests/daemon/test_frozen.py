"""Acceptance: a billing server that freezes (its process stopped, its connections left open) is
noticed, and does not hold the daemon.

The test's own MariaDB server is stopped with SIGSTOP, never the machine's shared one. The daemon's
probe asks a real query on a connection of its own under a short timeout: the gate closes with one
log line and /health answers 503 within two probe intervals. A SIGTERM during the freeze, while a
relay and stream runs hang in billing's driver, ends the daemon within its grace period, naming
the jobs it leaves behind. When the server wakes, a new daemon delivers what was in flight once.
"""

from __future__ import annotations

import json
import signal
import time

import pyodbc
import pytest

from adapters.billing.odbc import CLIENT_MARGIN_S, close_quietly, connect
from adapters.billing.probe import BillingProbe, NoAnswer
from sync.streams import STREAMS
from tests.daemon.conftest import OwnMariaDB, wait_until
from tests.daemon.test_daemon import _get
from tests.sync.conftest import open_mirror
from tests.writeback.harness import open_writeback

PROBE_EVERY_S, PROBE_TIMEOUT_S, GRACE_S = 3, 2, 8
BUSY = {"daemon_intervals": ",".join(f"{s.name}=1" for s in STREAMS)}  # runs in flight when it freezes


def test_the_probe_gives_up_on_a_frozen_server_within_its_timeout_and_opens_no_second_connection(
        own_mariadb: OwnMariaDB) -> None:
    assert own_mariadb.database is not None and own_mariadb.proc is not None
    probe = BillingProbe(own_mariadb.database.dsn, timeout_s=1, login_timeout_s=5)
    probe.check()
    own_mariadb.freeze()
    try:
        began = time.monotonic()
        try:
            probe.check()
        except NoAnswer as exc:
            assert "within 1 s" in str(exc)
        else:
            raise AssertionError("a frozen server must not count as up")
        assert time.monotonic() - began < 2
        began = time.monotonic()
        try:
            probe.check()  # the first is still waiting: no second connection, an answer at once
        except NoAnswer as exc:
            assert "has not answered" in str(exc)
        else:
            raise AssertionError("still frozen")
        assert time.monotonic() - began < 0.5
    finally:
        own_mariadb.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: _answers(probe), 30, what="the probe to get through once the server wakes")
    probe.close()


def test_a_statement_and_a_connect_to_a_frozen_mariadb_end_within_their_timeouts(own_mariadb: OwnMariaDB) -> None:
    assert own_mariadb.database is not None and own_mariadb.proc is not None
    conn = connect(own_mariadb.database.dsn, login_timeout_s=2, query_timeout_s=2, autocommit=True)
    own_mariadb.freeze()
    try:
        began = time.monotonic()
        with pytest.raises(pyodbc.Error):
            conn.cursor().execute("SELECT 1").fetchall()
        waited = time.monotonic() - began
        assert waited < 2 + CLIENT_MARGIN_S + 2, f"a statement waited {waited:.1f} s on a frozen server"
        began = time.monotonic()
        with pytest.raises(pyodbc.Error):
            connect(own_mariadb.database.dsn, login_timeout_s=2)
        waited = time.monotonic() - began
        assert waited < 2 + 2, f"a connect waited {waited:.1f} s on a frozen server"
    finally:
        own_mariadb.proc.send_signal(signal.SIGCONT)
        close_quietly(conn)


def _answers(probe: BillingProbe) -> bool:
    try:
        probe.check()
    except Exception:  # noqa: BLE001 - the old probe may still be on its way back
        return False
    return True


def test_a_frozen_billing_closes_the_gate_health_says_503_and_sigterm_ends_the_daemon_within_its_grace(
        own_mariadb: OwnMariaDB, make_store_url, start_daemon) -> None:
    assert own_mariadb.database is not None and own_mariadb.proc is not None
    mirror = open_mirror(own_mariadb.database, make_store_url("postgresql"))
    try:
        for wb in open_writeback(mirror):
            settings = {"billing_interface_dsn": wb.interface_dsn, "daemon_probe_every_s": str(PROBE_EVERY_S),
                        "daemon_probe_timeout_s": str(PROBE_TIMEOUT_S), "daemon_shutdown_grace_s": str(GRACE_S),
                        "outbox_every_s": "1", **BUSY}
            daemon = start_daemon(mirror, "a", **settings)
            customer, _, _ = wb.meters_held()[0]
            wb.message(customer)
            wait_until(lambda: set(wb.outbox_states().values()) == {"sent"}, 30, what="a first delivery")
            assert _get(daemon.metrics_port, "/health")[0] == 200
            mirror.source.close()

            own_mariadb.freeze()
            frozen_at = time.monotonic()
            try:
                held = wb.message(customer)  # the relay takes it within a second and hangs in billing's driver
                status, body = wait_until(lambda: (lambda r: r[0] == 503 and r)(_get(daemon.metrics_port, "/health")),
                                          4 * PROBE_EVERY_S, every=0.2, what="/health to answer 503")
                noticed = time.monotonic() - frozen_at
                assert noticed <= 2 * PROBE_EVERY_S, f"the freeze was noticed after {noticed:.1f} s"
                assert json.loads(body)["billing"].startswith("unreachable"), body
                (closed,) = daemon.wait_for("billing_unreachable", timeout=5)
                assert "SELECT 1" in closed["error"]
                time.sleep(PROBE_EVERY_S)
                assert len(daemon.named("billing_unreachable")) == 1, "one line for the freeze, not one per job"

                stopping = time.monotonic()
                daemon.signal(signal.SIGTERM)
                code = daemon.proc.wait(GRACE_S + 10)
                took = time.monotonic() - stopping
                assert code == 0
                assert took <= GRACE_S + 3, f"SIGTERM took {took:.1f} s with a grace of {GRACE_S} s"
                (waiting,) = daemon.named("daemon_stop_waiting")
                assert waiting["jobs"] and waiting["billing"].startswith("unreachable")
                (forced,) = daemon.named("daemon_stop_forced")
                assert forced["jobs"], forced
                print(f"FROZEN noticed_s={noticed:.1f} sigterm_s={took:.1f} jobs_left={forced['jobs']}")
            finally:
                own_mariadb.proc.send_signal(signal.SIGCONT)

            again = start_daemon(mirror, "b", **settings)
            wait_until(lambda: set(wb.outbox_states().values()) == {"sent"}, 60, what="the held message delivered")
            assert wb.billing_keys()[held] == 1
            assert again.stop() == 0
    finally:
        mirror.source.close()
        mirror.store.dispose()
