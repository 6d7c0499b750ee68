"""Which billing-database driver errors are worth another try, and the tenacity policy that retries them."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pyodbc
import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from config.logs import redact_text

log = structlog.get_logger(__name__)

# SQLSTATE classes and SQLSTATEs that mean "the same work may well succeed on a fresh try".
TRANSIENT_CLASSES = frozenset({"08"})  # connection exception: cannot connect, link failure, not open
TRANSIENT_SQLSTATES = frozenset({
    "HYT00", "HYT01",  # ODBC query / login timeout expired
    "40001",  # serialization failure; MariaDB reports its deadlock (1213) with it too
    "40P01",  # PostgreSQL: deadlock detected
    "55P03",  # PostgreSQL: lock_timeout expired
    "57014",  # PostgreSQL: statement_timeout, which is how odbc.set_query_timeout works there
    "57P01", "57P02", "57P03",  # PostgreSQL: admin/crash shutdown (pg_terminate_backend), cannot connect now
    "57P05", "25P03",  # PostgreSQL: idle (in transaction) session timeout closed the connection
    "53300",  # PostgreSQL: too many connections
})

# Drivers that use one catch-all SQLSTATE for many errors; pyodbc's own errors have none.
GENERIC_SQLSTATES = frozenset({"HY000", "HY018", "S1000", None})


@dataclass(frozen=True)
class GenericHints:
    """How one driver says "try again" under a generic SQLSTATE: native error codes, message fragments."""

    marker: str  # lower-case text that every message of the driver carries; "" for any message
    native_codes: frozenset[int] = frozenset()
    fragments: tuple[str, ...] = ()  # lower-case

    def matches(self, text: str, codes: frozenset[int]) -> bool:
        if self.marker not in text:
            return False
        return bool(self.native_codes & codes) or any(f in text for f in self.fragments)


GENERIC_TRANSIENT: dict[str, GenericHints] = {
    # MariaDB Connector/ODBC: lock wait 1205 and a wait_timeout disconnect (5014) come as HY000,
    # max_statement_time (1969) as HY018, cannot connect (2002/2003) as HY000.
    "mariadb": GenericHints(
        "[ma-",
        frozenset({1205, 1213, 1927, 1969, 2002, 2003, 2006, 2013, 2055, 4031, 5013, 5014}),
        ("server has gone away", "lost connection"),
    ),
    # psqlODBC tags its messages with nothing but the SQLSTATE.
    "postgresql": GenericHints("", fragments=(
        "server closed the connection unexpectedly",
        "terminating connection due to administrator command",
        "no connection to the server",
        "the connection has been lost",
        "due to the connection lost",
        "could not receive data from server",
        "could not send data to server",
    )),
    # SQLite3 ODBC reports everything as HY000; SQLITE_BUSY (5) and SQLITE_LOCKED (6) pass.
    "sqlite": GenericHints("[sqlite]", frozenset({5, 6}), ("database is locked", "database table is locked")),
    # pyodbc's own ProgrammingError without a SQLSTATE; a reconnect fixes it.
    "pyodbc": GenericHints("", fragments=(
        "attempt to use a closed connection", "the cursor's connection has been closed",
    )),
}

_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")
# pyodbc formats each diagnostic record as "[state] text (native) (SQLFunction)".
_NATIVE_CODE = re.compile(r"\((-?\d+)\) \(SQL\w+\)")


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a pyodbc error (``exc.args[0]``), or None when it has none."""
    if isinstance(exc, pyodbc.Error) and len(exc.args) >= 2:
        state = str(exc.args[0])
        if _SQLSTATE.match(state):
            return state
    return None


def error_text(exc: BaseException) -> str:
    """The driver's message without pyodbc's tuple wrapping."""
    if isinstance(exc, pyodbc.Error) and exc.args:
        return str(exc.args[-1])
    return str(exc)


def is_transient(exc: BaseException) -> bool:
    """True when the error says the connection, a timeout or lock contention failed the work, not the work itself."""
    if not isinstance(exc, pyodbc.Error):
        return False
    state = sqlstate(exc)
    if state is not None and (state[:2] in TRANSIENT_CLASSES or state in TRANSIENT_SQLSTATES):
        return True
    if state not in GENERIC_SQLSTATES:
        return False
    text = error_text(exc)
    codes = frozenset(int(code) for code in _NATIVE_CODE.findall(text))
    return any(hints.matches(text.lower(), codes) for hints in GENERIC_TRANSIENT.values())


class RetriesAbandoned(Exception):
    """Retrying stopped because the process is stopping, not because the error became permanent."""


def retrying(
    *,
    attempts: int = 5,
    max_wait_s: float = 30.0,
    multiplier: float = 0.5,
    on_retry: Callable[[RetryCallState], object] | None = None,
    stop: threading.Event | None = None,
) -> Retrying:
    """A tenacity policy for billing-database work; ``on_retry`` runs before each new try (to reconnect).

    With ``stop``, a set event ends the retries: no new try starts, and a pause is cut short by
    raising ``RetriesAbandoned`` (the process is shutting down; the caller's run ends there).
    """
    event = stop or threading.Event()

    def pause(seconds: float) -> None:
        if event.wait(seconds):
            raise RetriesAbandoned("stopped while waiting to retry a billing query")

    def before_sleep(retry_state: RetryCallState) -> None:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        log.warning(
            "billing_retry",
            attempt=retry_state.attempt_number,
            sqlstate=sqlstate(exc) if exc is not None else None,
            error=redact_text(error_text(exc)) if exc is not None else None,
            wait_s=round(retry_state.upcoming_sleep, 3),
        )
        if on_retry is not None:
            on_retry(retry_state)

    return Retrying(
        retry=retry_if_exception(lambda exc: is_transient(exc) and not event.is_set()),
        stop=stop_after_attempt(attempts),
        sleep=pause,
        wait=wait_random_exponential(multiplier=multiplier, max=max_wait_s),
        before_sleep=before_sleep,
        reraise=True,
    )
