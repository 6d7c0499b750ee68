"""Acceptance: a meter's readings reach billing in the order they were made, whatever the number of
daemons and however often they are killed.

Two `ibok daemon` processes (the failover set-up) relay to MariaDB billing from one PostgreSQL
store: five increasing values on each of 40 meters, in bursts of 20 meters made while both
daemons are paused (SIGSTOP), so that on SIGCONT both relays fall on the backlog at once and their
batches hold readings of one meter. Within a second of each burst one daemon is killed with
SIGKILL, in the middle of relaying or just after, and started again. At the end each reading is
in billing once, each meter's rows follow one another in the order made (billing's inbox takes
them by ID_ZGL), and billing's inbox rejects none.

A daemon's relay wakes once a second and drains a burst in a fraction of that, so two daemons
overlap only now and then; the first test therefore runs two relays that never rest, in two
threads with connections of their own, on the same backlog.

``IBOK_ORDER_SOAK_S`` makes it a soak: rounds of 200 readings go on for that many seconds
(600 for the ten-minute soak in docs/benchmarks.md).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.standin.inbox import process_inbox
from sync.streams import STREAMS
from tests.daemon.conftest import DaemonProcess, start_daemon, wait_until  # noqa: F401 - start_daemon: the fixture
from tests.sync.conftest import open_mirror
from tests.writeback.harness import WriteBack, open_writeback

METERS, VALUES, BURST = 40, 5, 20
SOAK_S = float(os.environ.get("IBOK_ORDER_SOAK_S", "0"))
QUIET = {"daemon_intervals": ",".join(f"{s.name}=3600" for s in STREAMS)}  # the relay is what is under test


def _billing_order(wb: WriteBack, keys: set[str]) -> dict[int, list[tuple[str, Decimal]]]:
    """Billing's rows of these submissions per meter, in the order its inbox takes them."""
    rows = wb.mirror.billing_sql("SELECT KLUCZ, ID_WOD, STAN FROM IBOK_ODCZYTY ORDER BY ID_ZGL")
    by_meter: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for key, meter, state in rows:
        if key.strip() in keys:
            by_meter[int(meter)].append((key.strip(), Decimal(str(state))))
    return by_meter


@pytest.mark.parametrize("store", ["postgresql", "sqlite"])
def test_two_relays_at_once_deliver_each_meters_readings_in_order(make_billing_db, make_store_url, store) -> None:
    mirror = open_mirror(make_billing_db("mariadb"), make_store_url(store))
    try:
        for wb in open_writeback(mirror):
            made: dict[int, list[str]] = defaultdict(list)
            for customer, serial, meter in wb.meters_held()[:METERS]:
                made[meter].extend(wb.reading(customer, serial, meter) for _ in range(VALUES))
            keys = {k for ks in made.values() for k in ks}
            relays = [wb.relay(batch_size=3, holder=f"relay-{n}") for n in range(2)]
            delivered = [0, 0]

            def relaying(n: int) -> None:
                while set(wb.outbox_states().values()) != {"sent"}:
                    report = relays[n].run()
                    delivered[n] += report.sent + report.found

            threads = [threading.Thread(target=relaying, args=(n,)) for n in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            for relay in relays:
                relay.interface.close()
            assert all(delivered), f"both relays must have delivered: {delivered}"
            assert wb.billing_keys() == {k: 1 for k in keys}
            in_billing = _billing_order(wb, keys)
            out_of_order = {m: rows for m, rows in in_billing.items() if [k for k, _ in rows] != made[m]}
            assert not out_of_order, f"readings reached billing out of order on {len(out_of_order)} meters"
            with mirror.office() as office:
                assert process_inbox(office).readings == {"P": len(keys), "O": 0}
    finally:
        mirror.source.close()
        mirror.store.dispose()


def test_two_daemons_killed_every_few_seconds_deliver_each_meters_readings_in_order(
        make_billing_db, make_store_url, start_daemon, tmp_path: Path) -> None:
    mirror = open_mirror(make_billing_db("mariadb"), make_store_url("postgresql"))
    rng = random.Random("order")
    try:
        for wb in open_writeback(mirror):
            held = wb.meters_held()[:METERS]
            assert len(held) == METERS, "the tiny stand-in must hold 40 mounted meters"
            settings = {"billing_interface_dsn": wb.interface_dsn, "outbox_every_s": "1",
                        "outbox_batch_size": "3", **QUIET}
            started = 0

            def start() -> DaemonProcess:
                nonlocal started
                started += 1
                return start_daemon(mirror, f"d{started}", **settings)

            daemons = [start(), start()]
            made: dict[int, list[str]] = defaultdict(list)  # per meter, in the order submitted
            kills, began, rounds = 0, time.monotonic(), 0
            while rounds < 1 or time.monotonic() - began < SOAK_S:
                for burst in range(0, METERS, BURST):
                    # Both daemons paused (as a stalled host would be) while a few meters get their
                    # five readings each; resumed together, both relays fall on the backlog at once.
                    for daemon in daemons:
                        daemon.signal(signal.SIGSTOP)
                    for customer, serial, meter in held[burst:burst + BURST]:
                        made[meter].extend(wb.reading(customer, serial, meter) for _ in range(VALUES))
                    for daemon in daemons:
                        daemon.signal(signal.SIGCONT)
                    time.sleep(rng.uniform(0.05, 0.6))
                    victim = rng.randrange(2)  # killed in the middle of relaying, or just after
                    daemons[victim].kill()
                    daemons[victim] = start()
                    kills += 1
                rounds += 1
            keys = {k for ks in made.values() for k in ks}
            wait_until(lambda: set(wb.outbox_states().values()) == {"sent"}, 120, every=0.5,
                       what="every reading delivered")
            for daemon in daemons:
                assert daemon.stop() == 0

            assert kills >= 2, "the daemons must have been killed while relaying"
            assert wb.billing_keys() == {k: 1 for k in keys}, "a reading is missing or doubled in billing"
            in_billing = _billing_order(wb, keys)
            out_of_order = {m: rows for m, rows in in_billing.items() if [k for k, _ in rows] != made[m]}
            assert not out_of_order, f"readings reached billing out of order on {len(out_of_order)} meters"
            assert all(a < b for rows in in_billing.values() for (_, a), (_, b) in zip(rows, rows[1:], strict=False))
            with mirror.office() as office:
                report = process_inbox(office)
            assert report.readings == {"P": len(keys), "O": 0}, "billing's inbox rejected valid readings"
            print(f"ORDER readings={len(keys)} meters={METERS} rounds={rounds} kills={kills} "
                  f"seconds={time.monotonic() - began:.0f} rejected={report.readings['O']}")
    finally:
        mirror.source.close()
        mirror.store.dispose()
