"""What billing holds against its own rules, kept in the store for people to see: orphans and stamps ahead.

An orphan is a mirrored row whose parent (``records.PARENTS``) billing does not have: a reading of
an unknown meter, an invoice of an unknown customer. It is mirrored all the same, belongs to no
customer, and is listed here until its parent arrives or it goes. The list is kept up to date by
every batch (``track``) and recounted in full by every reconciliation (``recount``).

A stamp ahead is a change stamped later than billing's own clock (plus a tolerance): a script
run with a wrong clock. Such rows are mirrored, but the checkpoint does not follow them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, literal, null, or_, select

from adapters.ports import Changes, Orphan
from adapters.records import PARENTS
from adapters.store.statements import IN_CHUNK, insert_statement
from adapters.store.tables import MIRRORED, sync_anomalies
from adapters.store.types import UtcDateTime
from config.clock import utcnow

a = sync_anomalies.c
# Parent entity -> the (child entity, field) that name it.
CHILDREN: dict[str, list[tuple[str, str]]] = {}
for _child, _relations in PARENTS.items():
    for _field, _parent in _relations:
        CHILDREN.setdefault(_parent, []).append((_child, _field))


def _key(entity: str) -> Any:
    return MIRRORED[entity].primary_key.columns.values()[0]


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start:start + IN_CHUNK]


def _any(conn: Connection, *where: Any) -> bool:
    return conn.execute(select(literal(1)).where(*where).limit(1)).first() is not None


def _insert(conn: Connection, orphans: list[Orphan]) -> None:
    if not orphans:
        return
    now = utcnow()
    conn.execute(insert_statement(conn, sync_anomalies).on_conflict_do_nothing(), [
        {"stream": o.entity, "kind": "orphan", "row_key": o.key, "parent": o.parent, "parent_key": o.parent_key,
         "detail": None, "found_at": now} for o in orphans])


def _present(conn: Connection, entity: str, keys: set[int]) -> set[int]:
    key = _key(entity)
    found: set[int] = set()
    for chunk in _chunks(sorted(keys)):
        found.update(conn.execute(select(key).where(key.in_(chunk))).scalars())
    return found


def track(conn: Connection, changes: Changes) -> list[Orphan]:
    """Keep the orphans in step with one batch; the rows it leaves orphaned (new ones and old ones)."""
    entity, found = changes.entity, []
    written = [r[0] for r in changes.upserts]
    if entity in PARENTS:
        if _any(conn, a.stream == entity, a.kind == "orphan"):
            for chunk in _chunks(written + list(changes.deletes)):
                conn.execute(delete(sync_anomalies).where(a.stream == entity, a.kind == "orphan", a.row_key.in_(chunk)))
        for field, parent in PARENTS[entity]:
            named = {getattr(r, field) for r in changes.upserts} - {None}
            present = _present(conn, parent, named) if named else set()
            found += [Orphan(entity, r[0], parent, getattr(r, field)) for r in changes.upserts
                      if getattr(r, field) is not None and getattr(r, field) not in present]
    if entity in CHILDREN:
        if written and _any(conn, a.kind == "orphan", a.parent == entity):
            for chunk in _chunks(written):
                conn.execute(delete(sync_anomalies).where(a.kind == "orphan", a.parent == entity,
                                                          a.parent_key.in_(chunk)))
        for child, field in CHILDREN[entity] if changes.deletes else ():
            table, key = MIRRORED[child], _key(child)
            for chunk in _chunks(list(changes.deletes)):
                found += [Orphan(child, k, entity, p) for k, p in
                          conn.execute(select(key, table.c[field]).where(table.c[field].in_(chunk)))]
    _insert(conn, found)
    return found


def recount(conn: Connection, entity: str) -> int:
    """Make the entity's orphans exactly the rows whose parent the store lacks (found_at kept); how many."""
    if entity not in PARENTS:
        return 0
    table, key = MIRRORED[entity], _key(entity)
    now = utcnow()
    for field, parent in PARENTS[entity]:
        child, parent_key = table.c[field], _key(parent)
        conn.execute(delete(sync_anomalies).where(
            a.stream == entity, a.kind == "orphan", a.parent == parent,
            or_(~exists().where(and_(key == a.row_key, child == a.parent_key)),
                exists().where(parent_key == a.parent_key))))
        orphans = (select(literal(entity), literal("orphan"), key, literal(parent), child, null(),
                          literal(now, UtcDateTime()))
                   .where(child.is_not(None), ~exists().where(parent_key == child)))
        conn.execute(insert_statement(conn, sync_anomalies)
                     .from_select(["stream", "kind", "row_key", "parent", "parent_key", "detail", "found_at"], orphans)
                     .on_conflict_do_nothing())
    return conn.execute(select(func.count(func.distinct(a.row_key))).where(a.stream == entity, a.kind == "orphan")
                        ).scalar_one()


def replace(conn: Connection, stream: str, kind: str, rows: dict[int, str | None], parent: str = "",
            parent_keys: dict[int, int] | None = None) -> list[int]:
    """The stream's anomalies of a kind become ``rows`` (key -> detail; ``parent_keys``: key -> the key
    it names); those still there keep found_at. The keys that are new."""
    stored = set(conn.execute(select(a.row_key).where(a.stream == stream, a.kind == kind)).scalars())
    gone = sorted(stored - set(rows))
    for chunk in _chunks(gone):
        conn.execute(delete(sync_anomalies).where(a.stream == stream, a.kind == kind, a.row_key.in_(chunk)))
    now = utcnow()
    named = parent_keys or {}
    new: list[dict[str, Any]] = [
        {"stream": stream, "kind": kind, "row_key": k, "parent": parent, "parent_key": named.get(k),
         "detail": d, "found_at": now} for k, d in sorted(rows.items()) if k not in stored]
    if new:
        conn.execute(insert_statement(conn, sync_anomalies).on_conflict_do_nothing(), new)
    return [row["row_key"] for row in new]


def counts(conn: Connection) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(stream, kind) -> (rows, when the oldest of them was found)."""
    rows = conn.execute(select(a.stream, a.kind, func.count(func.distinct(a.row_key)), func.min(a.found_at))
                        .group_by(a.stream, a.kind))
    return {(stream, kind): (n, first) for stream, kind, n, first in rows}


def sample(conn: Connection, stream: str, kind: str, limit: int = 10) -> list[dict[str, Any]]:
    """The first anomalies of a stream and kind, by key: what a person looks up in billing."""
    return [dict(r) for r in conn.execute(
        select(a.row_key, a.parent, a.parent_key, a.detail, a.found_at)
        .where(a.stream == stream, a.kind == kind).order_by(a.row_key, a.parent).limit(limit)).mappings()]
