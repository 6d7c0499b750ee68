"""The billing gate: one outage, one probe at a time, backoff that grows to a bound."""

from __future__ import annotations

import random

from sync.gate import BillingGate


def test_the_first_failure_starts_an_outage_and_later_ones_do_not() -> None:
    gate = BillingGate()
    assert gate.is_open
    assert gate.close(100.0, "connection refused") is True
    assert gate.close(101.0, "connection refused") is False  # one log line per outage, not per run
    assert not gate.is_open and gate.down_since == 100.0


def test_probes_wait_longer_after_each_failure_up_to_the_bound() -> None:
    gate = BillingGate(first_wait_s=1.0, max_wait_s=60.0, rng=random.Random(3))
    gate.close(0.0, "down")
    assert not gate.probe_due(0.5) and gate.probe_due(1.0)
    now, waits = 1.0, []
    for _ in range(12):
        wait = gate.probe_failed(now, "down")
        assert not gate.probe_due(now + wait - 0.01) and gate.probe_due(now + wait)
        waits.append(wait)
        now += wait
    assert all(1.0 <= w <= 60.0 for w in waits)
    assert waits[0] <= 2.0 and min(waits[-5:]) >= 30.0  # exponential, then at the bound (with jitter)
    assert gate.attempts == 12
    # Twelve attempts cover more than five minutes of outage: a quiet log, not a flood.
    assert now > 300


def test_reopening_reports_how_long_billing_was_away_and_resets() -> None:
    gate = BillingGate()
    gate.close(10.0, "down")
    gate.probe_failed(11.0, "down")
    assert gate.opened(70.0) == 60.0
    assert gate.is_open and gate.attempts == 0 and gate.last_error is None
    assert not gate.probe_due(1000.0)
