"""Faults lose nothing and duplicate nothing: killed processes, dropped connections, permanent errors."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.billing.odbc import connect, dialect_of
from adapters.standin import simulator
from adapters.store.tables import stream_leases, sync_runs
from sync.engine import RunResult
from tests.conftest import log_lines
from tests.sync.conftest import Mirror

KILL_TRIALS = int(os.environ.get("IBOK_KILL_TRIALS", "10"))  # a longer soak: IBOK_KILL_TRIALS=100


def _ibok(mirror: Mirror, data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, **mirror.env(data_dir), "PYTHONUNBUFFERED": "1"}
    ibok = Path(sys.executable).with_name("ibok")  # the console script installed next to this Python
    return subprocess.Popen([str(ibok), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _kill_at_log_line(proc: subprocess.Popen, line: int) -> bool:
    """SIGKILL the process when it writes its ``line``-th log line; False if it finished first.

    Counting log lines, not seconds, puts the kill at a chosen point of the work
    (between batches, inside one, during the derived refresh) on a slow machine and a fast one alike.
    """
    assert proc.stderr is not None
    for _ in range(line):
        if not proc.stderr.readline():
            proc.communicate()
            return False
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return True


def test_sync_killed_at_random_points_and_rerun_ends_in_a_verified_mirror(make_mirror, tmp_path: Path) -> None:
    mirror = make_mirror("sqlite", "sqlite")
    rng = random.Random(20261121)
    killed_mid_run = 0
    with mirror.office() as office:
        events = simulator.simulate(office, seed=7, events=0)
        for _trial in range(KILL_TRIALS):
            for _ in range(rng.randint(1, 5)):
                next(events)
            mode = rng.choice([["--full"], [], [], ["reconcile"]])
            args = ["sync", "reconcile"] if mode == ["reconcile"] else ["sync", "run", *mode]
            proc = _ibok(mirror, tmp_path, *args, "--batch-size", str(rng.choice([100, 200, 500])))
            killed_mid_run += _kill_at_log_line(proc, rng.randint(1, 20))
    # The next run takes over the dead process's lease and finishes the interrupted work.
    results = mirror.sync()
    assert all(r.outcome == "ok" for r in results.values()), results
    mirror.sync("reconcile")
    report = mirror.verify()
    assert report.clean, [str(d) for d in report.differences]
    assert killed_mid_run >= KILL_TRIALS // 2, f"only {killed_mid_run} kills landed during a run"
    # The killed runs are in the history as interrupted, marked by the runners that came next.
    with mirror.store.engine.connect() as conn:
        outcomes = [r.outcome for r in conn.execute(select(sync_runs.c.outcome))]
        killed = conn.execute(select(sync_runs.c.error).where(sync_runs.c.outcome == "interrupted")).scalars().all()
    assert "running" not in outcomes
    assert killed and all(e.startswith("its runner stopped without finishing") for e in killed)


def _drop_billing_connections(mirror: Mirror) -> int:
    """Kill every session on the billing database but our own, as a network failure would."""
    with connect(mirror.billing.dsn, autocommit=True) as admin:
        cur = admin.cursor()
        if dialect_of(admin) == "mariadb":
            ids = [r[0] for r in cur.execute("SELECT ID FROM information_schema.PROCESSLIST"
                                             " WHERE DB = DATABASE() AND ID <> CONNECTION_ID()").fetchall()]
            for session in ids:
                cur.execute(f"KILL {int(session)}")
        else:
            ids = [r[0] for r in cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                             " WHERE datname = current_database() AND pid <> pg_backend_pid()")
                   .fetchall()]
    return len(ids)


@pytest.mark.parametrize("billing", ["mariadb", "postgresql"])
def test_a_billing_connection_dropped_mid_run_is_retried_and_the_run_completes(make_mirror, billing: str,
                                                                              json_log: io.StringIO) -> None:
    mirror = make_mirror(billing, "postgresql" if billing == "mariadb" else "sqlite")
    dropped = []

    def drop_once(stream: str, result: RunResult) -> None:
        if stream == "invoices" and not dropped:
            dropped.append(_drop_billing_connections(mirror))

    results = mirror.sync(observer=drop_once, batch_size=100)
    assert dropped and dropped[0] >= 1
    assert all(r.outcome == "ok" for r in results.values())
    # Read from the log as production writes it (structlog's capture_logs misses loggers cached earlier).
    assert any(e["event"] == "billing_retry" for e in log_lines(json_log))
    assert mirror.verify().clean


def _rename(mirror: Mirror, old: str, new: str) -> None:
    with connect(mirror.billing.dsn, autocommit=True) as admin:
        sql = f"RENAME TABLE {old} TO {new}" if dialect_of(admin) == "mariadb" else f"ALTER TABLE {old} RENAME TO {new}"
        admin.cursor().execute(sql)


def test_a_permanent_error_fails_the_run_clearly_and_the_next_run_resumes_from_the_checkpoint(mirror: Mirror) -> None:
    batches = []

    def break_payments(stream: str, result: RunResult) -> None:
        if stream == "payments":
            batches.append(result.rows_read)
            if len(batches) == 2:
                _rename(mirror, "WPLATY", "WPLATY_OFF")  # say, a DBA's mistake: not something a retry fixes

    first = mirror.sync(observer=break_payments, batch_size=100)
    assert first["payments"].outcome == "failed"
    assert "WPLATY" in first["payments"].error.upper()
    assert all(r.outcome == "ok" for name, r in first.items() if name != "payments")
    with mirror.store.engine.connect() as conn:
        run = conn.execute(select(sync_runs).where(sync_runs.c.stream == "payments")
                           .order_by(sync_runs.c.id.desc())).mappings().first()
        lease = conn.execute(select(stream_leases).where(stream_leases.c.stream == "payments")).mappings().one()
    assert run["outcome"] == "failed" and "WPLATY" in run["error"].upper() and run["rows_read"] == 200
    assert lease["holder"] is None  # released: the next run need not wait for it to expire

    _rename(mirror, "WPLATY_OFF", "WPLATY")
    second = mirror.sync(batch_size=100)["payments"]
    total = int(mirror.billing_sql("SELECT COUNT(*) FROM WPLATY")[0][0])
    assert second.outcome == "ok"
    assert second.rows_read == total - 200  # resumed after the last committed batch, not from the start
    assert mirror.verify().clean
