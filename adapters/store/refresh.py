"""Recomputing derived data for the customers and meters a sync batch marked stale.

A mark names the first month whose figures are stale: a new invoice or reading makes its own
month stale, not the five years before it, so only those monthly rows are recomputed. Sums over
all of a customer's history (the balance) are left to the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    false,
    func,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.store import copy, derived
from adapters.store.state import utcnow
from adapters.store.tables import (
    contracts,
    customer_months,
    customer_summaries,
    dirty_customers,
    dirty_meters,
    invoices,
    meter_months,
    meters,
    payments,
    readings,
    settlements,
)
from adapters.store.writer import NO_MONTHS, earlier, mark

COPY_THRESHOLD = 100  # rows from which a plain COPY beats a multi-row INSERT (no staging table here)


Marks = list[tuple[int, date | None]]  # (owner, stale since: a month, None for every month)


def _claim(conn: Connection, marks: Table, limit: int) -> Marks:
    """Marks this transaction refreshes; on PostgreSQL locked, so that two runners take different ones.

    (A daemon and an operator's `ibok sync run` may refresh at once; SQLite has one writer anyway.)
    Taken by month, so that a chunk holds marks alike: its floor (see ``_floor``) stays recent.
    """
    owner, since = marks.primary_key.columns.values()[0], marks.c.since
    query = select(owner, since).order_by(since.desc().nulls_last(), owner).limit(limit)
    return [(o, s) for o, s in conn.execute(query.with_for_update(skip_locked=True))]


def pending_meters(conn: Connection, limit: int) -> Marks:
    return _claim(conn, dirty_meters, limit)


def pending_customers(conn: Connection, limit: int) -> Marks:
    return _claim(conn, dirty_customers, limit)


def _floor(marks: Marks) -> date | None:
    """The earliest stale month of a chunk (None: every month): all its owners are recomputed from there."""
    floor: date | None = NO_MONTHS
    for _, since in marks:
        floor = earlier(floor, since)
    return floor


def _from(column: Any, floor: date | None) -> Any:
    """``column >= floor``, or no condition when every month is stale."""
    return true() if floor is None else column >= floor


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows of derived data whose keys were just deleted; COPY on PostgreSQL when there are many."""
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        copy.insert(conn, table, rows)
    elif rows:
        conn.execute(table.insert(), rows)


def _replace(conn: Connection, table: Table, owner: str, owners: Sequence[int], rows: list[dict[str, Any]],
             floor: date | None) -> None:
    """The monthly rows of these owners from ``floor`` on become ``rows``; on PostgreSQL only the rows
    that differ are written."""
    if conn.dialect.name == "postgresql":
        copy.replace(conn, table, owner, owners, rows, floor)
        return
    conn.execute(delete(table).where(and_(table.c[owner].in_(owners), _from(table.c.month, floor))))
    if rows:
        conn.execute(table.insert(), rows)


def _by_index(conn: Connection) -> None:
    """Every lookup here goes by an indexed owner key (customer, meter, point); say so to PostgreSQL.

    Without planner statistics (a store just bulk-loaded, autovacuum behind or off) it takes a
    few hundred keys in IN (...) for a large part of the table and scans all of it; measured on
    the large stand-in: refreshes 3x slower. For this transaction only.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL jit = off")  # those guesses also cost a JIT compilation per query


def _among(conn: Connection, column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``= ANY`` of one array parameter.

    Hundreds of separate parameters cost more to render, parse and bind than the lookup itself.
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def refresh_meters(conn: Connection, marks: Marks) -> None:
    """Monthly consumption of these meters; the customers holding their points become stale."""
    _by_index(conn)
    meter_ids, floor = [m for m, _ in marks], _floor(marks)
    r = readings.c
    rows = conn.execute(select(r.meter_id, r.point_id, r.read_on, r.consumption)
                        .where(and_(_among(conn, r.meter_id, meter_ids), _from(r.read_on, floor)))
                        .order_by(r.meter_id, r.read_on)).all()
    _replace(conn, meter_months, "meter_id", meter_ids, derived.meter_months(rows), floor)
    points = {p for p, in conn.execute(select(meters.c.point_id).where(_among(conn, meters.c.id, meter_ids)))}
    points |= {row[1] for row in rows}
    if points:
        holders = conn.execute(select(contracts.c.customer_id).distinct()
                               .where(_among(conn, contracts.c.point_id, points)))
        mark(conn, dirty_customers, {c: floor for c, in holders})
    conn.execute(delete(dirty_meters).where(_among(conn, dirty_meters.c.meter_id, meter_ids)))


def refresh_customers(conn: Connection, marks: Marks) -> None:
    """Summary (balance, next due, legalization, last reading) and monthly figures of these customers."""
    _by_index(conn)
    customer_ids, floor = [c for c, _ in marks], _floor(marks)
    i, p, s, c, m = invoices.c, payments.c, settlements.c, contracts.c, meters.c
    # Whole-history sums in the database: (customer, sum of gross not cancelled, False) as if one invoice.
    invoiced = conn.execute(select(i.customer_id, func.sum(i.gross), false())
                            .where(and_(_among(conn, i.customer_id, customer_ids), i.cancelled.is_(False)))
                            .group_by(i.customer_id)).all()
    payment_rows = conn.execute(select(p.customer_id, func.sum(p.amount))
                                .where(_among(conn, p.customer_id, customer_ids)).group_by(p.customer_id)).all()
    invoice_rows = [] if floor == NO_MONTHS else conn.execute(
        select(i.customer_id, i.issued_on, i.gross, i.cancelled)
        .where(and_(_among(conn, i.customer_id, customer_ids), _from(i.issued_on, floor)))).all()
    open_rows = conn.execute(
        select(i.customer_id, i.due_on, s.remaining).join_from(settlements, invoices, s.invoice_id == i.id)
        .where(and_(_among(conn, i.customer_id, customer_ids), i.cancelled.is_(False), s.remaining > 0))).all()
    holdings = conn.execute(select(c.customer_id, c.point_id, c.starts_on, c.ends_on, c.active)
                            .where(_among(conn, c.customer_id, customer_ids))).all()
    active_points: dict[int, set[int]] = {}
    for customer_id, point_id, _start, _end, active in holdings:
        if active:
            active_points.setdefault(point_id, set()).add(customer_id)
    points = {h[1] for h in holdings}
    legalizations, last_readings, month_rows = [], [], []
    if active_points:
        for point_id, valid_until in conn.execute(
                select(m.point_id, m.legalization_valid_until)
                .where(and_(_among(conn, m.point_id, active_points), m.dismounted_on.is_(None)))):
            legalizations += [(customer_id, valid_until) for customer_id in active_points[point_id]]
    if points:
        # One pass over the readings of every point held, by its index: the last reading of each
        # point, and the meters read there. Monthly figures are made of those readings, so the
        # main meters read at a point or standing there lead to its meter_months rows through
        # their key (meter_months has no index by point).
        r, mm = readings.c, meter_months.c
        last: dict[int, Any] = {}
        read_meters: set[int] = set()
        for point_id, meter_id, read_on in conn.execute(select(r.point_id, r.meter_id, func.max(r.read_on))
                                                        .where(_among(conn, r.point_id, points))
                                                        .group_by(r.point_id, r.meter_id)):
            read_meters.add(meter_id)
            if point_id in active_points and (point_id not in last or read_on > last[point_id]):
                last[point_id] = read_on
        for point_id, read_on in last.items():
            last_readings += [(customer_id, read_on) for customer_id in active_points[point_id]]
        main: set[int] = set()
        for meter_id, is_main in conn.execute(select(m.id, m.main).where(_among(conn, m.point_id, points))):
            read_meters.discard(meter_id)
            if is_main:
                main.add(meter_id)
        if read_meters:  # read at these points, standing elsewhere now
            main.update(conn.execute(select(m.id).where(and_(_among(conn, m.id, read_meters),
                                                             m.main.is_(True)))).scalars())
        if floor != NO_MONTHS and main:
            month_rows = conn.execute(select(mm.point_id, mm.month, mm.consumption)
                                      .where(and_(_among(conn, mm.meter_id, sorted(main)),
                                                  _among(conn, mm.point_id, points), _from(mm.month, floor)))).all()

    conn.execute(delete(customer_summaries).where(_among(conn, customer_summaries.c.customer_id, customer_ids)))
    _insert(conn, customer_summaries, derived.customer_summaries(
        customer_ids, invoiced, payment_rows, open_rows, legalizations, last_readings, utcnow()))
    if floor != NO_MONTHS:
        _replace(conn, customer_months, "customer_id", customer_ids,
                 derived.customer_months(invoice_rows, [h[:4] for h in holdings], month_rows), floor)
    conn.execute(delete(dirty_customers).where(_among(conn, dirty_customers.c.customer_id, customer_ids)))
