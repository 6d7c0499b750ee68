"""Batched writes of canonical records: upserts by key, deletes, invoice lines, derived-data marks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, case, delete, null, or_, select

from adapters.ports import Changes
from adapters.records import Invoice, Record
from adapters.store.mirror.derived import month_of
from adapters.store.statements import IN_CHUNK, insert_statement, upsert
from adapters.store.tables import MIRRORED, dirty_customers, dirty_meters, invoice_lines

# From when a mark's derived data is stale: every month, no month (the summary only), or a month.
ALL_MONTHS: Final[None] = None
NO_MONTHS = date.max


@dataclass(frozen=True)
class Stale:
    """Which derived data a changed row makes stale: whose (a mark table and the column naming the
    owner), and from which month on: that of a date column of the row, old version and new."""

    marks: Table
    owner: str
    month: str | None = None  # the date column; without one, ``otherwise`` applies
    otherwise: date | None = ALL_MONTHS


OWNERS: dict[str, Stale] = {
    "customers": Stale(dirty_customers, "id", otherwise=NO_MONTHS),  # a new customer needs its summary
    "contracts": Stale(dirty_customers, "customer_id"),  # which months a point counts for
    # from the month of issue (refresh reaches back to its period)
    "invoices": Stale(dirty_customers, "customer_id", "issued_on"),
    "settlements": Stale(dirty_customers, "customer_id", otherwise=NO_MONTHS),  # what is left to pay
    "payments": Stale(dirty_customers, "customer_id", otherwise=NO_MONTHS),  # the balance
    "meters": Stale(dirty_meters, "id"),  # main or sub-meter, point
    # from the reading's month (refresh reaches back to the one before)
    "readings": Stale(dirty_meters, "meter_id", "read_on"),
}


def earlier(a: date | None, b: date | None) -> date | None:
    """The earlier of two "stale since" months; None (every month) is earliest of all."""
    return None if a is None or b is None else min(a, b)


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start:start + IN_CHUNK]


def delete_keys(conn: Connection, table: Table, column: str, keys: Sequence[Any]) -> None:
    for chunk in _chunks(list(keys)):
        conn.execute(delete(table).where(table.c[column].in_(chunk)))


def row_of(record: tuple[Any, ...], row_hash: str, source_sum: int | None = None) -> dict[str, Any]:
    row = cast("Record", record)._asdict()  # a canonical record: a NamedTuple
    row.pop("lines", None)
    row["row_hash"] = row_hash
    row["source_sum"] = source_sum
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
        sums = changes.sums or [None] * len(changes.upserts)
        upsert(conn, table, [row_of(r, h, s) for r, h, s in zip(changes.upserts, changes.hashes, sums, strict=False)])
        if changes.entity == "invoices":
            lines = [line._asdict() for inv in cast("list[Invoice]", changes.upserts) for line in inv.lines]
            upsert(conn, invoice_lines, lines)


def _mark_dirty(conn: Connection, changes: Changes, stored: list[int]) -> None:
    """Mark the owners of the batch's rows, and the previous owners of rows the store held."""
    stale = OWNERS.get(changes.entity)
    if stale is None or not changes:
        return
    table = MIRRORED[changes.entity]
    key = table.primary_key.columns.values()[0]
    since: dict[int, date | None] = {}

    def note(owner: int | None, day: date | None) -> None:
        if owner is None:  # an orphan (a settlement of an invoice billing lacks): nobody's figures
            return
        month = stale.otherwise if stale.month is None else month_of(day)  # type: ignore[arg-type]
        since[owner] = earlier(since[owner], month) if owner in since else month

    for record in changes.upserts:
        note(getattr(record, stale.owner), getattr(record, stale.month) if stale.month else None)
    if stale.owner == key.name and stale.month is None:
        for owner in changes.deletes:
            note(owner, None)
    else:  # a payment moved or deleted changes its old customer's balance too; a reading, its old month
        columns = [table.c[stale.owner]] + ([table.c[stale.month]] if stale.month else [])
        for chunk in _chunks(stored):
            for row in conn.execute(select(*columns).where(key.in_(chunk))):
                note(row[0], row[1] if stale.month else None)
    mark(conn, stale.marks, since)


def mark(conn: Connection, marks: Table, since: dict[int, date | None]) -> None:
    """Add derived-data marks; an owner marked already keeps the earlier of the two months."""
    if not since:
        return
    owner = marks.primary_key.columns.values()[0].name
    stmt = insert_statement(conn, marks)
    old, new = marks.c.since, stmt.excluded.since
    stmt = stmt.on_conflict_do_update(index_elements=[owner], set_={
        "since": case((or_(old.is_(None), new.is_(None)), null()), (new < old, new), else_=old)})
    conn.execute(stmt, [{owner: o, "since": m} for o, m in sorted(since.items())])
