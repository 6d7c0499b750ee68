"""Statements every part of the store builds alike: the dialect's INSERT with ON CONFLICT, upserts and
inserts that skip rows already there (COPY through a staging table for large upserts on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Row, Table

from adapters.store import copy

IN_CHUNK = 1000  # keys per IN (...) list
COPY_THRESHOLD = 2000  # rows from which COPY into a staging table beats multi-row INSERT on PostgreSQL


def insert_statement(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT that knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite
    return sqlite.insert(table)


def inserted_id(result: CursorResult[Any]) -> int:
    """The key of the row a single-row INSERT added (SQLAlchemy types the key row as optional: it is None
    only when no row was inserted)."""
    return int(cast("Row[Any]", result.inserted_primary_key)[0])


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, replacing the non-key columns of rows whose key exists."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        copy.upsert(conn, table, rows)
        return
    stmt = insert_statement(conn, table)
    keys = [c.name for c in table.primary_key]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys})
    conn.execute(stmt, list(rows))


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert_statement(conn, table).on_conflict_do_nothing(), list(rows))
