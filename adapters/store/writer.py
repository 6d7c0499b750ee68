"""Batched writes of canonical records: upserts by key, deletes, invoice lines, derived-data marks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from adapters.ports import Changes
from adapters.store import copy
from adapters.store.tables import MIRRORED, dirty_customers, dirty_meters, invoice_lines

IN_CHUNK = 1000
COPY_THRESHOLD = 2000  # rows from which COPY into a staging table beats multi-row INSERT on PostgreSQL

# Which derived data a changed row makes stale: (mark table, column of the mirrored table naming it).
OWNERS: dict[str, tuple[Table, str]] = {
    "customers": (dirty_customers, "id"),
    "contracts": (dirty_customers, "customer_id"),
    "invoices": (dirty_customers, "customer_id"),
    "settlements": (dirty_customers, "customer_id"),
    "payments": (dirty_customers, "customer_id"),
    "meters": (dirty_meters, "id"),
    "readings": (dirty_meters, "meter_id"),
}


def insert_statement(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT that knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


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


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start:start + IN_CHUNK]


def delete_keys(conn: Connection, table: Table, column: str, keys: Sequence[Any]) -> None:
    for chunk in _chunks(list(keys)):
        conn.execute(delete(table).where(table.c[column].in_(chunk)))


def row_of(record: tuple, row_hash: str) -> dict[str, Any]:
    row = record._asdict()  # type: ignore[attr-defined]
    row.pop("lines", None)
    row["row_hash"] = row_hash
    return row


def apply(conn: Connection, changes: Changes) -> None:
    """Write one batch's upserts and deletes, and mark the derived data they make stale."""
    table = MIRRORED[changes.entity]
    key = table.primary_key.columns.values()[0].name
    _mark_dirty(conn, changes, sorted(changes.existing) + list(changes.deletes))
    if changes.deletes:
        if changes.entity == "invoices":
            delete_keys(conn, invoice_lines, "invoice_id", changes.deletes)
        delete_keys(conn, table, key, changes.deletes)
    if changes.upserts:
        if changes.entity == "invoices" and changes.existing:  # billing rewrites all lines of a changed invoice
            delete_keys(conn, invoice_lines, "invoice_id", sorted(changes.existing))
        upsert(conn, table, [row_of(r, h) for r, h in zip(changes.upserts, changes.hashes)])
        if changes.entity == "invoices":
            lines = [line._asdict() for inv in changes.upserts for line in inv.lines]
            upsert(conn, invoice_lines, lines)


def _mark_dirty(conn: Connection, changes: Changes, stored: list[int]) -> None:
    """Mark the owners of the batch's rows, and the previous owners of rows the store held."""
    owner = OWNERS.get(changes.entity)
    if owner is None or not changes:
        return
    marks, column = owner
    table = MIRRORED[changes.entity]
    key = table.primary_key.columns.values()[0]
    ids: set[int] = {getattr(r, column) for r in changes.upserts}
    if column == key.name:
        ids.update(changes.deletes)
    else:  # a payment moved or deleted changes its old customer's balance too
        for chunk in _chunks(stored):
            ids.update(conn.execute(select(table.c[column]).where(key.in_(chunk))).scalars())
    mark = marks.primary_key.columns.values()[0].name
    insert_ignore(conn, marks, [{mark: i} for i in sorted(ids)])
