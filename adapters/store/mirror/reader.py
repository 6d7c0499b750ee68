"""Reads the sync needs from the store: row hashes and keys by range, and records rebuilt for verify."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, and_, func, select

from adapters.records import ENTITIES, Invoice, InvoiceLine, Record
from adapters.store.statements import IN_CHUNK
from adapters.store.tables import MIRRORED, contracts, customer_summaries, invoice_lines, invoices, payments


def _key(entity: str) -> Column[Any]:
    return MIRRORED[entity].primary_key.columns.values()[0]


def _between(entity: str, after: int | None, upto: int | None) -> list[ColumnElement[bool]]:
    key = _key(entity)
    clauses: list[ColumnElement[bool]] = []
    if after is not None:
        clauses.append(key > after)
    if upto is not None:
        clauses.append(key <= upto)
    return clauses


def hashes(conn: Connection, entity: str, keys: Iterable[int]) -> dict[int, str]:
    table, key = MIRRORED[entity], _key(entity)
    keys = list(keys)
    found: dict[int, str] = {}
    for start in range(0, len(keys), IN_CHUNK):
        rows = conn.execute(select(key, table.c.row_hash).where(key.in_(keys[start:start + IN_CHUNK])))
        found.update((k, h) for k, h in rows)
    return found


def customer_keys(conn: Connection, entity: str, customer_id: int) -> set[int]:
    """Keys of the rows the store gives this customer: by its column, or through the points it holds."""
    table, key = MIRRORED[entity], _key(entity)
    held = select(contracts.c.point_id).where(contracts.c.customer_id == customer_id)
    if entity == "customers":
        where = key == customer_id
    elif "customer_id" in table.c:
        where = table.c.customer_id == customer_id
    elif entity == "points":
        where = key.in_(held)
    elif "point_id" in table.c:
        where = table.c.point_id.in_(held)
    else:
        raise ValueError(f"{entity} rows belong to no customer")
    return set(conn.execute(select(key).where(where)).scalars())


def hashes_between(conn: Connection, entity: str, after: int | None, upto: int | None) -> dict[int, str]:
    table, key = MIRRORED[entity], _key(entity)
    return dict(conn.execute(select(key, table.c.row_hash).where(and_(True, *_between(entity, after, upto)))).all())


def values(conn: Connection, entity: str, field: str, keys: Iterable[int]) -> dict[int, Any]:
    """One column of the rows with these keys (rows the store lacks are absent)."""
    table, key = MIRRORED[entity], _key(entity)
    keys = list(keys)
    found: dict[int, Any] = {}
    for start in range(0, len(keys), IN_CHUNK):
        found.update(conn.execute(select(key, table.c[field]).where(key.in_(keys[start:start + IN_CHUNK]))).all())
    return found


def rebuild(conn: Connection, entity: str, where: Any, limit: int | None = None) -> list[tuple[tuple[Any, ...], str]]:
    """Stored rows rebuilt as canonical records, with their digests, in key order."""
    table, key = MIRRORED[entity], _key(entity)
    record_type: type[Record] = ENTITIES[entity]
    fields = [f for f in record_type._fields if f != "lines"]
    rows = conn.execute(select(*[table.c[f] for f in fields], table.c.row_hash).where(where).order_by(key)
                        .limit(limit)).all()
    if entity != "invoices":
        return [(record_type(*row[:-1]), row[-1]) for row in rows]
    lines: dict[int, tuple[InvoiceLine, ...]] = {}
    if rows:
        line_rows = conn.execute(
            select(*[invoice_lines.c[f] for f in InvoiceLine._fields])
            .where(and_(invoice_lines.c.invoice_id >= rows[0][0], invoice_lines.c.invoice_id <= rows[-1][0]))
            .order_by(invoice_lines.c.invoice_id, invoice_lines.c.position, invoice_lines.c.id)).all()
        lines = {inv: tuple(InvoiceLine(*r) for r in group) for inv, group in groupby(line_rows, key=lambda r: r[1])}
    return [(Invoice._make((*row[:-1], lines.get(row[0], ()))), row[-1]) for row in rows]


def rows_between(conn: Connection, entity: str, after: int | None, upto: int | None,
                 limit: int) -> list[tuple[tuple[Any, ...], str]]:
    """Stored rows with keys after ``after`` and up to ``upto`` as (record, digest), in key order."""
    return rebuild(conn, entity, and_(True, *_between(entity, after, upto)), limit)


def bounds(conn: Connection, entity: str) -> tuple[int, int] | None:
    key = _key(entity)
    low, high = conn.execute(select(func.min(key), func.max(key))).one()
    return None if low is None else (low, high)


def checksums(conn: Connection, entity: str, lower: int, upper: int, width: int) -> dict[int, tuple[int, int, int]]:
    """By bucket of ``width`` keys from ``lower`` (keys ``lower``..``upper``): rows, the sum of billing's
    checksums the store keeps, and rows whose checksum it does not know."""
    table, key = MIRRORED[entity], _key(entity)
    bucket = ((key - lower) // width).label("bucket")
    rows = conn.execute(select(bucket, func.count(), func.coalesce(func.sum(table.c.source_sum), 0),
                               func.count() - func.count(table.c.source_sum))
                        .where(key.between(lower, upper)).group_by(bucket))
    return {int(b): (int(n), int(total), int(unknown)) for b, n, total, unknown in rows}


def totals(conn: Connection) -> tuple[dict[int, Any], dict[int, Any]]:
    """Billing's balance formula over the mirrored rows: (Σ gross of invoices not cancelled, Σ payments) by customer."""
    i, p = invoices.c, payments.c
    invoiced = dict(conn.execute(select(i.customer_id, func.sum(i.gross)).where(i.cancelled.is_(False))
                                 .group_by(i.customer_id)).all())
    return invoiced, dict(conn.execute(select(p.customer_id, func.sum(p.amount)).group_by(p.customer_id)).all())


def balances_after(conn: Connection, after: int | None, limit: int) -> list[tuple[Any, ...]]:
    """(customer id, balance) from the derived summaries, in customer order."""
    s = customer_summaries.c
    query = select(s.customer_id, s.balance).order_by(s.customer_id).limit(limit)
    if after is not None:
        query = query.where(s.customer_id > after)
    return [tuple(r) for r in conn.execute(query)]
