"""Billing-office changes interleaved at random with syncs and reconciliations end in a verified mirror."""

from __future__ import annotations

import random

import pytest

from adapters.standin import simulator
from sync.streams import STREAMS


@pytest.mark.parametrize("billing", ["sqlite", "mariadb"])
@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_random_billing_changes_between_syncs_end_in_zero_differences(make_mirror, billing: str, store: str) -> None:
    mirror = make_mirror(billing, store)
    rng = random.Random(f"interleave:{billing}:{store}")
    names = [s.name for s in STREAMS]
    mirror.sync()
    with mirror.office() as office:
        events = simulator.simulate(office, seed=rng.randint(1, 10_000), events=0)
        for _ in range(25):
            for _ in range(rng.randint(1, 4)):
                next(events)
            roll = rng.random()
            batch_size = rng.choice([50, 200, 1000])
            if roll < 0.6:
                results = mirror.sync("incremental", batch_size=batch_size)
            elif roll < 0.85:
                results = mirror.sync("reconcile", *rng.sample(names, 3), batch_size=batch_size)
            else:
                results = mirror.sync("full", rng.choice(names), batch_size=batch_size)
            assert all(r.outcome == "ok" for r in results.values()), results
    mirror.sync()
    mirror.sync("reconcile")
    report = mirror.verify()
    assert report.clean, [str(d) for d in report.differences]
    assert sum(report.counts["payments"]) > 0
