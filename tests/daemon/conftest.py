"""Daemons as the operator runs them (`ibok daemon` child processes), and a MariaDB server of a test's own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BillingDatabase
from tests.sync.conftest import Mirror, make_mirror, mirror  # noqa: F401 - fixtures shared with the sync tests

IBOK = str(Path(sys.executable).with_name("ibok"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, every: float = 0.25, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not true within {timeout} s")
        time.sleep(every)


@dataclass
class DaemonProcess:
    """One `ibok daemon` child; its JSON log lines are written to a file and read back."""

    proc: subprocess.Popen
    log_path: Path
    metrics_port: int
    _log: Any = field(repr=False, default=None)

    def events(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        found = []
        for line in lines:
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                found.append({"event": "(not json)", "text": line})
        return found

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e.get("event") == event]

    def wait_for(self, event: str, timeout: float = 30.0, count: int = 1) -> list[dict[str, Any]]:
        return wait_until(lambda: len(self.named(event)) >= count and self.named(event), timeout,
                          what=f"{count} x {event} in {self.log_path}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._log.close()
        return code

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._log.close()


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(mirror: Mirror, name: str = "a", **settings: str) -> DaemonProcess:
        port = free_port()
        env = {**os.environ, **mirror.env(tmp_path), "IBOK_DAEMON_METRICS_PORT": str(port),
               "IBOK_LOG_LEVEL": "INFO", **{f"IBOK_{k.upper()}": v for k, v in settings.items()}}
        log_path = tmp_path / f"daemon-{name}.log"
        log = log_path.open("w", encoding="utf-8")
        proc = subprocess.Popen([IBOK, "daemon"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        daemon = DaemonProcess(proc, log_path, port, log)
        started.append(daemon)
        daemon.wait_for("daemon_started", timeout=30)
        return daemon

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.kill()
        daemon._log.close()


# ----- a MariaDB server of the test's own (stopped and started by the test) -----------------------------
@dataclass
class OwnMariaDB:
    datadir: Path
    port: int
    proc: subprocess.Popen | None = None
    database: BillingDatabase | None = None

    @property
    def socket(self) -> Path:
        return self.datadir / "mysqld.sock"

    def start(self) -> None:
        with (self.datadir.parent / "mariadbd.log").open("a") as log:
            self.proc = subprocess.Popen(
                [shutil.which("mariadbd") or "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.datadir}",
                 f"--port={self.port}", "--bind-address=127.0.0.1", f"--socket={self.socket}", "--user=root",
                 f"--pid-file={self.datadir / 'mysqld.pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=64M",
                 "--character-set-server=utf8mb4"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, 60, what="the test's MariaDB server to answer")

    def _answers(self) -> bool:
        return subprocess.run(["mariadb", f"--socket={self.socket}", "-uroot", "-e", "SELECT 1"],
                              capture_output=True).returncode == 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)
        self.proc = None

    def freeze(self) -> None:
        """Stop the server (SIGSTOP) and return once every one of its threads has stopped: kill() returns
        before a busy thread takes the signal, and on a loaded machine one might still answer a query."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        tasks = Path(f"/proc/{self.proc.pid}/task")

        def stopped() -> bool:
            states = []
            for task in tasks.iterdir():
                try:
                    states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
                except FileNotFoundError:  # a thread that ended meanwhile
                    continue
            return bool(states) and all(state in ("T", "t") for state in states)
        wait_until(stopped, 10, what="every thread of the test's MariaDB server to stop")

    def sql(self, statement: str) -> None:
        subprocess.run(["mariadb", f"--socket={self.socket}", "-uroot", "-e", statement], check=True,
                       capture_output=True)


@pytest.fixture
def own_mariadb(tmp_path: Path) -> Iterator[OwnMariaDB]:
    """A fresh MariaDB server on a free port with one database, for tests that stop the server itself."""
    datadir = tmp_path / "mariadb"
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={datadir}", "--user=root",
                    "--skip-test-db", "--auth-root-authentication-method=socket"],
                   check=True, capture_output=True)
    server = OwnMariaDB(datadir, free_port())
    server.start()
    name, password = "ibok_billing", uuid.uuid4().hex
    server.sql(f"CREATE DATABASE {name}; CREATE USER 'ibok'@'127.0.0.1' IDENTIFIED BY '{password}';"
               f" GRANT ALL ON *.* TO 'ibok'@'127.0.0.1' WITH GRANT OPTION;")
    dsn = f"Driver=MariaDB Unicode;Server=127.0.0.1;Port={server.port};UID=ibok;PWD={password};Database={name}"
    server.database = BillingDatabase("mariadb", dsn, name)
    try:
        yield server
    finally:
        server.stop()
