"""Freshness of the mirror under `ibok daemon` with its default schedule (run by scripts/bench-freshness).

Builds the `demo` stand-in on MariaDB and a PostgreSQL store, syncs it once, starts the daemon
with default settings, then makes changes as billing's clerks do (payments booked, readings
corrected, customers' data changed, outages registered and closed) on billing's real clock.
After each change it notes the rows billing stamped and watches the store until each of them
is there with the same content; the time from billing's commit to the last row's arrival is
that change's latency. Prints every latency, the median, the 95th percentile and the maximum.

Deletions (a reversed payment, a deleted reading) carry no stamp: the nightly reconciliation
brings them, by design, so they are not part of this figure.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from bench_sync import ADMIN_ODBC, IBOK, ROOT, billing_dsn, drop_billing, machine, mariadb, pg_admin, store_url

from adapters.billing.source import OdbcBillingSource
from adapters.records import content_hash, key_of
from adapters.standin.clock import warsaw_now
from adapters.standin.office import Office
from adapters.standin.simulator import book_payment, close_outage, correct_reading, register_outage, update_customer
from adapters.store.db import create_store_engine
from adapters.store.store import Store
from sync.streams import STREAMS

EVENTS = [(book_payment, 5), (correct_reading, 2), (update_customer, 2), (register_outage, 1), (close_outage, 1)]
TARGET_P95_S = 60.0


@dataclass
class Change:
    what: str
    committed: float  # monotonic
    rows: dict[tuple[str, int], str]  # (entity, key) -> content hash billing has
    arrived: float | None = None
    waiting: set[tuple[str, int]] = field(default_factory=set)

    @property
    def latency(self) -> float | None:
        return None if self.arrived is None else self.arrived - self.committed


def stamped_rows(source: OdbcBillingSource, since_local) -> dict[tuple[str, int], str]:
    """Rows of the stamped streams changed since ``since_local``, with their content hash."""
    found = {}
    for stream in STREAMS:
        if stream.strategy != "cursor":
            continue
        upper = source.signpost(stream.name)
        if upper is None or upper < since_local:
            continue
        for _, record in source.changed(stream.name, since_local, upper, None, 10_000):
            found[(stream.name, key_of(record))] = content_hash(record)
    return found


def watch(store: Store, changes: list[Change], stop: threading.Event) -> None:
    """Poll the store: a change has arrived when every row it stamped has billing's content."""
    while not stop.is_set():
        for change in list(changes):
            if change.arrived is not None:
                continue
            by_entity: dict[str, list[int]] = {}
            for entity, key in change.waiting:
                by_entity.setdefault(entity, []).append(key)
            for entity, keys in by_entity.items():
                stored = store.hashes(entity, keys)
                change.waiting -= {(entity, k) for k in keys if stored.get(k) == change.rows[(entity, k)]}
            if not change.waiting:
                change.arrived = time.monotonic()
        stop.wait(0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench-freshness", description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30, help="how many changes to time (at least 20)")
    parser.add_argument("--size", default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the databases")
    args = parser.parse_args(argv)
    token = secrets.token_hex(3)
    billing, store_db = f"ibok_fresh_{token}", f"ibok_fresh_{token}_store"
    work = ROOT / "var" / "bench-freshness" / token
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "IBOK_BILLING_DSN": billing_dsn(billing), "IBOK_STORE_URL": store_url(store_db),
           "IBOK_PATHS_DATA_DIR": str(work), "IBOK_LOG_FORMAT": "json", "IBOK_DAEMON_METRICS_PORT": "0"}
    daemon = None
    print(f"bench-freshness: billing {billing} (MariaDB, {args.size}), store {store_db} (PostgreSQL); logs in {work}")
    print(f"machine: {machine()}")
    try:
        mariadb().cursor().execute(f"CREATE DATABASE {billing}")
        pg_admin(f"CREATE DATABASE {store_db}")
        for step in (["legacy", "create", "--dsn", billing_dsn(billing), "--size", args.size, "--seed",
                      str(args.seed)], ["db", "upgrade"], ["sync", "run"]):
            subprocess.run([str(IBOK), "--log-level", "WARNING", *step], env=env, check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
        with (work / "daemon.log").open("w") as log:
            daemon = subprocess.Popen([str(IBOK), "daemon"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        time.sleep(3)

        source = OdbcBillingSource(f"{ADMIN_ODBC};Database={billing}")
        store = Store(create_store_engine(store_url(store_db)))
        changes: list[Change] = []
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(store, changes, stop))
        watcher.start()
        rng = random.Random(f"bench-freshness:{args.seed}")
        functions, weights = zip(*EVENTS, strict=False)
        with Office(billing_dsn(billing)) as office:  # billing's real clock
            while len(changes) < args.changes:
                time.sleep(rng.uniform(0.5, 4.0))  # changes come at any phase of the schedule
                since = warsaw_now() - timedelta(seconds=1)
                what = rng.choices(functions, weights)[0](office, rng)
                committed = time.monotonic()
                if what.startswith("no "):
                    continue
                rows = stamped_rows(source, since.replace(tzinfo=None, microsecond=0))
                rows = {k: v for k, v in rows.items() if not any(k in c.rows for c in changes)}
                if rows:
                    changes.append(Change(what, committed, rows, waiting=set(rows)))
        deadline = time.monotonic() + 180
        while any(c.arrived is None for c in changes) and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        watcher.join()
        source.close()
        store.dispose()

        latencies = [c.latency for c in changes if c.latency is not None]
        for number, change in enumerate(changes, 1):
            shown = "NOT ARRIVED" if change.latency is None else f"{change.latency:5.1f} s"
            print(f"  {number:>3}. {shown}  {len(change.rows)} row(s)  {change.what[:90]}")
        missing = len(changes) - len(latencies)
        if not latencies:
            print("no change arrived")
            return 1
        p95 = percentile(latencies, 0.95) if not missing else float("inf")
        print(f"changes {len(changes)}, arrived {len(latencies)}; latency median {statistics.median(latencies):.1f} s,"
              f" 95th percentile {p95:.1f} s, max {max(latencies):.1f} s"
              f" (target: 95th percentile <= {TARGET_P95_S:.0f} s)")
        print("PASS" if p95 <= TARGET_P95_S else "FAIL")
        return 0 if p95 <= TARGET_P95_S else 1
    finally:
        if daemon is not None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)
        if not args.keep:
            drop_billing(billing)
            pg_admin(f"DROP DATABASE IF EXISTS {store_db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
