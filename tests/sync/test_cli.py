"""`ibok sync ...` through the installed console script, as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

IBOK = str(Path(sys.executable).parent / "ibok")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IBOK, "--log-level", "WARNING", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def _setup(tmp_path: Path) -> dict[str, str]:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'billing.sqlite'};Timeout=10000"
    env = {"IBOK_BILLING_DSN": dsn, "IBOK_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
           "IBOK_PATHS_DATA_DIR": str(tmp_path)}
    assert run(env, "legacy", "create", "--dsn", dsn, "--size", "tiny", "--as-of", "2026-11-21").returncode == 0
    return env


def test_simulated_changes_interleaved_with_sync_and_reconcile_verify_clean(tmp_path: Path) -> None:
    env = _setup(tmp_path)
    assert run(env, "db", "upgrade").returncode == 0
    first = run(env, "sync", "run")
    assert first.returncode == 0, first.stderr
    assert "invoices" in first.stdout and "ok" in first.stdout
    for seed in (1, 2, 3):
        assert run(env, "legacy", "simulate", "--dsn", env["IBOK_BILLING_DSN"], "--events", "6",
                   "--seed", str(seed)).returncode == 0
        assert run(env, "sync", "run").returncode == 0
    assert run(env, "sync", "reconcile").returncode == 0
    verified = run(env, "sync", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "The store equals billing." in verified.stdout


def test_verify_lists_differences_and_exits_non_zero(tmp_path: Path) -> None:
    env = _setup(tmp_path)
    run(env, "db", "upgrade")
    run(env, "sync", "run")
    assert run(env, "legacy", "simulate", "--dsn", env["IBOK_BILLING_DSN"], "--events", "1",
               "--seed", "10").returncode == 0  # seed 10 starts by booking a payment
    verified = run(env, "sync", "verify")
    assert verified.returncode == 1
    assert "difference(s) between billing and the store" in verified.stderr
    assert "  payments 626: missing" in verified.stdout


def test_status_shows_each_streams_checkpoint_and_last_run_as_json(tmp_path: Path) -> None:
    env = _setup(tmp_path)
    run(env, "db", "upgrade")
    run(env, "sync", "run", "payments", "customers")
    status = run(env, "sync", "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    rows = {row["stream"]: row for row in report["streams"]}
    assert rows["payments"]["outcome"] == "ok" and rows["payments"]["checkpoint"].startswith("20")
    assert rows["payments"]["lag_s"] == 0.0
    assert rows["payments"]["stale"] is False and 0 <= rows["payments"]["age_s"] < 60
    assert rows["invoices"]["outcome"] is None and rows["invoices"]["stale"] is True  # never run yet
    assert report["daemons"] == []
    table = run(env, "sync", "status")
    assert "payments" in table.stdout and "checkpoint" in table.stdout
    assert "never synced" in table.stdout and "fresh, " in table.stdout
    assert "daemons: none seen in the last minute" in table.stdout


def test_an_unknown_stream_and_a_store_without_schema_get_one_clear_line(tmp_path: Path) -> None:
    env = _setup(tmp_path)
    not_upgraded = run(env, "sync", "run")
    assert not_upgraded.returncode == 1
    assert "run `ibok db upgrade` first" in not_upgraded.stderr and "Traceback" not in not_upgraded.stderr
    run(env, "db", "upgrade")
    unknown = run(env, "sync", "run", "invoicez")
    assert unknown.returncode == 2 and "unknown stream(s) invoicez" in unknown.stderr
