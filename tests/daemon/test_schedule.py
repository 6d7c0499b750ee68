"""The daemon's jobs as declared from settings (pure)."""

from __future__ import annotations

from datetime import time
from types import SimpleNamespace

import pytest

from config.settings import SettingsError
from sync import schedule
from sync.streams import STREAMS


def _daemon(**intervals: int) -> SimpleNamespace:
    return SimpleNamespace(intervals=intervals, reconcile_at=time(2, 30), requests_every_s=2)


def test_every_stream_has_a_default_interval_and_hot_streams_run_at_least_every_minute() -> None:
    assert set(schedule.DEFAULT_INTERVALS) == {s.name for s in STREAMS}
    for hot in ("readings", "payments", "settlements", "case_events"):
        assert schedule.DEFAULT_INTERVALS[hot] <= 60


def test_jobs_have_explicit_ids_one_per_stream_and_the_housekeeping_jobs() -> None:
    specs = schedule.jobs(_daemon(readings=5))
    ids = [s.id for s in specs]
    assert len(ids) == len(set(ids))
    assert {f"stream:{s.name}" for s in STREAMS} <= set(ids)
    assert {"reconcile", "requests", "billing_probe", "prune"} <= set(ids)
    by_id = {s.id: s for s in specs}
    assert by_id["stream:readings"].every_s == 5
    assert by_id["stream:meters"].every_s == schedule.DEFAULT_INTERVALS["meters"]
    assert by_id["reconcile"].daily_at == time(2, 30) and by_id["reconcile"].every_s is None
    assert by_id["requests"].every_s == 2


def test_an_unknown_stream_in_the_intervals_is_a_settings_error_naming_it() -> None:
    with pytest.raises(SettingsError, match="readinsg"):
        schedule.intervals({"readinsg": 10})


@pytest.mark.parametrize(("interval", "configured", "limit"), [(20, 900, 900), (3600, 900, 10800)])
def test_a_stream_is_stale_after_the_configured_limit_but_never_before_three_intervals(
        interval: int, configured: int, limit: int) -> None:
    assert schedule.stale_limit(interval, configured) == limit
