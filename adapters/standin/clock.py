"""Billing wall-clock time: naive Europe/Warsaw stamps with one-second precision."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.clock import utcnow

WARSAW = ZoneInfo("Europe/Warsaw")


def exists_locally(stamp: datetime) -> bool:
    """False for the wall-clock hour skipped on the last Sunday of March."""
    aware = stamp.replace(tzinfo=WARSAW)
    return aware.astimezone(UTC).astimezone(WARSAW).replace(tzinfo=None) == stamp


def local_stamp(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A stamp the billing application could write at this wall-clock time on ``day``."""
    stamp = datetime.combine(day, time(hour, minute, second))
    return stamp if exists_locally(stamp) else stamp + timedelta(hours=1)


def warsaw_now() -> datetime:
    """The billing application's current stamp."""
    return utcnow().astimezone(WARSAW).replace(tzinfo=None, microsecond=0)
