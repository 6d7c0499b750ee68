"""PostgreSQL's fast path for bulk writes: COPY, straight into a table or through a staging table for upserts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Column, Connection, Table
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import psycopg


def _binder(column: Column[Any], dialect: Any) -> Callable[[Any, Any], Any] | None:
    """The column type's own bind conversion (scaled integers, UTC), or None when values pass as they are."""
    return column.type.process_bind_param if isinstance(column.type, TypeDecorator) else None


def _cursor(conn: Connection) -> psycopg.Cursor[tuple[Any, ...]]:
    """A cursor of the psycopg connection of this transaction (the DBAPI connection SQLAlchemy wraps)."""
    return cast("psycopg.Connection[tuple[Any, ...]]", conn.connection.driver_connection).cursor()


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Same effect as the multi-row INSERT ... ON CONFLICT DO UPDATE, several times faster in bulk."""
    columns = list(table.c)
    names = [c.name for c in columns]
    plain = [n for n, c in zip(names, columns, strict=False) if _binder(c, conn.dialect) is None]
    converted = [(n, bind) for n, c in zip(names, columns, strict=False)
                 if (bind := _binder(c, conn.dialect)) is not None]
    dialect = conn.dialect
    keys = [c.name for c in table.primary_key]
    stage = f"stage_{table.name}"
    cursor = _cursor(conn)
    try:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {stage}")
        order = plain + [n for n, _ in converted]
        with cursor.copy(f"COPY {stage} ({', '.join(order)}) FROM STDIN") as pipe:
            for row in rows:
                pipe.write_row([row[n] for n in plain] + [bind(row[n], dialect) for n, bind in converted])
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in keys)
        cursor.execute(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} FROM {stage}"  # nosec B608  # table and columns: SQLAlchemy Table declarations, rows through COPY
                       f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")
    finally:
        cursor.close()


def insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Same effect as a multi-row INSERT of rows whose keys the table does not hold (derived data just deleted)."""
    dialect = conn.dialect
    columns = [c for c in table.c if c.name in rows[0]]
    plain = [c.name for c in columns if _binder(c, dialect) is None]
    converted = [(c.name, bind) for c in columns if (bind := _binder(c, dialect)) is not None]
    order = plain + [n for n, _ in converted]
    cursor = _cursor(conn)
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(order)}) FROM STDIN") as pipe:
            for row in rows:
                pipe.write_row([row[n] for n in plain] + [bind(row[n], dialect) for n, bind in converted])
    finally:
        cursor.close()


def replace(conn: Connection, table: Table, owner: str, owners: Sequence[int], rows: Sequence[dict[str, Any]],
            floor: date | None = None) -> None:
    """Make the table's rows of these owners (from month ``floor`` on) equal ``rows``, writing only the
    rows that differ.

    Derived rows of a customer or a meter are recomputed in full, yet a new invoice or reading
    changes one or two of them: the others stay where they are (no DELETE, no COPY for them).
    Rows are compared as stored (after the column types' bind conversion).
    """
    dialect = conn.dialect
    columns = list(table.c)
    names = [c.name for c in columns]
    binders = [_binder(c, dialect) for c in columns]
    wanted = {tuple(row[n] if bind is None else bind(row[n], dialect) for n, bind in zip(names, binders, strict=False))
              for row in rows}
    keys = [(names.index(c.name), c.name, c.type.compile(dialect=dialect)) for c in table.primary_key]
    owner_type = table.c[owner].type.compile(dialect=dialect)
    cursor = _cursor(conn)
    try:
        since = "" if floor is None else " AND month >= %s"
        cursor.execute(f"SELECT {', '.join(names)} FROM {table.name} WHERE {owner} = ANY(%s::{owner_type}[]){since}",  # nosec B608  # table and columns: SQLAlchemy Table declarations, values bound
                       [list(owners)] + ([] if floor is None else [floor]))
        stored = set(cursor.fetchall())
        gone = stored - wanted  # rows no longer derived, and the old versions of changed ones
        if gone:
            arrays = ", ".join(f"%s::{kind}[]" for _, _, kind in keys)
            match = " AND ".join(f"t.{name} = g.{name}" for _, name, _ in keys)
            cursor.execute(f"DELETE FROM {table.name} t USING unnest({arrays}) AS g({', '.join(k[1] for k in keys)})"  # nosec B608  # table and columns: SQLAlchemy Table declarations, values bound
                           f" WHERE {match}", [[row[i] for row in gone] for i, _, _ in keys])
        came = wanted - stored
        if came:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as pipe:
                for row in came:
                    pipe.write_row(row)
    finally:
        cursor.close()
