"""Acceptance: every submission reaches billing exactly once, whatever kills the relay or its connection.

Each trial queues a few readings and messages, then runs `ibok outbox relay` as a process that is
killed with SIGKILL at a chosen step (before an INSERT, after an INSERT before the batch is marked
sent, after marking), or, on the server databases, runs the relay while billing's server drops its
connection. At the end one clean relay run recovers, and each submission must have exactly one row
in its interface table.
"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest

from adapters.billing.interface import InterfaceWriter
from adapters.records import Delivery
from tests.writeback.harness import WriteBack, open_writeback

TRIALS = int(os.environ.get("IBOK_OUTBOX_TRIALS", "12"))  # per pair below; a soak: IBOK_OUTBOX_TRIALS=100
STEPS = ("outbox.before_insert", "outbox.after_insert", "outbox.after_mark")


def _relay_killed_at(wb: WriteBack, tmp_path: Path, step: str, nth: int, batch: int) -> tuple[bool, int]:
    """`ibok outbox relay` armed to SIGKILL itself the ``nth`` time it passes ``step``: (killed so,
    rows it found in billing by their KLUCZ, before it was killed or not)."""
    done = wb.ibok(tmp_path, "outbox", "relay", IBOK_FAILPOINTS=f"{step}={nth}", IBOK_OUTBOX_BATCH_SIZE=str(batch))
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-2000:]
    return done.returncode == -signal.SIGKILL, _found(done.stderr)


def _found(log: str) -> int:
    return log.count('"outbox_found_in_billing"')


def _relay_with_connection_drops(wb: WriteBack, rng: random.Random) -> int:
    """The relay in this process while the server kills its session now and then; drops made."""
    every = rng.randint(2, 5)
    drops = 0

    class Dropped(InterfaceWriter):
        inserts = 0

        def insert(self, delivery: Delivery) -> None:
            nonlocal drops
            Dropped.inserts += 1
            if Dropped.inserts % every == 0:
                drops += wb.drop_interface_sessions() > 0
            super().insert(delivery)

    relay = wb.relay(Dropped(wb.interface_dsn, query_timeout_s=10), batch_size=rng.choice([1, 3, 5]))
    relay.retry_max_wait_s = 0.0
    relay.run()
    relay.interface.close()
    return drops


@pytest.mark.parametrize("pair", [("sqlite", "sqlite"), ("mariadb", "postgresql")], ids=lambda p: "-to-".join(p))
def test_submissions_reach_billing_exactly_once_through_kills_and_dropped_connections(
        make_mirror, tmp_path: Path, pair: tuple[str, str]) -> None:
    for wb in open_writeback(make_mirror(*pair)):
        rng = random.Random(f"exactly-once-{pair}")
        held = wb.meters_held()
        keys: list[str] = []
        kills = {step: 0 for step in STEPS}
        drops = found = 0
        for trial in range(TRIALS):
            for _ in range(rng.randint(3, 8)):
                customer, serial, meter = rng.choice(held)
                keys.append(wb.reading(customer, serial, meter) if rng.random() < 0.5 else wb.message(customer))
            if wb.writer_user is not None and trial % 4 == 3:
                drops += _relay_with_connection_drops(wb, rng)
            else:
                step = STEPS[trial % len(STEPS)]
                killed, seen = _relay_killed_at(wb, tmp_path, step, rng.randint(1, 4), rng.choice([1, 2, 3, 5]))
                kills[step] += killed
                found += seen

        recovered = wb.ibok(tmp_path, "outbox", "relay")
        assert recovered.returncode == 0, recovered.stderr[-2000:]
        found += _found(recovered.stderr)

        assert wb.billing_keys() == {key: 1 for key in keys}, "a submission is missing or doubled in billing"
        assert set(wb.outbox_states().values()) == {"sent"}
        assert len(wb.outbox_states()) == len(keys) == wb.submission_count()
        assert all(kills.values()), f"every step must have been killed at least once: {kills}"
        assert found > 0, "a relay killed after its INSERT must leave rows the next one finds by KLUCZ"
        if wb.writer_user is not None:
            assert drops > 0
