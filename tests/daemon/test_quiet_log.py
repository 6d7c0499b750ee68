"""Acceptance: a daemon over a quiet billing logs one line per unit of work, and nothing per job.

Every stream runs each second (so that per-job chatter, if any, would show 14 times a second),
the relay and the probe too, over a billing where nothing changes. After the first catch-up the
log must hold no line of the scheduler at info level and nothing else per run. ``IBOK_QUIET_LOG_S``
sets how long it is watched (default 15 s; the ten-minute run in docs/benchmarks.md used 600).
"""

from __future__ import annotations

import os
import time
from collections import Counter

from sync.streams import STREAMS
from tests.daemon.conftest import wait_until
from tests.daemon.test_daemon import _runs
from tests.sync.conftest import Mirror

WATCH_S = float(os.environ.get("IBOK_QUIET_LOG_S", "15"))
EVERY_SECOND = {"daemon_intervals": ",".join(f"{s.name}=1" for s in STREAMS), "daemon_requests_every_s": "1",
                "outbox_every_s": "1", "daemon_probe_every_s": "1"}


def test_a_daemon_over_a_quiet_billing_writes_no_line_per_job(make_mirror, start_daemon) -> None:
    mirror: Mirror = make_mirror("mariadb", "postgresql")  # the logging does not depend on the databases
    mirror.sync()
    daemon = start_daemon(mirror, **EVERY_SECOND)
    wait_until(lambda: {r["stream"] for r in _runs(mirror)} >= {s.name for s in STREAMS}, 60,
               what="every stream's first run")
    time.sleep(2)
    before = len(daemon.events())
    time.sleep(WATCH_S)
    lines = daemon.events()[before:]
    assert daemon.stop() == 0

    by_logger = Counter(str(e.get("logger", "")) for e in lines)
    scheduler = [e for e in lines if str(e.get("logger", "")).startswith("apscheduler")]
    print(f"QUIET_LOG seconds={WATCH_S:.0f} lines={len(lines)} by_logger={dict(by_logger)}")
    assert not scheduler, scheduler[:3]
    # Nothing changed in billing: a run with nothing to do, a relay with nothing to send and a probe
    # that got its answer are not units of work worth a line.
    assert len(lines) <= WATCH_S / 60 + 1, lines[:5]
