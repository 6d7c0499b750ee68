"""Stream state: the JSON the store keeps reads back as it was written, key for key."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sync.state import Appended, Checkpoint, Scan, StreamState, Window

READ_AT = "2026-11-21T11:00:00.123456+00:00"

STORED = [
    {},
    {"cursor": "2026-11-21 11:59:58", "read_at": READ_AT},
    {"cursor": None, "read_at": READ_AT},  # the table was empty: the next window reads from the start
    {"cursor": "2026-11-21 11:59:58", "read_at": None, "ahead": 3},
    {"cursor": "2026-11-21 11:59:58", "read_at": READ_AT, "ahead": 2,
     "window": {"lower": "2026-11-21 11:40:00", "upper": "2026-11-21 12:10:00",
                "after": ["2026-11-21 12:00:01", 17], "read_at": "2026-11-21T11:10:00+00:00", "ahead": True}},
    {"window": {"lower": None, "upper": "2026-11-21 12:10:00", "after": None, "read_at": READ_AT, "ahead": False},
     "cursor": None, "read_at": READ_AT},
    {"scan": {"after": None, "signpost": None, "read_at": READ_AT}},
    {"scan": {"after": 500, "signpost": "2026-11-21 12:10:00", "read_at": READ_AT},
     "cursor": "2026-11-21 11:59:58", "read_at": READ_AT},
    {"after": None},  # an append stream that found nothing yet
    {"after": 42},
    {"scanned": True},
]


@pytest.mark.parametrize("stored", STORED, ids=lambda s: json.dumps(s, sort_keys=True)[:60])
def test_every_state_reads_back_as_the_same_json(stored: dict) -> None:
    assert json.dumps(StreamState.from_json(stored).to_json(), sort_keys=True) == json.dumps(stored, sort_keys=True)


def test_a_null_cursor_or_bookmark_is_not_an_absent_one() -> None:
    assert StreamState.from_json({"cursor": None, "read_at": READ_AT}).checkpoint == Checkpoint(
        None, datetime(2026, 11, 21, 11, 0, 0, 123456, tzinfo=UTC))
    assert StreamState.from_json({}).checkpoint is None
    assert StreamState.from_json({"after": None}).appended == Appended(None)
    assert StreamState.from_json({}).empty and not StreamState.from_json({"after": None}).empty


def test_stamps_and_positions_are_typed() -> None:
    state = StreamState.from_json(STORED[4])
    assert state.window == Window(datetime(2026, 11, 21, 11, 40), datetime(2026, 11, 21, 12, 10),
                                  datetime(2026, 11, 21, 11, 10, tzinfo=UTC), True,
                                  (datetime(2026, 11, 21, 12, 0, 1), 17))
    assert StreamState.from_json(STORED[7]).scan == Scan(datetime(2026, 11, 21, 12, 10),
                                                         datetime.fromisoformat(READ_AT), 500)


def test_a_window_kept_before_read_at_and_ahead_were_recorded_is_read() -> None:
    window = StreamState.from_json({"cursor": "2026-11-21 11:59:58", "window": {
        "lower": "2026-11-21 11:40:00", "upper": "2026-11-21 12:10:00", "after": None}}).window
    assert window is not None and window.read_at is None and not window.ahead
