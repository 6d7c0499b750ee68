"""Bulk loading of generated rows through ODBC: multi-row INSERTs with bound parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyodbc

from adapters.billing.odbc import Dialect
from adapters.standin.ddl import ident
from adapters.standin.generator import ZERO_DATE, Batch
from adapters.standin.schema import BY_NAME, Column

# Bound parameters per statement stay well under every driver's limit (SQLite's 32766).
MAX_PARAMS = 20_000
MAX_ROWS_PER_STATEMENT = 1_000


def db_value(value: object, column: Column, dialect: Dialect) -> object:
    """A generated value as the vendor's database of ``dialect`` stores it."""
    if value is ZERO_DATE:
        return "0000-00-00" if dialect == "mariadb" else None
    if value is None:
        return None
    if column.base == "char" and isinstance(value, str):
        return value.ljust(column.length or 0)
    if dialect != "sqlite":
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value) if column.sqlite_text else float(value)
    return value


def insert_statement(table: str, rows: int, dialect: Dialect) -> str:
    cols = [ident(c, dialect) for c in BY_NAME[table].column_names]
    one = "(" + ", ".join("?" * len(cols)) + ")"
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES " + ", ".join([one] * rows)  # nosec B608  # table and columns: the stand-in's schema (BY_NAME), values bound


class BulkWriter:
    """Buffers rows per table and writes them in large parameterized INSERTs."""

    def __init__(self, conn: pyodbc.Connection, dialect: Dialect, commit_every: int = 100_000,
                 on_commit: Callable[[dict[str, int]], None] | None = None) -> None:
        self.conn = conn
        self.dialect = dialect
        self.cursor = conn.cursor()
        self.commit_every = commit_every
        self.on_commit = on_commit
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.counts: dict[str, int] = {}
        self._since_commit = 0

    def _chunk(self, table: str) -> int:
        ncols = len(BY_NAME[table].columns)
        return max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMS // ncols))

    def add(self, batch: Batch) -> None:
        for table, rows in batch.items():
            if not rows:
                continue
            buffer = self.buffers.setdefault(table, [])
            buffer.extend(rows)
            if len(buffer) >= self._chunk(table):
                self._flush(table, full_only=True)
        if self._since_commit >= self.commit_every:
            self.commit()

    def _flush(self, table: str, full_only: bool = False) -> None:
        buffer = self.buffers.get(table, [])
        chunk = self._chunk(table)
        columns = BY_NAME[table].columns
        statement = insert_statement(table, chunk, self.dialect)
        while buffer and (len(buffer) >= chunk or not full_only):
            part, buffer = buffer[:chunk], buffer[chunk:]
            sql = statement if len(part) == chunk else insert_statement(table, len(part), self.dialect)
            params = [db_value(v, c, self.dialect) for row in part for v, c in zip(row, columns, strict=False)]
            self.cursor.execute(sql, params)
            self.counts[table] = self.counts.get(table, 0) + len(part)
            self._since_commit += len(part)
        self.buffers[table] = buffer

    def commit(self) -> None:
        for table in list(self.buffers):
            self._flush(table)
        self.conn.commit()
        self._since_commit = 0
        if self.on_commit:
            self.on_commit(dict(self.counts))

    def load(self, batches: Iterable[Batch]) -> dict[str, int]:
        for batch in batches:
            self.add(batch)
        self.commit()
        return dict(self.counts)
