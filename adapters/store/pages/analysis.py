"""The consumption analysis: one customer's monthly consumption or charges over a period, the same
months a year earlier, and the average household of the customer's tariff.

A handful of indexed reads per page: the customer's contracts (by customer), the meters at their
points (by point), the span of its monthly figures and the figures of both years
(``customer_months`` by its key, or ``meter_months`` by the meter's key), and the tariff's
averages (``tariff_months`` by its key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, func, select

from adapters.store.mirror.derived import ZERO_MONEY, ZERO_QTY, month_of
from adapters.store.tables import (
    contracts,
    customer_months,
    meter_months,
    meters,
    points,
    tariff_months,
)

MEASURES = ("consumption", "charges")
ZERO = {"consumption": ZERO_QTY, "charges": ZERO_MONEY}

Value = Decimal | None


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first``'s to ``last``'s, both included."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(month_of(first), i) for i in range(max(count, 0))]


@dataclass(frozen=True)
class Holding:
    """One of the customer's contracts: which point, in which tariff, over which days."""

    id: int
    number: str
    point_id: int
    services: str
    tariff: str
    starts_on: date
    ends_on: date | None

    def covers_day(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def covers_month(self, month: date) -> bool:
        """As ``customer_months`` counts a point: from the month the contract starts to the month it ends."""
        return month_of(self.starts_on) <= month and (self.ends_on is None or month_of(self.ends_on) >= month)


@dataclass(frozen=True)
class TariffChoice:
    """The tariff a customer is compared within: its main contract's; ``tariffs``: all its current ones."""

    tariff: str
    contract_number: str
    tariffs: tuple[str, ...]

    @property
    def several(self) -> bool:
        return len(self.tariffs) > 1


@dataclass(frozen=True)
class Context:
    """What the analysis form offers one customer: its meters, its tariff, the months it has figures for."""

    holdings: tuple[Holding, ...]
    meters: tuple[dict[str, Any], ...]
    tariff: TariffChoice | None
    span: tuple[date, date] | None  # first and last month with a customer_months row

    def meter(self, meter_id: int) -> dict[str, Any] | None:
        return next((m for m in self.meters if m["id"] == meter_id), None)


@dataclass(frozen=True)
class Figures:
    """Aligned series, one value per month of the period; None where there are no figures."""

    months: tuple[date, ...]
    current: tuple[Value, ...]
    previous: tuple[Value, ...]  # the same months a year earlier
    tariff: tuple[Value, ...] | None  # the tariff's average household; None: not compared (one meter)


# ----- what the form offers ---------------------------------------------------------------------
# Built once, run with parameters: building a statement costs more than running it.
_c, _cm, _tm = contracts.c, customer_months.c, tariff_months.c
_HOLDINGS = (select(_c.id, _c.number, _c.point_id, _c.services, _c.tariff, _c.starts_on, _c.ends_on)
             .where(_c.customer_id == bindparam("customer")).order_by(_c.starts_on, _c.id))
_SPAN = select(func.min(_cm.month), func.max(_cm.month)).where(_cm.customer_id == bindparam("customer"))
# The holdings with the span on each row: one round trip for both where the customer has a contract.
_HOLDINGS_SPAN = _HOLDINGS.add_columns(_SPAN.with_only_columns(func.min(_cm.month)).scalar_subquery(),
                                       _SPAN.with_only_columns(func.max(_cm.month)).scalar_subquery())
_BETWEEN: tuple[BindParameter[date], BindParameter[date]] = (bindparam("first"), bindparam("last"))
_m, _p = meters.c, points.c
_METERS = (select(_m.id, _m.serial_number, _m.main, _m.point_id, _m.mounted_on, _m.dismounted_on,
                  _p.street, _p.house_number, _p.flat_number, _p.city)
           .join_from(meters, points, _p.id == _m.point_id)
           .where(_m.point_id.in_(bindparam("points", expanding=True)))
           .order_by(_m.point_id, _m.dismounted_on.is_not(None), _m.main.desc(), _m.mounted_on, _m.id))
_ACCOUNT_MONTHS = {measure: select(_cm.month, _cm[measure]).where(and_(
    _cm.customer_id == bindparam("customer"), _cm.month >= _BETWEEN[0], _cm.month <= _BETWEEN[1]))
    for measure in MEASURES}
_TARIFF_MONTHS = {measure: select(_tm.month, _tm[measure]).where(and_(
    _tm.tariff == bindparam("tariff"), _tm.month >= _BETWEEN[0], _tm.month <= _BETWEEN[1]))
    for measure in MEASURES}


def main_contract(holdings: Sequence[Holding], today: date) -> Holding | None:
    """The customer's main contract: of those current today, the oldest one supplying water (then any);
    without a current one, the one that ended last."""
    current = [h for h in holdings if h.covers_day(today)]
    if current:
        return min(current, key=lambda h: ("W" not in h.services, h.starts_on, h.id))
    ended = [h for h in holdings if h.ends_on is not None]
    return max(ended, key=lambda h: (h.ends_on, h.id)) if ended else None


def tariff_choice(holdings: Sequence[Holding], today: date) -> TariffChoice | None:
    main = main_contract(holdings, today)
    if main is None:
        return None
    current = sorted({h.tariff for h in holdings if h.covers_day(today)} | {main.tariff})
    return TariffChoice(main.tariff, main.number, tuple(current))


def meters_of(conn: Connection, holdings: Sequence[Holding]) -> list[dict[str, Any]]:
    """The meters at the points of the customer's contracts (removed ones too), with their point's address."""
    point_ids = sorted({h.point_id for h in holdings})
    if not point_ids:
        return []
    return [dict(r) for r in conn.execute(_METERS, {"points": point_ids}).mappings()]


def _span(first: date | None, last: date | None) -> tuple[date, date] | None:
    return None if first is None or last is None else (first, last)


def span_of(conn: Connection, customer_id: int) -> tuple[date, date] | None:
    return _span(*conn.execute(_SPAN, {"customer": customer_id}).one())


def context(conn: Connection, customer_id: int, today: date) -> Context:
    rows = conn.execute(_HOLDINGS_SPAN, {"customer": customer_id}).all()
    holdings = [Holding(*row[:-2]) for row in rows]
    # Without a contract (any more) figures may still be there: the span asked for on its own.
    span = _span(*rows[0][-2:]) if rows else span_of(conn, customer_id)
    return Context(tuple(holdings), tuple(meters_of(conn, holdings)), tariff_choice(holdings, today), span)


# ----- the figures ------------------------------------------------------------------------------
def aligned(values: Mapping[date, Decimal], months: Iterable[date], span: tuple[date, date] | None,
            zero: Decimal) -> tuple[Value, ...]:
    """One value per month: the figure, zero for a month without one inside ``span`` (nothing read or
    invoiced that month), None outside it (no figures yet, or any more)."""
    def one(month: date) -> Value:
        if month in values:
            return values[month]
        return zero if span is not None and span[0] <= month <= span[1] else None
    return tuple(one(m) for m in months)


def account_months(conn: Connection, customer_id: int, measure: str, first: date, last: date) -> dict[date, Decimal]:
    rows = conn.execute(_ACCOUNT_MONTHS[measure], {"customer": customer_id, "first": first, "last": last})
    return {month: value for month, value in rows}


def meter_months_held(conn: Connection, meter_id: int, holdings: Sequence[Holding]) -> dict[date, Decimal]:
    """A meter's monthly consumption in the months the customer held the point it was read at: never a
    previous or later owner's."""
    mm = meter_months.c
    rows = conn.execute(select(mm.month, mm.point_id, mm.consumption).where(mm.meter_id == meter_id))
    return {month: consumption for month, point_id, consumption in rows
            if any(h.point_id == point_id and h.covers_month(month) for h in holdings)}


def tariff_averages(conn: Connection, tariff: str, measure: str, first: date, last: date) -> dict[date, Decimal]:
    rows = conn.execute(_TARIFF_MONTHS[measure], {"tariff": tariff, "first": first, "last": last})
    return {month: value for month, value in rows}


Averages = Callable[[Connection, str, str, date, date], Mapping[date, Decimal]]


def figures(conn: Connection, customer_id: int, ctx: Context, *, measure: str, meter_id: int | None,
            first: date, last: date, averages_of: Averages = tariff_averages) -> Figures:
    """The period's figures for the whole account or one of its meters (consumption only), the same
    months a year earlier, and (for the account) the tariff's average household (``averages_of``: as
    ``tariff_averages``, or a copy of its answers kept a while)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    months = months_between(first, last)
    earlier = [add_months(m, -12) for m in months]
    zero = ZERO[measure]
    if meter_id is None:
        values = account_months(conn, customer_id, measure, earlier[0], months[-1])
        span = ctx.span
    else:
        if measure != "consumption":
            raise ValueError("a meter has consumption only: charges are billed for the whole account")
        values = meter_months_held(conn, meter_id, ctx.holdings)
        span = (min(values), max(values)) if values else None
    tariff = None
    if meter_id is None and ctx.tariff is not None:
        averages = averages_of(conn, ctx.tariff.tariff, measure, months[0], months[-1])
        tariff = tuple(averages.get(m) for m in months)
    return Figures(tuple(months), aligned(values, months, span, zero), aligned(values, earlier, span, zero), tariff)
