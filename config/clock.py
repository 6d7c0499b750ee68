"""The one clock of iBOK: every "now" and "today" of the portal, the notifier and the sync comes from here.

Nothing else reads the system clock for a date or a timestamp, so a test moves all of iBOK's time
at once: with time-machine (``time_machine.travel``) in-process, or with the machine's clock (the
suite passes under ``faketime +400d``). Monotonic clocks for timeouts and durations stay real.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def today(timezone: str) -> date:
    """Today's date in ``timezone`` (billing's: the day a reading is dated, an invoice is overdue)."""
    return utcnow().astimezone(ZoneInfo(timezone)).date()


def local_now(timezone: str) -> datetime:
    """Now as a naive wall-clock time in ``timezone`` (how billing writes its own stamps)."""
    return utcnow().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
