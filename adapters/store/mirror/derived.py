"""Derived data as pure functions of stored rows: balances, next payment due, monthly figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

ZERO_MONEY = Decimal("0.00")
ZERO_QTY = Decimal("0.000")
QUANTITY_PLACES, MONEY_PLACES = 3, 2
ONE_DAY = timedelta(days=1)


def month_of(day: date) -> date:
    return day.replace(day=1)


@lru_cache(maxsize=4096)
def _calendar(first: date, last: date) -> tuple[tuple[date, ...], tuple[int, ...], int]:
    """The months the days ``first``..``last`` touch, how many of the days fall in each, and how many
    there are: counted from month boundaries, never day by day. Many readings and invoices share
    their days (one reading round, one invoicing run), hence the cache."""
    months, days, start = [], [], first
    year, month = first.year, first.month
    while True:
        following = date(year + month // 12, month % 12 + 1, 1)
        months.append(date(year, month, 1))
        if last < following:
            days.append((last - start).days + 1)
            return tuple(months), tuple(days), (last - first).days + 1
        days.append((following - start).days)
        start, year, month = following, following.year, following.month


def spread(total: Decimal, first: date, last: date, places: int) -> list[tuple[date, Decimal]]:
    """``total`` shared among the months of the days ``first``..``last`` in proportion to their days.

    (month, part) oldest first, exact to ``places`` decimal places (those of ``total``): the parts
    add up to ``total``. See ``_shares`` for the rounding.
    """
    shares = _shares(int(total.scaleb(places)), first, last)
    return [(month, Decimal(share).scaleb(-places)) for month, share in shares]


def _shares(units: int, first: date, last: date) -> list[tuple[date, int]]:
    """Whole ``units`` (0.001 m³, 1 grosz) shared among the months of the days ``first``..``last``.

    Each month's share is first cut towards zero to whole units; the units left over, fewer than
    the months, go one each to the shares that lost most by the cut (largest remainder), the later
    month first when they lost alike. A negative amount is shared as its size, every share
    negative. Integers throughout: the caller turns sums into decimals once per row.
    """
    if first.month == last.month and first.year == last.year:
        return [(first.replace(day=1), units)]
    months, days, span = _calendar(first, last)
    amount = -units if units < 0 else units
    if len(days) == 2:  # the usual case, in short: the first share gains the unit left if it lost more
        whole, lost = divmod(amount * days[0], span)
        whole += 2 * lost > span
        whole = -whole if units < 0 else whole
        return [(months[0], whole), (months[1], units - whole)]
    wholes, losses = [], []  # losses: (what the cut lost, month index); the larger, the sooner a unit
    for k, in_month in enumerate(days):
        whole, lost = divmod(amount * in_month, span)
        wholes.append(whole)
        losses.append((lost, k))
    for _, k in sorted(losses, reverse=True)[:amount - sum(wholes)]:
        wholes[k] += 1
    sign = -1 if units < 0 else 1
    return [(month, sign * whole) for month, whole in zip(months, wholes, strict=False)]


def meter_months(readings: Iterable[tuple[int, int, date, Decimal]], previous: Mapping[int, date] | None = None,
                 since: Mapping[int, date | None] | None = None) -> list[dict[str, Any]]:
    """Consumption per meter and month from (meter, point, read on, consumption) rows, in order of
    meter and day.

    A reading's consumption is what the meter measured since its previous reading (billing
    computes it so): it is spread over the days from the day after that reading to the reading's
    own, month by month in proportion to the days (``spread``), so that a meter read every other
    month shows two months of about half each rather than a zero and a double month.

    Readings without a point (of a meter billing does not have) count nowhere.

    A meter's first reading has nothing to be measured from: its consumption counts in its own
    month. It is the mounting reading (0 m³) of a meter mounted within billing's history; of a
    meter mounted before it, billing's history starts at that reading, and what it measured since
    an earlier reading is not spread over a guess (the mount date may lie years before). A second
    reading on the same day counts in that day's month too.

    ``previous``: the day of each meter's last reading before the ones given (none: they start
    with its first); ``since``: each meter's rows from this month on only (the months before it
    also hold parts of readings not given; None or none: every month). ``readings`` of a row
    counts the readings taken in its month; ``point_id`` is the point of the latest reading with
    a part in it.
    """
    last_day = dict(previous or {})
    litres: dict[tuple[int, date], int] = defaultdict(int)  # (meter, month): whole litres
    points: dict[tuple[int, date], int] = {}
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for meter_id, point_id, read_on, consumption in readings:
        if point_id is None:  # a reading of a meter billing lacks: nobody's consumption
            continue
        units = int(consumption.scaleb(QUANTITY_PLACES))
        after = last_day.get(meter_id)
        last_day[meter_id] = read_on
        if after is not None and after < read_on:
            start = after + ONE_DAY
            if start.month != read_on.month or start.year != read_on.year:  # else all in its own month
                *earlier, (_, units) = _shares(units, start, read_on)
                for month, part in earlier:
                    litres[(meter_id, month)] += part
                    points[(meter_id, month)] = point_id
        key = (meter_id, read_on.replace(day=1))
        litres[key] += units
        points[key] = point_id
        counts[key] += 1
    first = (since or {}).get
    return [{"meter_id": key[0], "month": key[1], "point_id": points[key],
             "consumption": Decimal(units).scaleb(-QUANTITY_PLACES), "readings": counts.get(key, 0)}
            for key, units in sorted(litres.items()) if _wanted(key[1], first(key[0]))]


def _wanted(month: date, first: date | None) -> bool:
    """A row of ``month`` is given: from the ``first`` month asked for on (None: every month)."""
    return first is None or month >= first


def customer_months(invoices: Iterable[tuple[int, date, date, date, Decimal, bool]],
                    holdings: Iterable[tuple[int, int, date, date | None]],
                    meter_rows: Iterable[tuple[int, date, Decimal]],
                    since: Mapping[int, date | None] | None = None) -> list[dict[str, Any]]:
    """Charges and consumption per customer and month.

    invoices: (customer, issued on, period from, period to, gross, cancelled); the gross of each
    one not cancelled (correcting ones too, negative amounts alike) is shared among the months of
    its billing period in proportion to their days (``spread``), but an invoice whose period is a
    single day (or none: it ends before it starts), a one-off charge rather than a service over
    time, counts in the month it was issued in. holdings: (customer, point, contract start,
    contract end) — a point counts for a customer in the months its contract covers, once even
    when water and sewage have separate contracts; meter_rows: (point, month, consumption) of main
    meters; since: each customer's rows from this month on only (the months before it also hold
    parts of invoices not given; None or none: every month).
    """
    charges: dict[tuple[int, date], int] = defaultdict(int)  # grosze
    for customer_id, issued_on, period_from, period_to, gross, cancelled in invoices:
        if cancelled:
            continue
        grosze = int(gross.scaleb(MONEY_PLACES))
        if period_from < period_to:
            for month, part in _shares(grosze, period_from, period_to):
                charges[(customer_id, month)] += part
        else:
            charges[(customer_id, issued_on.replace(day=1))] += grosze
    per_point: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO_QTY))
    for point_id, month, consumption in meter_rows:
        per_point[point_id][month] += consumption
    held: set[tuple[int, int, date]] = set()
    for customer_id, point_id, starts_on, ends_on in holdings:
        months = per_point.get(point_id)
        if months:
            first, last = month_of(starts_on), (month_of(ends_on) if ends_on else date.max)
            held.update((customer_id, point_id, m) for m in months if first <= m <= last)
    used: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO_QTY)
    for customer_id, point_id, month in held:
        used[(customer_id, month)] += per_point[point_id][month]
    since_month = (since or {}).get
    keys = sorted(k for k in set(charges) | set(used) if _wanted(k[1], since_month(k[0])))
    return [{"customer_id": c, "month": m, "consumption": used.get((c, m), ZERO_QTY),
             "charges": Decimal(charges.get((c, m), 0)).scaleb(-MONEY_PLACES)} for c, m in keys]


def customer_summaries(customer_ids: Iterable[int],
                       invoices: Iterable[tuple[int, Decimal, bool]],
                       payments: Iterable[tuple[int, Decimal]],
                       open_items: Iterable[tuple[int, date, Decimal]],
                       legalizations: Iterable[tuple[int, date]],
                       last_readings: Iterable[tuple[int, date]],
                       now: datetime) -> list[dict[str, Any]]:
    """One summary row per customer.

    The balance is billing's own formula: Σ gross of invoices not cancelled (correcting ones
    included, negative amounts too) minus Σ payments. open_items: (customer, due on, left to
    pay) of invoices not cancelled with something left; the next payment due is the earliest
    due date and what is left on the invoices due then.
    """
    rows: dict[int, dict[str, Any]] = {
        c: {"customer_id": c, "invoiced": ZERO_MONEY, "paid": ZERO_MONEY, "open_amount": ZERO_MONEY,
            "next_due_on": None, "next_due_amount": None, "legalization_due_on": None,
            "last_reading_on": None, "refreshed_at": now} for c in customer_ids}
    for customer_id, gross, cancelled in invoices:
        if not cancelled:
            rows[customer_id]["invoiced"] += gross
    for customer_id, amount in payments:
        rows[customer_id]["paid"] += amount
    for customer_id, due_on, left in open_items:
        row = rows[customer_id]
        row["open_amount"] += left
        if row["next_due_on"] is None or due_on < row["next_due_on"]:
            row["next_due_on"], row["next_due_amount"] = due_on, left
        elif due_on == row["next_due_on"]:
            row["next_due_amount"] += left
    for customer_id, valid_until in legalizations:
        current = rows[customer_id]["legalization_due_on"]
        rows[customer_id]["legalization_due_on"] = valid_until if current is None else min(current, valid_until)
    for customer_id, read_on in last_readings:
        current = rows[customer_id]["last_reading_on"]
        rows[customer_id]["last_reading_on"] = read_on if current is None else max(current, read_on)
    for row in rows.values():
        row["balance"] = row["invoiced"] - row["paid"]
    return [rows[c] for c in sorted(rows)]
