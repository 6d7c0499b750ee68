"""What the daemon runs and when: job declarations from settings (pure; the daemon turns them into APScheduler jobs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Protocol

from config.settings import SettingsError
from sync.streams import BY_NAME, STREAMS

# Seconds between two incremental runs of each stream unless settings say otherwise. The hot
# streams (what a customer does and expects to see: readings, payments and what they settle)
# run several times a minute; tables billing changes rarely, or that need a full scan because
# they carry no change stamp (meters, sellers), run less often.
# Measured with scripts/bench-freshness: a change reaches the store within about one interval.
DEFAULT_INTERVALS: dict[str, int] = {
    "sellers": 3600, "customers": 30, "points": 120, "contracts": 60, "meters": 900, "readings": 20,
    "invoices": 30, "settlements": 20, "payments": 20, "outages": 30, "case_events": 30,
    # What the office did with a customer's submission: the customer waits for it on the page.
    "reading_replies": 20, "message_replies": 20, "change_replies": 20,
}


class DaemonSettings(Protocol):
    """What the schedule reads of ``settings.daemon``."""

    @property
    def intervals(self) -> Mapping[str, int]: ...  # seconds between two runs of a stream, where configured

    @property
    def stale_after_s(self) -> int: ...

    @property
    def reconcile_at(self) -> time: ...

    @property
    def requests_every_s(self) -> int: ...


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: an explicit id, what it does, and its trigger (every N seconds, or daily at a time)."""

    id: str
    kind: str  # stream | reconcile | requests | billing_probe | prune | outbox | mail | notify | tariff_averages
    every_s: float | None = None
    daily_at: time | None = None
    stream: str | None = None


def intervals(overrides: Mapping[str, int]) -> dict[str, int]:
    """The interval of every stream: the defaults with the configured ones over them."""
    unknown = sorted(set(overrides) - set(BY_NAME))
    if unknown:
        raise SettingsError(f"Setting daemon.intervals names unknown stream(s) {', '.join(unknown)};"
                            f" known: {', '.join(BY_NAME)}.")
    return {**DEFAULT_INTERVALS, **overrides}


def stale_limit(interval_s: int, stale_after_s: int) -> int:
    """Seconds after its last good run from which a stream counts as stale.

    The configured limit, but never less than three intervals: a stream run hourly is not stale
    after 15 minutes.
    """
    return max(stale_after_s, 3 * interval_s)


def stale_limits(daemon: DaemonSettings) -> dict[str, int]:
    """Each stream's ``stale_limit`` from ``settings.daemon`` (its intervals and ``stale_after_s``)."""
    every = intervals(daemon.intervals)
    return {name: stale_limit(every[name], daemon.stale_after_s) for name in BY_NAME}


def jobs(daemon: DaemonSettings, outbox_every_s: float = 2, mail_every_s: float = 5,
         notify_every_s: float = 60) -> list[JobSpec]:
    """The jobs of one daemon, from ``settings.daemon`` (and ``outbox.every_s``, ``mail.every_s``,
    ``mail.notify_every_s``)."""
    every = intervals(daemon.intervals)
    specs = [JobSpec(f"stream:{s.name}", "stream", every_s=every[s.name], stream=s.name) for s in STREAMS]
    specs += [
        JobSpec("reconcile", "reconcile", daily_at=daemon.reconcile_at),
        JobSpec("requests", "requests", every_s=daemon.requests_every_s),
        JobSpec("billing_probe", "billing_probe", every_s=1),
        JobSpec("prune", "prune", every_s=3600),
        JobSpec("outbox", "outbox", every_s=outbox_every_s),
        JobSpec("tariff_averages", "tariff_averages", every_s=3600),
        JobSpec("mail", "mail", every_s=mail_every_s),
        JobSpec("notify", "notify", every_s=notify_every_s),
    ]
    return specs
