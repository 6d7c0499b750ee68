"""Derived data as pure functions: balances by billing's formula, next payment due, monthly figures."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from fractions import Fraction

from adapters.store.mirror.derived import (
    customer_months,
    customer_summaries,
    meter_months,
    spread,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_the_balance_counts_correcting_invoices_but_not_cancelled_ones():
    rows = customer_summaries(
        [1], invoices=[(1, D("100.00"), False), (1, D("-20.00"), False), (1, D("999.99"), True)],
        payments=[(1, D("50.00"))], open_items=[], legalizations=[], last_readings=[], now=NOW)
    assert rows[0]["invoiced"] == D("80.00")
    assert rows[0]["balance"] == D("30.00")


def test_an_overpaying_customer_has_a_negative_balance_and_no_payment_due():
    rows = customer_summaries([1], [(1, D("10.00"), False)], [(1, D("25.50"))], [], [], [], NOW)
    assert rows[0]["balance"] == D("-15.50")
    assert rows[0]["next_due_on"] is None


def test_the_next_payment_due_is_the_earliest_due_date_with_what_is_left_then():
    rows = customer_summaries([1], [], [], [(1, date(2026, 12, 5), D("40.00")), (1, date(2026, 11, 30), D("12.34")),
                                           (1, date(2026, 11, 30), D("1.00"))], [], [], NOW)
    assert (rows[0]["next_due_on"], rows[0]["next_due_amount"]) == (date(2026, 11, 30), D("13.34"))
    assert rows[0]["open_amount"] == D("53.34")


def test_a_customer_with_nothing_gets_a_zero_summary():
    (row,) = customer_summaries([5], [], [], [], [(5, date(2027, 1, 1)), (5, date(2026, 12, 1))], [], NOW)
    assert row["balance"] == D("0.00") and row["legalization_due_on"] == date(2026, 12, 1)


def _months(rows: list[dict], measure: str = "consumption") -> list[tuple]:
    return [(r["month"], r[measure]) + ((r["readings"],) if "readings" in r else ()) for r in rows]


def test_a_reading_every_other_month_is_shared_between_the_months_it_covers_by_their_days():
    rows = meter_months([(1, 9, date(2026, 1, 31), D("0.000")), (1, 9, date(2026, 3, 31), D("5.900")),
                         (1, 9, date(2026, 5, 31), D("6.100"))])
    assert _months(rows) == [  # February has 28 of the 59 days, March 31; April 30 of 61, May 31
        (date(2026, 1, 1), D("0.000"), 1), (date(2026, 2, 1), D("2.800"), 0), (date(2026, 3, 1), D("3.100"), 1),
        (date(2026, 4, 1), D("3.000"), 0), (date(2026, 5, 1), D("3.100"), 1)]


def test_a_reading_counts_from_the_day_after_the_previous_one_and_readings_count_in_their_own_month():
    rows = meter_months([(1, 9, date(2026, 10, 3), D("4.500")), (1, 9, date(2026, 10, 30), D("1.250")),
                         (1, 9, date(2026, 11, 2), D("0.100"))])
    # 0.100 over October 31 and November 1-2: 0.033 and 0.067.
    assert _months(rows) == [(date(2026, 10, 1), D("5.783"), 2), (date(2026, 11, 1), D("0.067"), 1)]


def test_a_meters_first_reading_counts_in_its_own_month_and_a_second_one_that_day_too():
    rows = meter_months([(1, 9, date(2026, 3, 20), D("7.000")), (1, 9, date(2026, 3, 20), D("0.500")),
                         (1, 9, date(2026, 4, 19), D("3.000"))])
    # 3.000 over March 21 to April 19: 11 days and 19.
    assert _months(rows) == [(date(2026, 3, 1), D("8.600"), 2), (date(2026, 4, 1), D("1.900"), 1)]


def test_readings_given_from_a_month_on_spread_from_the_previous_reading_and_keep_that_month_on():
    readings = [(1, 9, date(2026, 1, 31), D("0.000")), (1, 9, date(2026, 3, 31), D("5.900")),
                (1, 9, date(2026, 5, 31), D("6.100")), (2, 9, date(2026, 4, 15), D("1.000"))]
    whole = meter_months(readings)
    later = meter_months([r for r in readings if r[2] >= date(2026, 3, 1)], previous={1: date(2026, 1, 31)},
                         since={1: date(2026, 3, 1), 2: date(2026, 3, 1)})
    assert later == [r for r in whole if r["month"] >= date(2026, 3, 1)]
    assert later[-1] == {"meter_id": 2, "month": date(2026, 4, 1), "point_id": 9, "consumption": D("1.000"),
                         "readings": 1}  # meter 2's first reading
    assert meter_months(readings, since={1: date(2026, 5, 1)}) == [r for r in whole if r["meter_id"] == 2 or
                                                                   r["month"] >= date(2026, 5, 1)]


def test_a_month_takes_the_point_of_the_latest_reading_with_a_part_in_it():
    rows = meter_months([(1, 9, date(2026, 1, 31), D("0.000")), (1, 9, date(2026, 2, 10), D("1.000")),
                         (1, 4, date(2026, 3, 31), D("5.000"))])
    assert [(r["month"], r["point_id"]) for r in rows] == [
        (date(2026, 1, 1), 9), (date(2026, 2, 1), 4), (date(2026, 3, 1), 4)]


def test_parts_add_up_exactly_and_leftover_units_go_to_the_largest_remainders_the_later_month_first():
    # 10 units over 31 + 28 + 31 days: 3.44, 3.11, 3.44 -> 3, 3, 3 and one left for March (ties January).
    assert spread(D("0.010"), date(2026, 1, 1), date(2026, 3, 31), 3) == [
        (date(2026, 1, 1), D("0.003")), (date(2026, 2, 1), D("0.003")), (date(2026, 3, 1), D("0.004"))]
    assert spread(D("-0.010"), date(2026, 1, 1), date(2026, 3, 31), 3) == [
        (date(2026, 1, 1), D("-0.003")), (date(2026, 2, 1), D("-0.003")), (date(2026, 3, 1), D("-0.004"))]
    assert spread(D("0.01"), date(2025, 12, 31), date(2026, 1, 1), 2) == [
        (date(2025, 12, 1), D("0.00")), (date(2026, 1, 1), D("0.01"))]
    rng = random.Random(7)
    for _ in range(1000):  # short spans and small amounts as often as long and large ones
        first = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
        last = first + timedelta(days=rng.randrange(rng.choice((62, 1200))))
        places = rng.choice((2, 3))
        total = D(rng.randrange(-rng.choice((50, 10 ** 7)), rng.choice((50, 10 ** 7)))).scaleb(-places)
        parts = spread(total, first, last, places)
        days = _days_by_month_one_by_one(first, last)
        assert [m for m, _ in parts] == list(days)
        assert sum(p for _, p in parts) == total
        shares = {m: Fraction(total) * days[m] / ((last - first).days + 1) for m in days}
        unit = Fraction(1, 10 ** places)
        for month, part in parts:
            assert part.as_tuple().exponent == -places
            assert abs(Fraction(part) - shares[month]) < unit
        # Largest remainder: a part rounded away from zero lost more by the cut than one that was not
        # (as much, and later); the cut is towards zero.
        up = [(abs(shares[m]) % unit, k) for k, (m, p) in enumerate(parts) if abs(Fraction(p)) > abs(shares[m])]
        down = [(abs(shares[m]) % unit, k) for k, (m, p) in enumerate(parts) if abs(Fraction(p)) <= abs(shares[m])]
        assert not up or not down or min(up) > max(down)


def _days_by_month_one_by_one(first: date, last: date) -> dict[date, int]:
    counts: dict[date, int] = {}
    day = first
    while day <= last:
        counts[day.replace(day=1)] = counts.get(day.replace(day=1), 0) + 1
        day += timedelta(days=1)
    return counts


def test_an_invoice_is_charged_over_its_billing_period_and_a_cancelled_one_not_at_all():
    months = customer_months(
        invoices=[(1, date(2026, 3, 20), date(2026, 1, 15), date(2026, 3, 14), D("100.00"), False),
                  (1, date(2026, 3, 21), date(2026, 1, 15), date(2026, 3, 14), D("100.00"), True)],
        holdings=[], meter_rows=[])
    # 17, 28 and 14 of the 59 days: 28.81 (0.35 lost), 47.45 (0.76) and 23.72 (0.88): +0.01 to March and February.
    assert _months(months, "charges") == [(date(2026, 1, 1), D("28.81")), (date(2026, 2, 1), D("47.46")),
                                          (date(2026, 3, 1), D("23.73"))]


def test_a_correcting_invoice_is_spread_like_any_other_and_a_one_day_period_counts_when_issued():
    months = customer_months(
        invoices=[(1, date(2026, 5, 10), date(2026, 1, 1), date(2026, 2, 28), D("-59.00"), False),
                  (1, date(2026, 5, 10), date(2026, 4, 30), date(2026, 4, 30), D("12.00"), False),
                  (1, date(2026, 5, 11), date(2026, 5, 1), date(2026, 4, 1), D("1.00"), False)],
        holdings=[], meter_rows=[])
    assert _months(months, "charges") == [(date(2026, 1, 1), D("-31.00")), (date(2026, 2, 1), D("-28.00")),
                                          (date(2026, 5, 1), D("13.00"))]


def test_customer_months_given_a_month_leave_out_the_parts_before_it():
    months = customer_months(
        invoices=[(1, date(2026, 3, 3), date(2026, 1, 1), date(2026, 2, 28), D("59.00"), False)],
        holdings=[(1, 9, date(2020, 1, 1), None)], meter_rows=[(9, date(2026, 2, 1), D("2.000"))],
        since={1: date(2026, 2, 1)})
    assert [(m["month"], m["consumption"], m["charges"]) for m in months] == [
        (date(2026, 2, 1), D("2.000"), D("28.00"))]


def test_a_point_with_separate_water_and_sewage_contracts_counts_once():
    months = customer_months(
        invoices=[(1, date(2026, 10, 15), date(2026, 10, 1), date(2026, 10, 31), D("50.00"), False),
                  (1, date(2026, 10, 20), date(2026, 10, 1), date(2026, 10, 31), D("70.00"), True)],
        holdings=[(1, 9, date(2020, 1, 1), None), (1, 9, date(2020, 1, 1), None)],
        meter_rows=[(9, date(2026, 10, 1), D("3.000"))])
    assert months == [{"customer_id": 1, "month": date(2026, 10, 1), "consumption": D("3.000"),
                       "charges": D("50.00")}]


def test_consumption_after_a_property_is_sold_belongs_to_the_new_owner():
    months = customer_months(
        invoices=[],
        holdings=[(1, 9, date(2020, 1, 1), date(2026, 9, 30)), (2, 9, date(2026, 10, 1), None)],
        meter_rows=[(9, date(2026, 9, 1), D("2.000")), (9, date(2026, 10, 1), D("3.000"))])
    assert [(m["customer_id"], m["month"], m["consumption"]) for m in months] == [
        (1, date(2026, 9, 1), D("2.000")), (2, date(2026, 10, 1), D("3.000"))]
