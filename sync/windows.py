"""Where a cursor read starts, in billing's local wall-clock time.

Billing stamps rows with local time, without a zone, when it changes them, and commits up to
15 minutes later (the vendor's limit). After a window was read, a row not yet seen either
carries a stamp after the window's signpost (the newest stamp visible when the window began),
or was committed after the window began and so carries a stamp no older than 15 minutes
before that moment (plus an allowance for the clocks of billing and of this host differing).
The next window starts at the lower of the two, so an idle table is not re-read at all.

In local time "15 minutes before" is not always ``t - 15 min``: on the last Sunday of October
the clock goes back and 02:00-02:59 happens twice, so the bound is the lowest wall-clock time
shown at any instant from then on (sampled each minute of the next hour, the most a clock
ever goes back).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The vendor's longest transaction; a row may become visible this long after its stamp.
LATE_COMMIT = timedelta(minutes=15)
# How far billing's clock may run ahead of ours without a late row being missed.
CLOCK_SKEW = timedelta(minutes=5)
STAMP_STEP = timedelta(seconds=1)  # DATA_MOD has one-second precision


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def lowest_local(instant: datetime, tz: ZoneInfo) -> datetime:
    """The lowest wall-clock time the zone shows at ``instant`` or at any later instant."""
    first_minute = instant.replace(second=0, microsecond=0) + timedelta(minutes=1)
    samples = [instant] + [first_minute + timedelta(minutes=m) for m in range(60)]
    return min(_local(t, tz) for t in samples)


def window_lower(cursor: datetime | None, tz: ZoneInfo, read_at: datetime | None = None,
                 overlap: timedelta = LATE_COMMIT, skew: timedelta = CLOCK_SKEW) -> datetime | None:
    """The lowest local stamp a row not seen by the window that ended at ``cursor`` can carry.

    ``read_at`` is when that window began (UTC); without it (a state from before it was kept)
    the overlap is counted back from the cursor itself, which re-reads more but misses nothing.
    None: from the start.
    """
    if cursor is None:
        return None
    if read_at is None:
        # An ambiguous stamp (the repeated hour) is taken as its first occurrence, the earlier instant.
        return lowest_local(cursor.replace(tzinfo=tz, fold=0).astimezone(UTC) - overlap, tz)
    return min(cursor + STAMP_STEP, lowest_local(read_at - overlap - skew, tz))


def as_text(stamp: datetime | None) -> str | None:
    """A billing stamp as kept in stream state (ISO, local, no zone)."""
    return None if stamp is None else stamp.isoformat(sep=" ")


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
