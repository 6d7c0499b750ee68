"""Row counts and content checksums of every stand-in table, read back through ODBC."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pyodbc

from adapters.standin.schema import TABLES


def _canonical(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_checksum(conn: pyodbc.Connection, table: str, pk: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # nosec B608  # table and key: the stand-in's own schema, never input
    while rows := cur.fetchmany(5000):
        for row in rows:
            digest.update("\x1f".join(_canonical(v) for v in row).encode("utf-8"))
            digest.update(b"\x1e")
            count += 1
    return count, digest.hexdigest()


def database_checksums(conn: pyodbc.Connection) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256)} over every table of the schema, rows in primary-key order."""
    return {t.name: table_checksum(conn, t.name, t.pk) for t in TABLES}
