"""Derived-data refresh: two runners at once take different customers, and never collide."""

from __future__ import annotations

from adapters.store import migrate
from adapters.store.db import create_store_engine, writer
from adapters.store.mirror import refresh
from adapters.store.tables import dirty_customers


def test_two_refreshing_runners_claim_disjoint_customers_on_postgresql(make_store_url) -> None:
    url = make_store_url("postgresql")
    migrate.upgrade(url)
    engine = writer(create_store_engine(url))
    with engine.begin() as conn:
        conn.execute(dirty_customers.insert(), [{"customer_id": i} for i in range(1, 11)])
    with engine.connect() as first, engine.connect() as second:
        with first.begin(), second.begin():
            mine = refresh.pending_customers(first, 6)
            theirs = refresh.pending_customers(second, 6)
            refresh.refresh_customers(first, mine)
            refresh.refresh_customers(second, theirs)
    assert mine == [(i, None) for i in range(1, 7)] and theirs == [(i, None) for i in range(7, 11)]
    with engine.connect() as conn:
        assert refresh.pending_customers(conn, 100) == []
    engine.dispose()
