"""Derived data refreshed from the first stale month equals derived data recomputed from scratch."""

from __future__ import annotations

import random

from sqlalchemy import select

from adapters.standin import simulator
from adapters.store.tables import customer_months, customer_summaries, customers, dirty_customers, dirty_meters, \
    meter_months, meters
from tests.sync.conftest import Mirror


def _derived(mirror: Mirror) -> dict[str, list[tuple]]:
    with mirror.store.engine.connect() as conn:
        found = {table.name: sorted(tuple(r) for r in conn.execute(select(table)))
                 for table in (customer_months, meter_months)}
        summary = [c for c in customer_summaries.c if c.name != "refreshed_at"]
        found["customer_summaries"] = sorted(tuple(r) for r in conn.execute(select(*summary)))
    return found


def _recompute_everything(mirror: Mirror) -> None:
    with mirror.store.writer.begin() as conn:
        conn.execute(dirty_meters.insert().from_select(["meter_id"], select(meters.c.id)))
        conn.execute(dirty_customers.insert().from_select(["customer_id"], select(customers.c.id)))
    mirror.store.refresh_derived()


def test_incremental_refreshes_by_month_agree_with_a_full_recomputation(mirror: Mirror) -> None:
    mirror.sync()
    with mirror.office() as office:
        events = simulator.simulate(office, seed=21, events=0)
        for round_ in range(4):
            for _ in range(12):
                next(events)
            simulator.invoicing_run(office, random.Random(round_), limit=40)
            mirror.sync()
            if round_ % 2:
                mirror.sync("reconcile")
    incremental = _derived(mirror)
    assert incremental["customer_months"] and incremental["meter_months"]
    _recompute_everything(mirror)
    assert _derived(mirror) == incremental
