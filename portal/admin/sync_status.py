"""What the sync health page shows: each stream's freshness, how far it is behind billing, its last run,
the daemons alive, the rows billing holds against its own rules (orphans, stamps ahead of its clock)
and the recent runs and requests, read from the store only.

Freshness is the daemon's own rule (``sync.health.freshness`` against ``sync.schedule.stale_limits``),
so the page, `ibok sync status` and the /health endpoint call the same streams stale. How far a stream
is behind billing is not asked of billing (the portal never reaches it): a cursor stream's checkpoint
records when its last complete window was read (``read_at``), and every change billing had committed
by then is in the store, so the mirror is at most that long behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from adapters.store.mirror import anomalies
from adapters.store.sync_state import daemons, requests
from adapters.store.sync_state import streams as state
from sync import schedule
from sync.health import Freshness, freshness
from sync.streams import STREAMS

# Seen within this long and not stopped: alive (a daemon's heartbeat is every 10 s; `ibok sync status`
# and `ibok sync request` use the same minute).
ALIVE_WITHIN = timedelta(seconds=60)
LAST_RUNS = 50
LAST_REQUESTS = 20
ANOMALY_SAMPLE = 10


@dataclass(frozen=True)
class StreamRow:
    name: str
    strategy: str
    fresh: Freshness
    behind_s: float | None  # how long the mirror is at most behind billing; None: not a cursor stream
    checkpoint: str | None  # billing's stamp (or key) up to which the stream is mirrored
    in_progress: bool  # a window or a full scan is half read (a run stopped, or one runs now)
    last_run: dict[str, Any] | None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def behind_s(checkpoint: dict[str, Any], now: datetime) -> float | None:
    """Seconds since the stream's last complete window was read (cursor streams only)."""
    at = _instant(checkpoint.get("read_at")) if "cursor" in checkpoint else None
    return None if at is None else max(0.0, (now - at).total_seconds())


def streams(conn: Connection, daemon_settings: schedule.DaemonSettings, now: datetime) -> list[StreamRow]:
    """One row per stream, in the sync's dependency order."""
    limits = schedule.stale_limits(daemon_settings)
    fresh = {f.stream: f for f in freshness({s: state.last_good_run(conn, s) for s in limits}, limits, now)}
    states = state.all_states(conn)
    rows = []
    for stream in STREAMS:
        checkpoint = states.get(stream.name, ({}, None))[0]
        last = state.runs(conn, stream.name, limit=1)
        mark = checkpoint.get("cursor") or (str(checkpoint["after"]) if checkpoint.get("after") is not None else None)
        rows.append(StreamRow(stream.name, stream.strategy, fresh[stream.name], behind_s(checkpoint, now), mark,
                              "window" in checkpoint or "scan" in checkpoint, last[0] if last else None))
    return rows


def seconds_of(run: dict[str, Any]) -> float | None:
    """How long a run took (None while it runs)."""
    if run["finished_at"] is None:
        return None
    return max(0.0, (run["finished_at"] - run["started_at"]).total_seconds())


def overview(conn: Connection, daemon_settings: schedule.DaemonSettings, now: datetime,
             stream: str | None = None) -> dict[str, Any]:
    """Everything the page shows; ``stream``: the recent runs of that stream only."""
    runs = [run | {"seconds": seconds_of(run)} for run in state.runs(conn, stream, LAST_RUNS)]
    recent = [r | {"state": requests.state_of(r)} for r in requests.recent(conn, LAST_REQUESTS)]
    return {"streams": streams(conn, daemon_settings, now), "runs": runs, "requests": recent,
            "daemons": daemons.alive(conn, ALIVE_WITHIN), "anomalies": anomaly_rows(conn)}


@dataclass(frozen=True)
class AnomalyRow:
    stream: str
    kind: str  # orphan | ahead
    count: int
    first_found: datetime
    sample: list[dict[str, Any]]  # the first keys (parent and its key, or the stamp), to look up in billing


def anomaly_rows(conn: Connection) -> list[AnomalyRow]:
    """Rows billing holds against its own rules (``adapters.store.mirror.anomalies``), stream by stream."""
    order = {s.name: i for i, s in enumerate(STREAMS)}
    return [AnomalyRow(stream, kind, count, first, anomalies.sample(conn, stream, kind, ANOMALY_SAMPLE))
            for (stream, kind), (count, first) in sorted(anomalies.counts(conn).items(),
                                                         key=lambda item: (order.get(item[0][0], 99), item[0]))]
