"""Recomputing derived data for the customers and meters a sync batch marked stale.

A mark names the first month whose figures are stale: a new invoice or reading makes its own
month stale, not the five years before it, so only those monthly rows are recomputed. Sums over
all of a customer's history (the balance) are left to the database.

A reading's consumption and an invoice's charges are spread over the days they cover (see
``derived``), which begin before the month marked: the day after the meter's previous reading,
the first day of the billing period. So each owner's floor moves back to the first month those
days reach (``_reading_groups``, ``_charges_groups``) before anything is recomputed, and an
incremental refresh gives what a full one gives. Owners whose floors lie close together are
recomputed together from the earliest (``_grouped``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.store import copy
from adapters.store.mirror import derived
from adapters.store.mirror.writer import ALL_MONTHS, NO_MONTHS, earlier, mark
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
from config.clock import utcnow

COPY_THRESHOLD = 100  # rows from which a plain COPY beats a multi-row INSERT (no staging table here)
GROUP_MONTHS = 12  # owners stale from within a year of each other are recomputed from the same month


Marks = list[tuple[int, date | None]]  # (owner, stale since: a month, None for every month)
Groups = dict[date | None, list[int]]  # owners by the month they are recomputed from (None: every month)
_Month = TypeVar("_Month", bound=date | None)


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
    """The earliest stale month of a chunk (None: every month): each owner is recomputed from there or before."""
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


def _starts(groups: Groups) -> dict[int, date | None]:
    """Each owner's month it is recomputed from."""
    return {owner: start for start, owners in groups.items() for owner in owners}


def _keep_earliest(found: dict[int, date | None], key: int, month: date | None) -> None:
    """``found[key]`` becomes the earlier of itself and ``month`` (None: every month, the earliest)."""
    found[key] = earlier(found[key], month) if key in found else month


def _replace_each(conn: Connection, table: Table, owner: str, groups: Groups, rows: list[dict[str, Any]]) -> None:
    """``_replace`` for each group of owners from its month."""
    by_owner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_owner[row[owner]].append(row)
    for floor, owners in groups.items():
        _replace(conn, table, owner, owners, [row for o in owners for row in by_owner[o]], floor)


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


def _each(conn: Connection, owner: Any, groups: Mapping[_Month, Sequence[int]],
          condition: Callable[[date], Any]) -> Any:
    """The rows of each group's owners that ``condition`` of its month selects (every row: month None)."""
    return or_(*(and_(_among(conn, owner, owners), true() if floor is None else condition(floor))
                 for floor, owners in groups.items()))


def _grouped(stale: Mapping[int, date]) -> dict[date, list[int]]:
    """Owners by the month they are recomputed from, given the first stale month of each.

    An owner stale from within GROUP_MONTHS of a group's first month joins the group and is
    recomputed from there: a few months more cost less than one more round of statements. One
    stale from long before the others (a meter read again after years, a correction of an old
    invoice) starts a group of its own instead of costing every owner of the chunk those years.
    """
    groups: dict[date, list[int]] = {}
    first: date | None = None
    for owner, month in sorted(stale.items(), key=lambda item: item[1]):
        if first is None or (month.year - first.year) * 12 + month.month - first.month >= GROUP_MONTHS:
            first = month
        groups.setdefault(first, []).append(owner)
    return groups


def _last_readings(conn: Connection, groups: Mapping[date, Sequence[int]]) -> dict[int, date]:
    """The day of each meter's last reading before its group's month (a meter first read later: none)."""
    if not groups:
        return {}
    r = readings.c
    return {meter_id: read_on for meter_id, read_on in conn.execute(
        select(r.meter_id, func.max(r.read_on))
        .where(_each(conn, r.meter_id, groups, lambda month: r.read_on < month)).group_by(r.meter_id))}


def _reading_groups(conn: Connection, meter_ids: Sequence[int], floor: date | None) -> tuple[Groups, dict[int, date]]:
    """These meters by the month their figures are recomputed from, and the day of each one's last
    reading before that month.

    A reading added, changed or deleted from the floor on changes the consumption spread back to
    the day after the reading before it. The readings before the floor are the ones the figures
    were made of (a changed reading marks its month, old and new), so the last of them bounds
    what changed: a meter's figures are stale from the month of its next day. Recomputing them
    (from that month, or its group's earlier one) takes the readings from there on and the day of
    the reading before those: that same last reading when it lies before, else one more look.
    """
    if floor is ALL_MONTHS or floor == NO_MONTHS:
        return {floor: list(meter_ids)}, {}
    last = _last_readings(conn, {floor: meter_ids})
    groups = _grouped({m: derived.month_of(last[m] + derived.ONE_DAY) if m in last else floor for m in meter_ids})
    previous: dict[int, date] = {}
    again: dict[date, list[int]] = defaultdict(list)
    for start, group in groups.items():
        for meter_id in group:
            if meter_id in last and last[meter_id] < start:
                previous[meter_id] = last[meter_id]
            elif meter_id in last:
                again[start].append(meter_id)
    previous.update(_last_readings(conn, again))
    return dict(groups.items()), previous  # the months as Groups' keys (a dict is invariant in its keys)


