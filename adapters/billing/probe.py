"""Does billing answer? Asked so that a frozen server cannot hold whoever asks.

The probe runs one real query (``SELECT 1``) on a connection of its own, in a helper thread, and
waits at most ``timeout_s`` for the answer. A server that accepts connections but never answers
(a stopped process, a host gone silent) is therefore noticed within that time, whatever the
driver's own timeouts do. A connection whose query did not come back is left to its thread (the
query may still finish when the server wakes, and the connection is then dropped), and while it
is out no second one is opened: a long freeze costs one thread and one connection, not one per
probe.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pyodbc

from adapters.billing.odbc import close_quietly, connect


class NoAnswer(Exception):
    """Billing did not answer within the probe's time (frozen, or too slow to count as up)."""


class BillingProbe:
    def __init__(self, conn_str: str, *, timeout_s: float, login_timeout_s: int) -> None:
        self.conn_str = conn_str
        self.timeout_s = timeout_s
        self.login_timeout_s = login_timeout_s
        self._conn: pyodbc.Connection | None = None
        self._waiting: threading.Thread | None = None  # a probe whose answer never came
        self._waiting_since = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Return when billing answered ``SELECT 1`` within the time; raise the driver's error, or
        NoAnswer, when it did not. A kept connection that fails is tried once more afresh (the
        server may simply have closed an idle one)."""
        with self._lock:
            if self._waiting is not None:
                if self._waiting.is_alive():
                    raise NoAnswer(f"billing has not answered SELECT 1 for "
                                   f"{time.monotonic() - self._waiting_since:.0f} s")
                self._waiting = None
            kept = self._conn is not None
            try:
                self._ask()
            except NoAnswer:
                raise
            except Exception:
                if not kept:
                    raise
                self._ask()

    def _ask(self) -> None:
        conn, self._conn = self._conn, None
        answer: dict[str, Any] = {}
        done = threading.Event()

        def ask() -> None:
            nonlocal conn
            try:
                if conn is None:
                    conn = connect(self.conn_str, login_timeout_s=self.login_timeout_s,
                                   query_timeout_s=max(1, int(self.timeout_s)), autocommit=True)
                cursor = conn.cursor()
                try:
                    cursor.execute("SELECT 1").fetchall()
                finally:
                    cursor.close()
                answer["conn"] = conn
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                close_quietly(conn)
                answer["error"] = exc
            finally:
                if done.is_set():  # nobody waits any more: the answer came too late
                    close_quietly(answer.pop("conn", None))
                done.set()

        thread = threading.Thread(target=ask, name="billing-probe", daemon=True)
        thread.start()
        if not done.wait(self.timeout_s):
            done.set()
            self._waiting, self._waiting_since = thread, time.monotonic()
            raise NoAnswer(f"billing did not answer SELECT 1 within {self.timeout_s:g} s")
        if "error" in answer:
            raise answer["error"]
        self._conn = answer["conn"]

    def close(self) -> None:
        """Drop the kept connection (one still waiting for an answer is left to its thread)."""
        with self._lock:
            conn, self._conn = self._conn, None
            close_quietly(conn)
