"""The reference billing adapter: bounded, keyset-ordered reads of the legacy schema over ODBC.

Reads run in autocommit (each batch its own short snapshot, no long transaction held open on
a production database); a transient driver error drops the connection, and the batch is
retried on a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import pyodbc

from adapters import records as r
from adapters.billing import checksums
from adapters.billing.entities import (
    ENTITIES,
    LINE_COLUMNS,
    LINES_SELECT,
    QUOTED_DO,
    Entity,
    Row,
    invoice_line,
)
from adapters.billing.interface import TARGETS
from adapters.billing.odbc import Dialect, close_quietly, connect, dialect_of
from adapters.billing.quirks import stamp
from adapters.billing.retry import retrying
from adapters.ports import Checksums, Position, Rows

T = TypeVar("T")
IN_CHUNK = 500  # keys per IN (...) list: well under every driver's parameter limit
# Billing's clock in UTC, so that neither the server's time zone setting nor ours matters.
_UTC_NOW = {"sqlite": "SELECT datetime('now')", "mariadb": "SELECT UTC_TIMESTAMP()",
            "postgresql": "SELECT now() AT TIME ZONE 'UTC'"}


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
        self._row_sums: dict[str, str | None] = {}  # each entity's checksum expression in this dialect

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

    def _fetch(self, sql: str, *params: object) -> list[Row]:
        def attempt() -> list[Row]:
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

    def _row_sum(self, spec: Entity) -> str | None:
        if spec.name not in self._row_sums:
            self._row_sums[spec.name] = checksums.row_sum(self.dialect, spec.column_list(QUOTED_DO[self.dialect]))
        return self._row_sums[spec.name]

    def _select(self, spec: Entity) -> str:
        """The entity's SELECT, with billing's checksum of each row as a last column where it has one."""
        return spec.select(QUOTED_DO[self.dialect], self._row_sum(spec))

    def _read(self, spec: Entity, sql: str, *params: object) -> tuple[list[Row], Rows[tuple[Any, ...]]]:
        """Raw rows of ``_select`` (without the checksum) and their records with billing's checksums."""
        rows, sums = self._fetch(sql, *params), {}
        if self._row_sum(spec) is not None:
            width = len(spec.column_list(""))
            sums = {row[0]: int(row[width]) for row in rows}
            rows = [row[:width] for row in rows]
        return rows, self._map(spec, rows, sums)

    def _map(self, entity: Entity, rows: list[Row], sums: dict[int, int]) -> Rows[tuple[Any, ...]]:
        records: Rows[tuple[Any, ...]] = Rows([entity.map(row, self.to_utc) for row in rows], sums)
        if entity.name == "invoices" and records:
            records = self._with_lines(cast(Rows[r.Invoice], records))  # what the invoices' mapper makes
        return records

    def _with_lines(self, invoices: Rows[r.Invoice]) -> Rows[tuple[Any, ...]]:
        """The invoices with their lines; an invoice's checksum covers its lines (each line's added)."""
        owners = {inv.id: inv.customer_id for inv in invoices}
        lines: dict[int, list[r.InvoiceLine]] = {inv_id: [] for inv_id in owners}
        sums = dict(invoices.sums)
        line_sum = checksums.row_sum(self.dialect, LINE_COLUMNS)
        ids = list(owners)
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start:start + IN_CHUNK]
            sql = LINES_SELECT.format(marks=", ".join("?" * len(chunk)), extra=f", {line_sum}" if line_sum else "")
            for row in self._fetch(sql, *chunk):
                lines[row[1]].append(invoice_line(row, owners[row[1]]))
                if line_sum:
                    sums[row[1]] += int(row[len(LINE_COLUMNS)])
        return Rows((inv._replace(lines=tuple(lines[inv.id])) for inv in invoices), sums)

    # ----- BillingSource ---------------------------------------------------------------------
    def signpost(self, entity: str) -> datetime | None:
        spec = self._entity(entity)
        rows = self._fetch(f"SELECT MAX(DATA_MOD) FROM {spec.table}")  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
        return stamp(rows[0][0]) if rows else None

    def now_local(self) -> datetime:
        """Billing's wall-clock time now, by the billing server's own clock (asked in UTC, so that the
        server's time zone setting does not matter)."""
        rows = self._fetch(_UTC_NOW[self.dialect])
        now = stamp(rows[0][0])
        assert now is not None
        return now.replace(tzinfo=UTC).astimezone(self.tz).replace(tzinfo=None)

    def changed(self, entity: str, lower: datetime | None, upper: datetime, after: Position | None,
                limit: int) -> Rows[tuple[Position, tuple[Any, ...]]]:
        spec = self._entity(entity)
        where, params = ["t.DATA_MOD <= ?"], [self._stamp_param(upper)]
        if after is not None:
            where.append(f"(t.DATA_MOD > ? OR (t.DATA_MOD = ? AND t.{spec.key} > ?))")
            params += [self._stamp_param(after[0]), self._stamp_param(after[0]), after[1]]
        elif lower is not None:
            where.append("t.DATA_MOD >= ?")
            params.append(self._stamp_param(lower))
        # Every tracked entity's SELECT ends with the raw DATA_MOD: the keyset position in billing's terms.
        sql = f"{self._select(spec)} WHERE {' AND '.join(where)} ORDER BY t.DATA_MOD, t.{spec.key} LIMIT ?"
        rows, records = self._read(spec, sql, *params, limit)
        # DATA_MOD is NOT NULL: its stamp is never None (pyodbc's values are untyped, the schema is the guarantee).
        return Rows((((cast(datetime, stamp(row[-1])), row[0]), record)
                     for row, record in zip(rows, records, strict=False)), records.sums)

    def snapshot(self, entity: str, after: int | None, limit: int, upto: int | None = None) -> Rows[tuple[Any, ...]]:
        spec = self._entity(entity)
        where, params = f"t.{spec.key} > ?", [-1 if after is None else after]
        if upto is not None:
            where, params = f"{where} AND t.{spec.key} <= ?", [*params, upto]
        return self._read(spec, f"{self._select(spec)} WHERE {where} ORDER BY t.{spec.key} LIMIT ?",
                          *params, limit)[1]

    def by_keys(self, entity: str, keys: Sequence[int]) -> Rows[tuple[Any, ...]]:
        spec = self._entity(entity)
        found: Rows[tuple[Any, ...]] = Rows()
        keys = sorted(set(keys))
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start:start + IN_CHUNK]
            sql = f"{self._select(spec)} WHERE t.{spec.key} IN ({', '.join('?' * len(chunk))}) ORDER BY t.{spec.key}"
            records = self._read(spec, sql, *chunk)[1]
            found.extend(records)
            found.sums.update(records.sums)
        return found

    def bounds(self, entity: str) -> tuple[int, int] | None:
        spec = self._entity(entity)
        low, high = self._fetch(f"SELECT MIN({spec.key}), MAX({spec.key}) FROM {spec.table}")[0]  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
        return None if low is None else (int(low), int(high))

    def key_at(self, entity: str, after: int | None, offset: int) -> int | None:
        spec = self._entity(entity)
        rows = self._fetch(f"SELECT {spec.key} FROM {spec.table} WHERE {spec.key} > ? ORDER BY {spec.key}"  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
                           " LIMIT 1 OFFSET ?", -1 if after is None else after, offset - 1)
        return int(rows[0][0]) if rows else None

    def checksums(self, entity: str, lower: int, upper: int, width: int) -> Checksums | None:
        """Row counts and checksum sums by bucket, read by the primary key's range (an invoice's lines,
        by the index on their invoice, count in its checksum)."""
        spec = self._entity(entity)
        row_sum = self._row_sum(spec)
        if row_sum is None:
            return None
        bucket = checksums.bucket(self.dialect, f"t.{spec.key}")
        found = {int(b): (int(n), int(total)) for b, n, total in self._fetch(
            f"SELECT {bucket}, COUNT(*), SUM({row_sum}) FROM {spec.table} t {spec.joins}"  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
            f" WHERE t.{spec.key} BETWEEN ? AND ? GROUP BY 1", lower, width, lower, upper)}
        if entity == "invoices":
            line_sum = checksums.row_sum(self.dialect, LINE_COLUMNS)
            for b, total in self._fetch(
                    f"SELECT {checksums.bucket(self.dialect, 'p.ID_FAKT')}, SUM({line_sum}) FROM POZYCJE_FAKTURY p"  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
                    " WHERE p.ID_FAKT BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM FAKTURY f WHERE f.ID_FAKT = p.ID_FAKT)"
                    " GROUP BY 1", lower, width, lower, upper):
                rows, sums = found[int(b)]
                found[int(b)] = (rows, sums + int(total))
        return found

    def interface_rows(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """KLUCZ -> the submission's columns as billing's interface table holds them (``interface.TARGETS``)."""
        target = TARGETS[kind]
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(keys), IN_CHUNK):
            chunk = list(keys[start:start + IN_CHUNK])
            for row in self._fetch(f"SELECT KLUCZ, {', '.join(target.columns)} FROM {target.table}"  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
                                   f" WHERE KLUCZ IN ({', '.join('?' * len(chunk))})", *chunk):
                found[str(row[0]).strip()] = tuple(row[1:])
        return found

    def orphan_lines(self, limit: int) -> list[tuple[int, int]]:
        """(line, invoice) keys of the first invoice lines whose invoice billing does not have."""
        return [(int(line), int(invoice)) for line, invoice in self._fetch(
            "SELECT p.ID_POZ, p.ID_FAKT FROM POZYCJE_FAKTURY p"
            " WHERE NOT EXISTS (SELECT 1 FROM FAKTURY f WHERE f.ID_FAKT = p.ID_FAKT) ORDER BY p.ID_POZ LIMIT ?", limit)]

    def customer_id(self, number: str) -> int | None:
        """Billing's key of the customer with this customer number (NR_KLIENTA), None if there is none."""
        rows = self._fetch("SELECT ID_ODB FROM ODBIORCY WHERE NR_KLIENTA = ?", number.strip())
        return int(rows[0][0]) if rows else None

    def customer_keys(self, entity: str, customer_id: int) -> list[int]:
        """Keys of the entity's rows that belong to this customer (ValueError for entities of nobody)."""
        spec = self._entity(entity)
        if spec.customer is None:
            raise ValueError(f"{entity} rows belong to no customer")
        sql = f"SELECT t.{spec.key} FROM {spec.table} t {spec.joins} WHERE {spec.customer} ORDER BY t.{spec.key}"  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
        return [int(row[0]) for row in self._fetch(sql, customer_id)]

    def oldest_after(self, entity: str, checkpoint: datetime) -> datetime | None:
        """The oldest change stamp after ``checkpoint``: the first change the checkpoint has not reached."""
        spec = self._entity(entity)
        rows = self._fetch(f"SELECT MIN(DATA_MOD) FROM {spec.table} WHERE DATA_MOD > ?",  # nosec B608  # identifiers from the ENTITIES declarations, values bound as ?
                           self._stamp_param(checkpoint))
        return stamp(rows[0][0]) if rows else None
