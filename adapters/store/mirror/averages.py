"""The average household of each tariff, per month (``tariff_months``): what a customer compares with.

A customer counts for the tariff of each of its contracts that covers the month (a contract
covers the months from the one it starts in to the one it ends in, as in ``customer_months``),
once per tariff however many contracts it has in it; the average is over the customers with a
``customer_months`` row that month. Consumption is rounded to the litre, charges to the grosz,
halves away from zero.

One set-based statement recomputes every row (an INSERT ... SELECT with GROUP BY over
``customer_months`` joined by customer to the months each customer is in each tariff, see
``coverage``), after a DELETE in the same transaction: readers see the old averages until it
commits, then the new ones. Measured on PostgreSQL with 50,000 customers x 60 months
(3 million monthly rows, 65,000 contracts): about 3 s.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from adapters.store.tables import contracts, customer_months, tariff_months
from adapters.store.types import UtcDateTime
from config.clock import utcnow

FOREVER = date(9999, 12, 31)  # the end of a contract without one


class month_start(FunctionElement[date]):
    """The first day of a date's month, in each store dialect's own words."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_pg(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def coverage() -> Any:
    """The months each customer is in each tariff: (customer, tariff, first month, last day) with
    overlapping contracts of one tariff merged (gaps and islands), so that a customer with two
    contracts in a tariff (water and sewage, two points) counts once, without a DISTINCT over
    every monthly row. ``last_day`` is the merged contracts' end (FOREVER: none): a month is
    covered while ``first_month <= month <= last_day``.
    """
    c = contracts.c
    spans = select(c.customer_id, c.tariff, month_start(c.starts_on).label("first_month"),
                   func.coalesce(c.ends_on, literal(FOREVER, Date())).label("last_day")).subquery("spans")
    s = spans.c
    owner, order = (s.customer_id, s.tariff), (s.first_month, s.last_day)
    # The furthest end of the earlier contracts: a contract starting after it begins a new island.
    reach = func.max(s.last_day).over(partition_by=owner, order_by=order, rows=(None, -1))
    marked = select(s.customer_id, s.tariff, s.first_month, s.last_day, reach.label("reach")).subquery("marked")
    m = marked.c
    begins = case((or_(m.reach.is_(None), m.first_month > m.reach), 1), else_=0)
    island = func.sum(begins).over(partition_by=(m.customer_id, m.tariff), order_by=(m.first_month, m.last_day),
                                   rows=(None, 0))
    numbered = select(m.customer_id, m.tariff, m.first_month, m.last_day, island.label("island")).subquery("numbered")
    n = numbered.c
    return (select(n.customer_id, n.tariff, func.min(n.first_month).label("first_month"),
                   func.max(n.last_day).label("last_day"))
            .group_by(n.customer_id, n.tariff, n.island).subquery("coverage"))


def _rounded_average(column: Any) -> Any:
    """AVG of a scaled integer column (litres, grosze), rounded to a whole one, as an integer."""
    return cast(func.round(func.avg(column)), BigInteger)


def averages_query(now: datetime) -> Any:
    """SELECT tariff, month, customers, consumption, charges, refreshed_at for ``tariff_months``."""
    held = coverage()
    cm, h = customer_months.c, held.c
    covers = and_(h.customer_id == cm.customer_id, h.first_month <= cm.month, h.last_day >= cm.month)
    return (select(h.tariff, cm.month, func.count().label("customers"),
                   _rounded_average(cm.consumption).label("consumption"),
                   _rounded_average(cm.charges).label("charges"),
                   literal(now, UtcDateTime()).label("refreshed_at"))
            .join_from(customer_months, held, covers)
            .group_by(h.tariff, cm.month))


def refresh(conn: Connection, now: datetime | None = None) -> int:
    """Recompute every tariff's monthly averages in the caller's (writing) transaction; the row count.

    On PostgreSQL the table is locked against other writers first (readers go on reading the old
    rows), so that two daemons refreshing at once queue instead of colliding on the new keys;
    SQLite's writers queue at BEGIN IMMEDIATE anyway.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE tariff_months IN EXCLUSIVE MODE")
    conn.execute(delete(tariff_months))
    columns = ["tariff", "month", "customers", "consumption", "charges", "refreshed_at"]
    insert = tariff_months.insert().from_select(columns, averages_query(now or utcnow()))
    return conn.execute(insert, execution_options={"preserve_rowcount": True}).rowcount
