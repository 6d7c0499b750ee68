"""`ibok daemon` run as the operator runs it: schedules, signals, failover, billing outages, requests, metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from adapters.standin import simulator
from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.tables import daemons, stream_leases, sync_requests, sync_runs
from sync.streams import STREAMS
from tests.daemon.conftest import IBOK, DaemonProcess, OwnMariaDB, wait_until
from tests.sync.conftest import Mirror, open_mirror

FAST = {"daemon_intervals": ",".join(f"{s.name}=1" for s in STREAMS), "daemon_requests_every_s": "1"}
QUIET = {"daemon_intervals": ",".join(f"{s.name}=3600" for s in STREAMS), "daemon_requests_every_s": "1"}
FAILOVER_S = float(os.environ.get("IBOK_FAILOVER_S", "60"))  # per phase; a longer soak: IBOK_FAILOVER_S=300


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _runs(mirror: Mirror) -> list[dict]:
    with mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(sync_runs).order_by(sync_runs.c.id)).mappings()]


def _converged(mirror: Mirror) -> bool:
    return mirror.verify().clean


def test_the_daemon_mirrors_changes_serves_metrics_and_health_and_stops_cleanly(mirror: Mirror, start_daemon) -> None:
    daemon = start_daemon(mirror, **FAST)
    with mirror.office() as office:
        for _ in simulator.simulate(office, seed=3, events=8):
            pass
    # Deletes are the nightly reconciliation's (run here, waiting for the daemon's leases); the rest is the daemon's.
    assert all(r.outcome == "ok" for r in mirror.sync("reconcile", lease_wait_s=30).values())
    wait_until(lambda: _converged(mirror), 60, every=1, what="the daemon to mirror the changes")

    status, body = _get(daemon.metrics_port, "/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["billing"] == "up", body
    assert set(health["streams"]) == {s.name for s in STREAMS}
    status, metrics = _get(daemon.metrics_port, "/metrics")
    assert status == 200
    assert 'ibok_sync_runs_total{outcome="ok",stream="payments"}' in metrics
    assert 'ibok_sync_lag_seconds{stream="readings"}' in metrics and "ibok_billing_up 1.0" in metrics
    assert 'ibok_sync_rows_total{kind="read",stream="invoices"}' in metrics

    started = time.monotonic()
    assert daemon.stop() == 0
    assert time.monotonic() - started < 10
    assert daemon.named("daemon_stopped")
    with mirror.store.engine.connect() as conn:
        assert all(r.holder is None for r in conn.execute(select(stream_leases)))
        assert conn.execute(select(daemons.c.stopped_at)).scalar_one() is not None
    assert not [e for e in daemon.events() if e.get("level") == "error"]


def test_sigterm_in_the_middle_of_a_large_run_exits_within_seconds_and_loses_nothing(
        make_billing_db, make_store_url, start_daemon) -> None:
    mirror = open_mirror(make_billing_db("mariadb"), make_store_url("postgresql"), size="demo")
    try:
        # The first run of each stream is a full scan; in batches of 100 the invoices take a while.
        daemon = start_daemon(mirror, sync_batch_size="100", daemon_workers="1", **QUIET)
        wait_until(lambda: any(e.get("stream") == "invoices" for e in daemon.named("sync_batch_applied")), 120,
                   what="the invoices' first batches")
        daemon.signal(signal.SIGTERM)
        asked = time.monotonic()
        assert daemon.proc.wait(30) == 0
        assert time.monotonic() - asked < 5
        runs = _runs(mirror)
        assert runs[-1]["stream"] == "invoices" and runs[-1]["outcome"] == "interrupted", runs[-1]
        with mirror.store.engine.connect() as conn:
            assert all(r.holder is None for r in conn.execute(select(stream_leases)))
        mirror.sync()  # the next run resumes where the interrupted one stopped
        assert mirror.verify().clean
    finally:
        mirror.source.close()
        mirror.store.dispose()


def test_ibok_sync_run_stops_between_batches_on_sigterm(make_billing_db, make_store_url, tmp_path: Path) -> None:
    mirror = open_mirror(make_billing_db("sqlite"), make_store_url("sqlite"), size="demo")
    try:
        env = {**os.environ, **mirror.env(tmp_path), "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([IBOK, "sync", "run", "--batch-size", "100"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        batches = 0
        for line in proc.stderr:
            batches += '"sync_batch_applied"' in line
            if batches == 30:
                break
        proc.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        out, err = proc.communicate(timeout=30)
        assert time.monotonic() - asked < 5
        assert proc.returncode == 1 and "stopped on request" in err, err[-2000:]
        assert "interrupted" in out
        mirror.sync()
        assert mirror.verify().clean
    finally:
        mirror.source.close()
        mirror.store.dispose()


def _overlaps(runs: list[dict], killed_at: datetime) -> list[tuple[dict, dict]]:
    """Pairs of runs of one stream whose time spans overlap (a run killed with its daemon ends at the kill)."""
    found = []
    for stream in {r["stream"] for r in runs}:
        spans = sorted((r["started_at"], r["finished_at"] or killed_at, r) for r in runs if r["stream"] == stream)
        for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
            if start < end:
                found.append((first, second))
    return found


def test_two_daemons_on_one_store_never_run_a_stream_twice_at_once_and_one_takes_over_when_the_other_dies(
        make_billing_db, make_store_url, start_daemon) -> None:
    mirror = open_mirror(make_billing_db("mariadb"), make_store_url("postgresql"))
    lease_s = 10
    stop = threading.Event()

    def office_at_work() -> None:
        with mirror.office() as office:
            events = simulator.simulate(office, seed=11, events=0)
            while not stop.wait(0.5):
                next(events)

    office = threading.Thread(target=office_at_work)
    try:
        first = start_daemon(mirror, "a", sync_lease_s=str(lease_s), **FAST)
        second = start_daemon(mirror, "b", sync_lease_s=str(lease_s), **FAST)
        office.start()
        time.sleep(FAILOVER_S)
        both = _runs(mirror)
        holders = {r["holder"].rsplit(".", 1)[0] for r in both}
        assert len(holders) == 2, "both daemons should have worked"

        first.kill()  # SIGKILL: no clean-up, its leases stay until taken over
        killed_at = datetime.now().astimezone()
        time.sleep(FAILOVER_S)
        stop.set()
        office.join()
        runs = _runs(mirror)
        assert not _overlaps(runs, killed_at)
        survivor = {r["holder"].rsplit(".", 1)[0] for r in runs if r["started_at"] > killed_at}
        assert len(survivor) == 1
        for stream in STREAMS:
            after = [r for r in runs if r["stream"] == stream.name and r["started_at"] > killed_at
                     and r["outcome"] == "ok"]
            assert after, f"{stream.name} was not taken over"
            assert (after[0]["started_at"] - killed_at).total_seconds() < lease_s + 2
        assert second.stop() == 0
        mirror.sync()
        mirror.sync("reconcile")
        assert mirror.verify().clean
    finally:
        stop.set()
        if office.is_alive():
            office.join()
        mirror.source.close()
        mirror.store.dispose()


def test_the_billing_server_stopped_and_started_again_the_daemon_waits_quietly_and_catches_up(
        own_mariadb: OwnMariaDB, make_store_url, start_daemon) -> None:
    assert own_mariadb.database is not None
    mirror = open_mirror(own_mariadb.database, make_store_url("postgresql"))
    try:
        daemon = start_daemon(mirror, sync_retry_attempts="3", sync_retry_max_wait_s="2",
                              daemon_probe_max_wait_s="4", daemon_stale_after_s="60", **FAST)
        wait_until(lambda: _converged(mirror), 60, every=1, what="the first sync")
        mirror.source.close()

        own_mariadb.stop()
        down_at = time.monotonic()
        daemon.wait_for("billing_unreachable", timeout=60)
        time.sleep(20)
        assert daemon.proc.poll() is None, "the daemon must keep running"
        status, body = _get(daemon.metrics_port, "/health")
        assert status == 503 and json.loads(body)["billing"].startswith("unreachable"), body
        outage_s = time.monotonic() - down_at
        probes = daemon.named("billing_still_unreachable")
        (closed,) = daemon.named("billing_unreachable")  # one line for the outage, not one per run
        # Backoff: far fewer attempts than seconds of outage, one line each.
        assert 2 <= len(probes) <= outage_s / 2, [p.get("next_try_s") for p in probes]
        # Once the gate is closed no run starts: the retries of the runs in flight then (2 tries x 2 s at
        # most) are the last ones.
        closed_at = datetime.fromisoformat(closed["timestamp"])
        late = [e for e in daemon.named("billing_retry")
                if (datetime.fromisoformat(e["timestamp"]) - closed_at).total_seconds() > 10]
        assert not late, late

        own_mariadb.start()
        daemon.wait_for("billing_reachable_again", timeout=30)
        with mirror.office() as office:
            for _ in simulator.simulate(office, seed=5, events=6):
                pass
        assert all(r.outcome == "ok" for r in mirror.sync("reconcile", lease_wait_s=30).values())
        wait_until(lambda: _converged(mirror), 60, every=1, what="the daemon to catch up")
        wait_until(lambda: _get(daemon.metrics_port, "/health")[0] == 200, 30, what="health to recover")
        assert daemon.stop() == 0
    finally:
        mirror.source.close()
        mirror.store.dispose()


def test_a_manual_request_runs_within_seconds_and_records_who_asked(
        mirror: Mirror, start_daemon, tmp_path: Path) -> None:
    daemon = start_daemon(mirror, **QUIET)
    wait_until(lambda: len({r["stream"] for r in _runs(mirror) if r["outcome"] == "ok"}) == len(STREAMS), 60,
               what="the first runs")
    env = {**os.environ, **mirror.env(tmp_path)}
    asked = time.monotonic()
    queued = subprocess.run([IBOK, "sync", "request", "payments", "readings", "--full", "--by", "anna.admin",
                             "--wait", "--timeout", "30"], env=env, capture_output=True, text=True, timeout=60)
    assert queued.returncode == 0, queued.stderr
    assert time.monotonic() - asked < 10
    assert "queued" in queued.stdout and ": ok" in queued.stdout
    with mirror.store.engine.connect() as conn:
        request = conn.execute(select(sync_requests)).mappings().one()
    assert request["requested_by"] == "anna.admin" and request["outcome"] == "ok"
    assert request["taken_by"].startswith(daemon_holder_prefix(daemon))
    asked_runs = [r for r in _runs(mirror) if r["requested_by"] == "anna.admin"]
    assert {(r["stream"], r["mode"], r["outcome"]) for r in asked_runs} == {
        ("payments", "full", "ok"), ("readings", "full", "ok")}
    number = str(mirror.billing_sql("SELECT MIN(NR_KLIENTA) FROM ODBIORCY")[0][0]).strip()
    one = subprocess.run([IBOK, "sync", "request", "--customer", number, "--wait", "--timeout", "30"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert one.returncode == 0 and ": ok (no changes)" in one.stdout, one.stdout + one.stderr
    listing = subprocess.run([IBOK, "sync", "requests"], env=env, capture_output=True, text=True)
    assert f"customer {number}" in listing.stdout
    assert "anna.admin" in listing.stdout and "full readings payments" in listing.stdout
    assert daemon.stop() == 0


def daemon_holder_prefix(daemon: DaemonProcess) -> str:
    return daemon.named("daemon_started")[0]["holder"]


def test_a_request_for_an_unknown_stream_or_a_store_without_schema_is_refused_clearly(
        mirror: Mirror, make_store_url, tmp_path: Path) -> None:
    env = {**os.environ, **mirror.env(tmp_path)}
    unknown = subprocess.run([IBOK, "sync", "request", "paymentz"], env=env, capture_output=True, text=True)
    assert unknown.returncode == 2 and "unknown stream(s) paymentz" in unknown.stderr
    mixed = subprocess.run([IBOK, "sync", "request", "payments", "--customer", "000001"], env=env,
                           capture_output=True, text=True)
    assert mixed.returncode == 2 and "--customer" in mixed.stderr
    empty = make_store_url("sqlite")
    bare = subprocess.run([IBOK, "sync", "request"], env={**env, "IBOK_STORE_URL": empty}, capture_output=True,
                          text=True)
    assert bare.returncode == 1 and "ibok db upgrade" in bare.stderr
    engine = create_store_engine(empty)
    try:
        assert migrate.current(engine) is None  # nothing written
    finally:
        engine.dispose()
