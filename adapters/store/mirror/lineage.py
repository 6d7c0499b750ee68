"""Rows that move to another parent take along what hangs from them, in the transaction that moves them.

Billing moves a meter to another point, or gives a contract (a point) or an invoice to another
customer, by changing one column, often with no change stamp. Billing's own joins then give the
meter's readings the new point and the invoice's settlement the new customer at once; the store
must do the same before anyone reads it, or the previous customer's pages would go on showing a
meter, its readings and its consumption that billing now gives to someone else. So in the same
transaction the children take the new parent's value (``records.INHERITED``) and the derived data
of the meters and customers on both sides is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Connection, select

from adapters.ports import Changes
from adapters.records import INHERITED, Record, row_digest
from adapters.store.mirror import reader, refresh, writer
from adapters.store.statements import IN_CHUNK, upsert
from adapters.store.tables import MIRRORED, contracts

# The fields whose change moves a row to another parent, of the entities that have such fields.
MOVABLE: dict[str, tuple[str, ...]] = {
    "meters": ("point_id",),
    "contracts": ("customer_id", "point_id"),
    "invoices": ("customer_id",),
}

Moves = dict[int, dict[str, tuple[Any, Any]]]  # key -> field -> (old value, new value)


def moves(conn: Connection, changes: Changes) -> Moves:
    """The rows of the batch the store holds already whose parent changes, read before they are written."""
    fields = MOVABLE.get(changes.entity)
    if not fields or not changes.existing:
        return {}
    new = {r[0]: r for r in changes.upserts if r[0] in changes.existing}
    found: Moves = {}
    for field in fields:
        for key, old in reader.values(conn, changes.entity, field, sorted(new)).items():
            value = getattr(new[key], field)
            if old != value:
                found.setdefault(key, {})[field] = (old, value)
    return found


def carry(conn: Connection, entity: str, moved: Moves) -> None:
    """Children follow their moved parents; the derived data of both sides is recomputed now."""
    if not moved:
        return
    for child, (field, parent, link) in INHERITED.items():
        if parent == entity:
            _follow(conn, child, field, link, {k: f[field][1] for k, f in moved.items() if field in f})
    customers = {c for fields in moved.values() for c in fields.get("customer_id", ())}
    points = {p for fields in moved.values() for p in fields.get("point_id", ())}
    if entity == "meters":
        refresh.refresh_meters(conn, [(meter, None) for meter in sorted(moved)])
    if points:  # whoever held a point on either side, then or now
        customers.update(conn.execute(select(contracts.c.customer_id).where(contracts.c.point_id.in_(points)))
                         .scalars())
    customers.discard(None)
    if customers:
        refresh.refresh_customers(conn, [(c, None) for c in sorted(customers)])


def _follow(conn: Connection, child: str, field: str, link: str, parents: Mapping[int, Any]) -> None:
    """The children of these parents take the parents' new ``field``; the store no longer knows billing's
    checksum of them (billing's join changed it), so the next reconciliation compares their rows."""
    if not parents:
        return
    table = MIRRORED[child]
    keys = sorted(parents)
    for start in range(0, len(keys), IN_CHUNK):
        rows = []
        for record, _digest in reader.rebuild(conn, child, table.c[link].in_(keys[start:start + IN_CHUNK])):
            moved = cast("Record", record)._replace(**{field: parents[getattr(record, link)]})
            rows.append(writer.row_of(moved, row_digest(moved, None)))
        upsert(conn, table, rows)
