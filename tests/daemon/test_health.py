"""Freshness per stream against its limit (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.health import freshness

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_a_stream_is_fresh_within_its_limit_stale_beyond_it_and_stale_if_never_synced() -> None:
    rows = {r.stream: r for r in freshness(
        {"readings": NOW - timedelta(seconds=30), "payments": NOW - timedelta(seconds=901)},
        {"readings": 900, "payments": 900, "meters": 2700}, NOW)}
    assert rows["readings"].age_s == 30 and not rows["readings"].stale
    assert rows["payments"].stale
    assert rows["meters"].age_s is None and rows["meters"].stale