def refresh_meters(conn: Connection, marks: Marks) -> None:
    """Monthly consumption of these meters; the customers holding their points become stale."""
    _by_index(conn)
    meter_ids = [m for m, _ in marks]
    groups, previous = _reading_groups(conn, meter_ids, _floor(marks))
    since = _starts(groups)
    r = readings.c
    rows = conn.execute(select(r.meter_id, r.point_id, r.read_on, r.consumption)
                        .where(_each(conn, r.meter_id, groups, lambda month: r.read_on >= month))
                        .order_by(r.meter_id, r.read_on, r.id)).all()
    _replace_each(conn, meter_months, "meter_id", groups, derived.meter_months(rows, previous, since))
    changed: dict[int, date | None] = {}  # point: the first month its consumption was recomputed from
    for meter_id, point_id in conn.execute(select(meters.c.id, meters.c.point_id)
                                           .where(_among(conn, meters.c.id, meter_ids))):
        _keep_earliest(changed, point_id, since[meter_id])
    for row in rows:
        _keep_earliest(changed, row[1], since[row[0]])
    if changed:
        holders: dict[int, date | None] = {}
        for customer_id, point_id in conn.execute(select(contracts.c.customer_id, contracts.c.point_id)
                                                  .where(_among(conn, contracts.c.point_id, changed))):
            _keep_earliest(holders, customer_id, changed[point_id])
        mark(conn, dirty_customers, holders)
    conn.execute(delete(dirty_meters).where(_among(conn, dirty_meters.c.meter_id, meter_ids)))


def _charges_groups(conn: Connection, customer_ids: Sequence[int], floor: date | None) -> Groups:
    """These customers by the month their monthly figures are recomputed from (none: not stale).

    An invoice marks the month it was issued in (old version and new), but its charges are spread
    over its billing period, which begins earlier: a month or two for a regular invoice, more for
    a correcting one. A customer's figures are stale from the first month of the periods of its
    invoices issued from the floor on (cancelled ones too: they counted before).
    """
    if floor == NO_MONTHS:
        return {}
    if floor is ALL_MONTHS:
        return {None: list(customer_ids)}
    i = invoices.c
    starts = dict(conn.execute(select(i.customer_id, func.min(i.period_from))
                               .where(and_(_among(conn, i.customer_id, customer_ids), i.issued_on >= floor))
                               .group_by(i.customer_id)).all())
    groups = _grouped({c: min(floor, derived.month_of(starts[c])) if c in starts else floor for c in customer_ids})
    return dict(groups.items())  # the months as Groups' keys (a dict is invariant in its keys)


def refresh_customers(conn: Connection, marks: Marks) -> None:
    """Summary (balance, next due, legalization, last reading) and monthly figures of these customers."""
    _by_index(conn)
    customer_ids = [c for c, _ in marks]
    groups = _charges_groups(conn, customer_ids, _floor(marks))
    i, p, s, c, m = invoices.c, payments.c, settlements.c, contracts.c, meters.c
    # Whole-history sums in the database: (customer, sum of gross not cancelled, False) as if one invoice.
    invoiced = conn.execute(select(i.customer_id, func.sum(i.gross), false())
                            .where(and_(_among(conn, i.customer_id, customer_ids), i.cancelled.is_(False)))
                            .group_by(i.customer_id)).all()
    payment_rows = conn.execute(select(p.customer_id, func.sum(p.amount))
                                .where(_among(conn, p.customer_id, customer_ids)).group_by(p.customer_id)).all()
    # The invoices with a part in the months recomputed: by their period, or issued then.
    invoice_rows = [] if not groups else conn.execute(
        select(i.customer_id, i.issued_on, i.period_from, i.period_to, i.gross, i.cancelled)
        .where(_each(conn, i.customer_id, groups, lambda month: or_(i.issued_on >= month, i.period_to >= month)))
    ).all()
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
    legalizations, last_readings = [], []
    month_rows: Sequence[tuple[int, date, Decimal]] = []
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
        if groups and main:  # from the earliest month recomputed (rows of a meter and month: few)
            floor = None if None in groups else min(groups)  # type: ignore[type-var]
            month_rows = conn.execute(select(mm.point_id, mm.month, mm.consumption)
                                      .where(and_(_among(conn, mm.meter_id, sorted(main)),
                                                  _among(conn, mm.point_id, points), _from(mm.month, floor)))).all()

    conn.execute(delete(customer_summaries).where(_among(conn, customer_summaries.c.customer_id, customer_ids)))
    _insert(conn, customer_summaries, derived.customer_summaries(
        customer_ids, invoiced, payment_rows, open_rows, legalizations, last_readings, utcnow()))
    if groups:
        _replace_each(conn, customer_months, "customer_id", groups,
                      derived.customer_months(invoice_rows, [h[:4] for h in holdings], month_rows, _starts(groups)))
    conn.execute(delete(dirty_customers).where(_among(conn, dirty_customers.c.customer_id, customer_ids)))
