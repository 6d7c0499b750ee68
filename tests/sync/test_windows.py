"""Window lower bounds: the overlap for late commits and the repeated autumn hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sync.windows import LATE_COMMIT, as_text, from_text, window_lower

WARSAW = ZoneInfo("Europe/Warsaw")


def test_an_ordinary_cursor_is_read_again_from_fifteen_minutes_earlier():
    assert window_lower(datetime(2026, 11, 21, 10, 0, 0), WARSAW) == datetime(2026, 11, 21, 9, 45, 0)


def test_no_cursor_means_from_the_beginning():
    assert window_lower(None, WARSAW) is None


def test_a_cursor_in_the_first_pass_of_the_repeated_hour_reaches_back_to_its_start():
    # 02:50 CEST on 25 October 2026; at 03:00 CEST the clock goes back to 02:00 CET, and rows
    # stamped 02:00-02:59 in the second pass must still be inside the window.
    assert window_lower(datetime(2026, 10, 25, 2, 50), WARSAW) == datetime(2026, 10, 25, 2, 0)


def test_a_cursor_just_before_the_clock_goes_back_covers_the_whole_second_pass():
    assert window_lower(datetime(2026, 10, 25, 2, 59, 59), WARSAW) == datetime(2026, 10, 25, 2, 0)


def test_a_cursor_in_the_repeated_hour_is_taken_at_its_earlier_instant():
    # 02:10 could be CEST or CET: read as the earlier (CEST), so the window starts at 01:55.
    assert window_lower(datetime(2026, 10, 25, 2, 10), WARSAW) == datetime(2026, 10, 25, 1, 55)


def test_after_the_repeated_hour_the_overlap_is_ordinary_again():
    assert window_lower(datetime(2026, 10, 25, 3, 30), WARSAW) == datetime(2026, 10, 25, 3, 15)


def test_the_lower_bound_is_never_above_any_stamp_a_late_commit_can_carry():
    # Brute force over the autumn night: for every instant a cursor can show, every stamp the
    # billing clock writes from 15 minutes before that instant on is inside the window.
    start = datetime(2026, 10, 24, 23, 0, tzinfo=ZoneInfo("UTC"))
    for minute in range(0, 4 * 60, 5):
        seen = start + timedelta(minutes=minute)
        cursor = seen.astimezone(WARSAW).replace(tzinfo=None)
        lower = window_lower(cursor, WARSAW)
        for later in range(0, 3 * 60):
            stamp = (seen - LATE_COMMIT + timedelta(minutes=later)).astimezone(WARSAW).replace(tzinfo=None)
            assert stamp >= lower, (cursor, stamp, lower)


def test_the_skipped_spring_hour_needs_nothing_special():
    assert window_lower(datetime(2026, 3, 29, 3, 10), WARSAW) == datetime(2026, 3, 29, 1, 55)


def test_stamps_round_trip_through_state_text():
    stamp = datetime(2026, 10, 25, 2, 30, 5)
    assert from_text(as_text(stamp)) == stamp and as_text(None) is None


def test_after_a_window_an_idle_table_is_not_read_again():
    # The window began at 12:00 (UTC 11:00); its signpost was a stamp from last month.
    read_at = datetime(2026, 11, 21, 11, 0, tzinfo=ZoneInfo("UTC"))
    assert window_lower(datetime(2026, 10, 31, 23, 0), WARSAW, read_at) == datetime(2026, 10, 31, 23, 0, 1)


def test_after_a_window_rows_committed_late_since_it_began_are_still_inside():
    read_at = datetime(2026, 11, 21, 11, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in Warsaw
    # 15 minutes for the vendor's longest transaction and 5 for clocks that differ.
    assert window_lower(datetime(2026, 11, 21, 11, 59, 58), WARSAW, read_at) == datetime(2026, 11, 21, 11, 40)


def test_a_window_begun_just_before_the_clock_goes_back_reaches_back_to_two_oclock():
    read_at = datetime(2026, 10, 25, 0, 59, 45, tzinfo=ZoneInfo("UTC"))  # 02:59:45 summer time
    assert window_lower(datetime(2026, 10, 25, 2, 59, 30), WARSAW, read_at) == datetime(2026, 10, 25, 2, 0)
