"""`ibok sync ...` through the installed console script, as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyodbc
import pytest

# `ibok` runs as a process against billing and store databases.
pytestmark = pytest.mark.integration

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


def _sql(env: dict[str, str], sql: str, *params: object) -> list[tuple]:
    """A statement on billing as its own scripts run it (committed at once)."""
    with pyodbc.connect(env["IBOK_BILLING_DSN"], autocommit=True) as conn:
        cur = conn.cursor().execute(sql, *params)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def test_verify_names_the_repair_and_reconcile_reports_each_stream_in_one_line(tmp_path: Path) -> None:
    env = _setup(tmp_path)
    run(env, "db", "upgrade")
    assert run(env, "sync", "run").returncode == 0
    payment, customer = _sql(env, "SELECT (SELECT MIN(ID_WPL) FROM WPLATY), (SELECT MIN(ID_ODB) FROM ODBIORCY)")[0]
    _sql(env, "UPDATE WPLATY SET KWOTA = '1234.56' WHERE ID_WPL = ?", payment)  # as a script: the stamp kept
    _sql(env, "UPDATE ODBIORCY SET EMAIL = 'ze.skryptu@example.pl' WHERE ID_ODB = ?", customer)
    assert run(env, "sync", "run").returncode == 0  # the incremental run cannot see it
    verified = run(env, "sync", "verify")
    assert verified.returncode == 1
    assert "repair: ibok sync reconcile customers payments" in verified.stderr
    header, *lines = verified.stdout.splitlines()
    assert header.split() == ["stream", "billing", "store", "different", "missing", "extra", "orphans"]
    payments = next(line.split() for line in lines if line.startswith("payments "))
    assert payments[3:] == ["1", "0", "0", "0"]
    assert f"  payments {payment}: different (amount)" in verified.stdout

    for_one = run(env, "sync", "reconcile", "--customer", "999999")
    assert for_one.returncode == 1 and "billing has no customer number '999999'" in for_one.stderr
    reconciled = run(env, "sync", "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    header, *lines = reconciled.stdout.splitlines()
    assert header.split() == ["stream", "outcome", "compared", "changed", "missing", "extra", "orphans", "seconds"]
    rows = {line.split()[0]: line.split() for line in lines}
    assert set(rows) == {"sellers", "customers", "points", "contracts", "meters", "readings", "invoices",
                         "settlements", "payments", "outages", "case_events", "reading_replies", "message_replies",
                         "change_replies"}
    assert rows["payments"][1:7] == ["ok", f"{int(_sql(env, 'SELECT COUNT(*) FROM WPLATY')[0][0]):,}", "1", "0",
                                     "0", "0"]
    assert rows["customers"][3] == "1"
    again = run(env, "sync", "verify", "--rows")
    assert again.returncode == 0 and "The store equals billing." in again.stdout
    number = _sql(env, "SELECT NR_KLIENTA FROM ODBIORCY WHERE ID_ODB = ?", customer)[0][0]
    _sql(env, "UPDATE ODBIORCY SET EMAIL = 'jeszcze.raz@example.pl' WHERE ID_ODB = ?", customer)
    one = run(env, "sync", "reconcile", "--customer", number.strip())
    assert one.returncode == 0, one.stderr
    assert next(line.split() for line in one.stdout.splitlines() if line.startswith("customers "))[3] == "1"
    assert run(env, "sync", "verify").returncode == 0
