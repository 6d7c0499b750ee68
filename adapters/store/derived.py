"""Derived data as pure functions of stored rows: balances, next payment due, monthly figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

ZERO_MONEY = Decimal("0.00")
ZERO_QTY = Decimal("0.000")


def month_of(day: date) -> date:
    return day.replace(day=1)


def meter_months(readings: Iterable[tuple[int, int, date, Decimal]]) -> list[dict[str, Any]]:
    """Consumption per meter and month from (meter, point, read on, consumption) rows.

    A reading's consumption (computed by billing since the meter's previous reading) counts in
    the month of the reading, as billing invoices it.
    """
    totals: dict[tuple[int, date], list] = {}
    for meter_id, point_id, read_on, consumption in readings:
        slot = totals.setdefault((meter_id, month_of(read_on)), [point_id, ZERO_QTY, 0])
        slot[0] = point_id
        slot[1] += consumption
        slot[2] += 1
    return [{"meter_id": m, "month": month, "point_id": p, "consumption": c, "readings": n}
            for (m, month), (p, c, n) in sorted(totals.items())]


def customer_months(invoices: Iterable[tuple[int, date, Decimal, bool]],
                    holdings: Iterable[tuple[int, int, date, date | None]],
                    meter_rows: Iterable[tuple[int, date, Decimal]]) -> list[dict[str, Any]]:
    """Charges and consumption per customer and month.

    invoices: (customer, issued on, gross, cancelled); holdings: (customer, point, contract
    start, contract end) — a point counts for a customer in the months its contract covers,
    once even when water and sewage have separate contracts; meter_rows: (point, month,
    consumption) of main meters.
    """
    charges: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO_MONEY)
    for customer_id, issued_on, gross, cancelled in invoices:
        if not cancelled:
            charges[(customer_id, month_of(issued_on))] += gross
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
    keys = sorted(set(charges) | set(used))
    return [{"customer_id": c, "month": m, "consumption": used.get((c, m), ZERO_QTY),
             "charges": charges.get((c, m), ZERO_MONEY)} for c, m in keys]


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
    rows = {c: {"customer_id": c, "invoiced": ZERO_MONEY, "paid": ZERO_MONEY, "open_amount": ZERO_MONEY,
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
