"""Writes to billing's IBOK_* interface tables, with the narrower account: insert once, read back by KLUCZ,
and compare what billing holds with what was sent.

Every statement runs in autocommit: one INSERT is one transaction, so a row is in billing or
not, and ``find`` tells which after a failure whose outcome we did not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pyodbc

from adapters.billing import quirks
from adapters.billing.odbc import Dialect, close_quietly, connect, dialect_of
from adapters.billing.retry import error_text, is_transient, sqlstate
from adapters.records import Delivery
from config.clock import utcnow

Failure = Literal["unreachable", "conflict", "transient", "permanent"]


class CannotConnect(Exception):
    """No connection to billing could be opened: nothing was sent, and nothing can be tried now."""


@dataclass(frozen=True)
class Target:
    table: str
    key: str  # the table's own id column
    columns: tuple[str, ...]  # after KLUCZ, before DATA_ZGLOSZENIA, STATUS, DATA_MOD
    values: Callable[[Delivery], tuple[Any, ...]]


TARGETS: dict[str, Target] = {
    "reading": Target("IBOK_ODCZYTY", "ID_ZGL", ("ID_WOD", "DATA_ODCZYTU", "STAN"),
                      lambda d: (d.meter_id, d.read_on, d.state)),
    "message": Target("IBOK_ZGLOSZENIA", "ID_ZGL", ("ID_ODB", "KATEGORIA", "TEMAT", "TRESC"),
                      lambda d: (d.customer_id, d.category, d.subject, d.body)),
    "change": Target("IBOK_ZMIANY", "ID_ZM", ("ID_ODB", "POLE", "WARTOSC"),
                     lambda d: (d.customer_id, d.field, d.value)),
}


def differences(kind: str, sent: tuple[Any, ...], stored: tuple[Any, ...]) -> list[str]:
    """What billing holds of a submission that is not what was sent, column by column (pure).

    Billing's values are taken at its quirks (padded CHARs, SQLite's text dates and REAL
    quantities); text must be equal character for character.
    """
    found = []
    for column, ours, theirs in zip(TARGETS[kind].columns, sent, stored, strict=False):
        if isinstance(ours, bool) or not isinstance(ours, (int, Decimal, date, str)):
            same = ours == theirs
        elif isinstance(ours, int):
            same = theirs is not None and int(theirs) == ours
        elif isinstance(ours, Decimal):
            same = quirks.decimal(theirs, max(0, -ours.as_tuple().exponent)) == ours  # type: ignore[operator]
        elif isinstance(ours, date):
            same = quirks.day(theirs) == ours
        else:
            theirs = quirks.text(theirs)
            same = theirs == ours
            if not same:
                at = next((i for i, (a, b) in enumerate(zip(ours, theirs or "", strict=False)) if a != b),
                          min(len(ours), len(theirs or "")))
                found.append(f"{column}: {len(ours)} characters sent, {len(theirs or '')} in billing, "
                             f"first difference at character {at + 1}")
                continue
        if not same:
            found.append(f"{column}: {ours!s} sent, {theirs!s} in billing")
    return found


def classify(exc: BaseException) -> Failure:
    """What a failed insert means: billing cannot be reached (nothing was sent), a row with this KLUCZ
    may exist (an integrity error: look), the connection or a lock failed (look, then try again),
    or billing refuses the row as it is."""
    if isinstance(exc, CannotConnect):
        return "unreachable"
    state = sqlstate(exc)
    if state is not None and state.startswith("23"):
        return "conflict"
    if is_transient(exc):
        return "transient"
    return "permanent"


class InterfaceWriter:
    """Inserts submissions into the interface tables and finds them again by KLUCZ."""

    def __init__(self, conn_str: str, *, timezone: str = "Europe/Warsaw", login_timeout_s: int = 10,
                 query_timeout_s: int = 30) -> None:
        self.conn_str = conn_str
        self.tz = ZoneInfo(timezone)
        self.login_timeout_s = login_timeout_s
        self.query_timeout_s = query_timeout_s
        self._conn: pyodbc.Connection | None = None
        self._dialect: Dialect | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> InterfaceWriter:
        return cls(settings.interface_connection_string(), timezone=settings.billing.timezone,
                   login_timeout_s=settings.billing.connect_timeout_s,
                   query_timeout_s=min(settings.billing.query_timeout_s or 30, 30))

    def _connection(self) -> pyodbc.Connection:
        if self._conn is None:
            try:
                self._conn = connect(self.conn_str, login_timeout_s=self.login_timeout_s,
                                     query_timeout_s=self.query_timeout_s, autocommit=True)
                self._dialect = dialect_of(self._conn)
            except pyodbc.Error as exc:
                self.close()
                raise CannotConnect(error_text(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        close_quietly(conn)

    def _param(self, value: Any) -> Any:
        """SQLite keeps dates, stamps and quantities as text; the servers take the typed values."""
        if self._dialect != "sqlite" or value is None:
            return value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value) if not isinstance(value, (int, str)) else value

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def insert(self, delivery: Delivery) -> None:
        """One new row (STATUS 'N') with the submission's id as KLUCZ; raises pyodbc.Error as the driver does."""
        target = TARGETS[delivery.kind]
        conn = self._connection()
        columns = ("KLUCZ", *target.columns, "DATA_ZGLOSZENIA", "STATUS", "DATA_MOD")
        values = (delivery.key, *target.values(delivery), self._local(delivery.submitted_at), "N",
                  self._local(utcnow()))
        sql = f"INSERT INTO {target.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # nosec B608  # table and columns from TARGETS, values bound as ?
        cursor = conn.cursor()
        try:
            cursor.execute(sql, *(self._param(v) for v in values))
        finally:
            cursor.close()

    def read(self, kind: str, key: str) -> tuple[Any, ...] | None:
        """The submission's columns as billing holds them under this KLUCZ (None: no such row)."""
        target = TARGETS[kind]
        cursor = self._connection().cursor()
        try:
            row = cursor.execute(f"SELECT {', '.join(target.columns)} FROM {target.table} WHERE KLUCZ = ?",  # nosec B608  # table and columns from TARGETS, the key bound as ?
                                 key).fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)

    def sent(self, delivery: Delivery) -> tuple[Any, ...]:
        """The values an insert of this delivery sends, in ``read``'s order."""
        return TARGETS[delivery.kind].values(delivery)

    def find(self, kind: str, key: str) -> int | None:
        """Billing's id of the row with this KLUCZ, None when there is none."""
        target = TARGETS[kind]
        cursor = self._connection().cursor()
        try:
            row = cursor.execute(f"SELECT {target.key} FROM {target.table} WHERE KLUCZ = ?", key).fetchone()  # nosec B608  # table and key column from TARGETS, the key bound as ?
        finally:
            cursor.close()
        return None if row is None else int(row[0])
