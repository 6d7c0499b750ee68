"""Derived data as pure functions: balances by billing's formula, next payment due, monthly figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from adapters.store.derived import customer_months, customer_summaries, meter_months

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


def test_meter_consumption_counts_in_the_month_of_the_reading():
    rows = meter_months([(1, 9, date(2026, 10, 3), D("4.500")), (1, 9, date(2026, 10, 30), D("1.250")),
                         (1, 9, date(2026, 11, 2), D("0.100"))])
    assert [(r["month"], r["consumption"], r["readings"]) for r in rows] == [
        (date(2026, 10, 1), D("5.750"), 2), (date(2026, 11, 1), D("0.100"), 1)]


def test_a_point_with_separate_water_and_sewage_contracts_counts_once():
    months = customer_months(
        invoices=[(1, date(2026, 10, 15), D("50.00"), False), (1, date(2026, 10, 20), D("70.00"), True)],
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
