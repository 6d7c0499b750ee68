"""The reference adapter maps billing's quirks to canonical records, the same on every product."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.billing.source import OdbcBillingSource
from adapters.records import Contract, Customer, Invoice, Payment
from adapters.standin.build import build_standin
from tests.conftest import AS_OF, BillingDatabase


@pytest.fixture
def source(billing_db: BillingDatabase):
    with billing_db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF)
    source = OdbcBillingSource(billing_db.dsn)
    yield source
    source.close()


def test_padded_chars_flags_and_zero_dates_become_plain_values(source: OdbcBillingSource) -> None:
    contracts: list[Contract] = source.snapshot("contracts", None, 10_000)
    assert {c.services for c in contracts} == {"W", "K", "WK"}  # 'W ' and 'K ' arrive padded
    assert all(c.ends_on is None for c in contracts if c.active)  # NULL and the zero date alike
    assert any(c.ends_on is not None for c in contracts if not c.active)
    customers: list[Customer] = source.snapshot("customers", None, 10_000)
    assert all(len(c.number) == 6 and c.number.isdigit() for c in customers)
    assert {c.e_invoice for c in customers} == {True, False}
    assert any("ł" in c.name or "ś" in c.name or "ż" in c.name for c in customers)


def test_money_is_exact_decimal_and_stamps_are_utc(source: OdbcBillingSource) -> None:
    invoices: list[Invoice] = source.snapshot("invoices", None, 10_000)
    payments: list[Payment] = source.snapshot("payments", None, 10_000)
    for amount in [i.gross for i in invoices] + [p.amount for p in payments]:
        assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
    assert all(i.net + i.vat == i.gross for i in invoices)
    assert all(sum(line.gross for line in i.lines) == i.gross for i in invoices if i.lines)
    assert any(i.gross < 0 for i in invoices if i.correcting)
    assert all(i.modified_at.tzinfo is UTC for i in invoices)


def test_the_reserved_column_do_is_read_on_every_product(source: OdbcBillingSource) -> None:
    outages = source.snapshot("outages", None, 1000)
    assert outages and any(o.ends_at is not None and o.ends_at > o.starts_at for o in outages)


def test_a_stamp_in_the_repeated_hour_is_taken_as_its_first_occurrence(source: OdbcBillingSource) -> None:
    assert source.to_utc(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert source.to_utc("2026-11-21 10:00:00") == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_keyset_reads_return_each_row_once_in_order(source: OdbcBillingSource) -> None:
    seen, after = [], None
    while batch := source.changed("readings", None, datetime(2100, 1, 1), after, 97):
        seen += [position for position, _ in batch]
        after = batch[-1][0]
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert len(seen) == len(source.snapshot("readings", None, 1_000_000))
