"""The reference billing adapter: bounded, keyset-ordered reads of the legacy schema over ODBC.

Reads run in autocommit (each batch its own short snapshot, no long transaction held open on
a production database); a transient driver error drops the connection, and the batch is
retried on a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pyodbc

from adapters.billing.entities import (
    ENTITIES,
    LINES_SELECT,
    QUOTED_DO,
    Entity,
    invoice_line,
)
from adapters.billing.odbc import Dialect, close_quietly, connect, dialect_of
from adapters.billing.quirks import stamp
from adapters.billing.retry import retrying
from adapters.ports import Position

T = TypeVar("T")
IN_CHUNK = 500  # keys per IN (...) list: well under every driver's parameter limit


def _decimal_text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("ascii")


class OdbcBillingSource:
    """A ``BillingSource`` for the vendor's "RW" schema on any ODBC driver we support."""

    def __init__(self, conn_str: str, *, timezone: str = "Europe/Warsaw", login_timeout_s: int = 10,
                 query_timeout_s: int = 120, retry_attempts: int = 6, retry_max_wait_s: float = 30.0,
                 stop: threading.Event | None = None) -> None:
        self.conn_str = conn_str
        self.tz = ZoneInfo(timezone)
        self.login_timeout_s = login_timeout_s
        self.query_timeout_s = query_timeout_s
        # With a stop event (the daemon's), a pause between tries ends when the process is asked to stop.
        self._retrying = retrying(attempts=retry_attempts, max_wait_s=retry_max_wait_s,
                                  on_retry=lambda _state: self.close(), stop=stop)
        self._conn: pyodbc.Connection | None = None
        self._dialect: Dialect | None = None

    @classmethod
    def from_settings(cls, settings: Any, stop: threading.Event | None = None) -> OdbcBillingSource:
        return cls(settings.billing_connection_string(), timezone=settings.billing.timezone,
                   login_timeout_s=settings.billing.connect_timeout_s,
                   query_timeout_s=settings.billing.query_timeout_s,
                   retry_attempts=settings.sync.retry_attempts, retry_max_wait_s=settings.sync.retry_max_wait_s,
                   stop=stop)

    # ----- connection ------------------------------------------------------------------------
    def _connection(self) -> pyodbc.Connection:
        if self._conn is None:
            self._conn = connect(self.conn_str, login_timeout_s=self.login_timeout_s,
                                 query_timeout_s=self.query_timeout_s, autocommit=True)
            self._dialect = dialect_of(self._conn)
            if self._dialect == "mariadb":
                # pyodbc's DECIMAL conversion leaks ~40 bytes a value with MariaDB Connector/ODBC
                # (measured: 12 MB per 288k values); as text, quirks.decimal makes it exact anyway.
                for sql_type in (pyodbc.SQL_DECIMAL, pyodbc.SQL_NUMERIC):
                    self._conn.add_output_converter(sql_type, _decimal_text)
        return self._conn

    @property
    def dialect(self) -> Dialect:
        self._connection()
        assert self._dialect is not None
        return self._dialect

    def close(self) -> None:
        conn, self._conn = self._conn, None
        close_quietly(conn)

    def _fetch(self, sql: str, *params: object) -> list[tuple]:
        def attempt() -> list[tuple]:
            cursor = self._connection().cursor()
            try:
                return [tuple(row) for row in cursor.execute(sql, *params).fetchall()]
            finally:
                cursor.close()
        return self._retry(attempt)

    def _retry(self, fn: Callable[[], T]) -> T:
        return self._retrying(fn)

    # ----- values ----------------------------------------------------------------------------
    def to_utc(self, value: object) -> datetime | None:
        """Billing's local wall-clock stamp as UTC; in the repeated autumn hour, the first pass."""
        local = stamp(value)
        return None if local is None else local.replace(tzinfo=self.tz).astimezone(UTC)

    def _stamp_param(self, value: datetime) -> object:
        # SQLite keeps DATETIME as 'YYYY-MM-DD HH:MM:SS' text and compares it as text.
        return value.strftime("%Y-%m-%d %H:%M:%S") if self.dialect == "sqlite" else value

    def _entity(self, name: str) -> Entity:
        return ENTITIES[name]

    def _map(self, entity: Entity, rows: list[tuple]) -> list[tuple]:
        records = [entity.map(row, self.to_utc) for row in rows]
        if entity.name == "invoices" and records:
            records = self._with_lines(records)
        return records

    def _with_lines(self, invoices: list[tuple]) -> list[tuple]:
        owners = {inv.id: inv.customer_id for inv in invoices}
        lines: dict[int, list[tuple]] = {inv_id: [] for inv_id in owners}
        ids = list(owners)
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start:start + IN_CHUNK]
            for row in self._fetch(LINES_SELECT.format(marks=", ".join("?" * len(chunk))), *chunk):
                lines[row[1]].append(invoice_line(row, owners[row[1]]))
        return [inv._replace(lines=tuple(lines[inv.id])) for inv in invoices]

    # ----- BillingSource ---------------------------------------------------------------------
    def signpost(self, entity: str) -> datetime | None:
        spec = self._entity(entity)
        rows = self._fetch(f"SELECT MAX(DATA_MOD) FROM {spec.table}")
        return stamp(rows[0][0]) if rows else None

    def changed(self, entity: str, lower: datetime | None, upper: datetime, after: Position | None,
                limit: int) -> list[tuple[Position, tuple]]:
        spec = self._entity(entity)
        where, params = ["t.DATA_MOD <= ?"], [self._stamp_param(upper)]
        if after is not None:
            where.append(f"(t.DATA_MOD > ? OR (t.DATA_MOD = ? AND t.{spec.key} > ?))")
            params += [self._stamp_param(after[0]), self._stamp_param(after[0]), after[1]]
        elif lower is not None:
            where.append("t.DATA_MOD >= ?")
            params.append(self._stamp_param(lower))
        # Every tracked entity's SELECT ends with the raw DATA_MOD: the keyset position in billing's terms.
        sql = (f"{spec.select(QUOTED_DO[self.dialect])} WHERE {' AND '.join(where)}"
               f" ORDER BY t.DATA_MOD, t.{spec.key} LIMIT ?")
        rows = self._fetch(sql, *params, limit)
        return [((stamp(row[-1]), row[0]), record) for row, record in zip(rows, self._map(spec, rows))]

    def snapshot(self, entity: str, after: int | None, limit: int) -> list[tuple]:
        spec = self._entity(entity)
        sql = (f"{spec.select(QUOTED_DO[self.dialect])} WHERE t.{spec.key} > ?"
               f" ORDER BY t.{spec.key} LIMIT ?")
        return self._map(spec, self._fetch(sql, -1 if after is None else after, limit))

    def keys(self, entity: str, after: int | None, limit: int) -> list[int]:
        spec = self._entity(entity)
        sql = f"SELECT {spec.key} FROM {spec.table} WHERE {spec.key} > ? ORDER BY {spec.key} LIMIT ?"
        return [row[0] for row in self._fetch(sql, -1 if after is None else after, limit)]

    def by_keys(self, entity: str, keys: Sequence[int]) -> list[tuple]:
        spec = self._entity(entity)
        found: list[tuple] = []
        keys = sorted(set(keys))
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start:start + IN_CHUNK]
            sql = (f"{spec.select(QUOTED_DO[self.dialect])} WHERE t.{spec.key} IN ({', '.join('?' * len(chunk))})"
                   f" ORDER BY t.{spec.key}")
            found += self._map(spec, self._fetch(sql, *chunk))
        return found

    def ping(self) -> None:
        """One round trip on a fresh connection, no retries: raises if billing cannot be reached."""
        self.close()
        cursor = self._connection().cursor()
        try:
            cursor.execute("SELECT 1").fetchall()
        finally:
            cursor.close()

    def customer_id(self, number: str) -> int | None:
        """Billing's key of the customer with this customer number (NR_KLIENTA), None if there is none."""
        rows = self._fetch("SELECT ID_ODB FROM ODBIORCY WHERE NR_KLIENTA = ?", number.strip())
        return int(rows[0][0]) if rows else None

    def customer_keys(self, entity: str, customer_id: int) -> list[int]:
        """Keys of the entity's rows that belong to this customer (ValueError for entities of nobody)."""
        spec = self._entity(entity)
        if spec.customer is None:
            raise ValueError(f"{entity} rows belong to no customer")
        sql = f"SELECT t.{spec.key} FROM {spec.table} t {spec.joins} WHERE {spec.customer} ORDER BY t.{spec.key}"
        return [int(row[0]) for row in self._fetch(sql, customer_id)]

    def oldest_after(self, entity: str, checkpoint: datetime) -> datetime | None:
        """The oldest change stamp after ``checkpoint``: the first change the checkpoint has not reached."""
        spec = self._entity(entity)
        rows = self._fetch(f"SELECT MIN(DATA_MOD) FROM {spec.table} WHERE DATA_MOD > ?",
                           self._stamp_param(checkpoint))
        return stamp(rows[0][0]) if rows else None

    def now_local(self) -> datetime:
        """Billing's wall-clock time now (for lag figures)."""
        return datetime.now(self.tz).replace(tzinfo=None, microsecond=0)
