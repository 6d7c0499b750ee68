"""`ibok legacy ...` through the installed console script, as an operator runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# `ibok legacy` runs as a process against a billing database.
pytestmark = pytest.mark.integration

IBOK = str(Path(sys.executable).parent / "ibok")


def ibok(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IBOK, "--log-level", "WARNING", *args], capture_output=True, text=True, timeout=300)


def test_create_prints_row_counts_per_table(tmp_path: Path) -> None:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'b.sqlite'}"
    done = ibok("legacy", "create", "--dsn", dsn, "--size", "tiny", "--as-of", "2026-11-21")
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines()[1:])
    assert int(lines["ODBIORCY"].replace(",", "")) >= 30
    assert int(lines["total"].replace(",", "")) > 3000


def test_checksum_command_shows_the_same_data_for_the_same_seed(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        dsn = f"Driver=SQLite3;Database={tmp_path / name}.sqlite"
        assert ibok("legacy", "create", "--dsn", dsn, "--size", "tiny", "--seed", "9",
                    "--as-of", "2026-11-21").returncode == 0
        outputs.append(ibok("legacy", "checksum", "--dsn", dsn).stdout)
    assert outputs[0] == outputs[1]
    assert "ODCZYTY" in outputs[0]


def test_create_over_existing_tables_asks_for_replace_without_a_traceback(tmp_path: Path) -> None:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'b.sqlite'}"
    ibok("legacy", "create", "--dsn", dsn, "--size", "tiny")
    again = ibok("legacy", "create", "--dsn", dsn, "--size", "tiny")
    assert again.returncode == 1
    assert "--replace" in again.stderr and "Traceback" not in again.stderr


def test_simulate_process_inbox_and_check_run_against_the_stand_in(tmp_path: Path) -> None:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'b.sqlite'}"
    ibok("legacy", "create", "--dsn", dsn, "--size", "tiny")
    sim = ibok("legacy", "simulate", "--dsn", dsn, "--events", "15", "--seed", "4")
    assert sim.returncode == 0, sim.stderr
    assert len(sim.stdout.splitlines()) == 15
    inbox = ibok("legacy", "process-inbox", "--dsn", dsn)
    assert inbox.returncode == 0 and inbox.stdout.startswith("readings accepted")
    check = ibok("legacy", "check", "--dsn", dsn)
    assert check.returncode == 0 and "All invariants hold." in check.stdout


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    done = ibok("legacy", "create", "--dsn", "Driver=MariaDB Unicode;Server=127.0.0.1;Port=1;UID=x;PWD=secret99")
    assert done.returncode == 1
    assert "cannot connect" in done.stderr and "secret99" not in done.stderr and "Traceback" not in done.stderr
