"""Throughput of customer submissions: the service functions into the store, and the relay into billing
(run by scripts/bench-outbox).

Builds the `demo` stand-in on MariaDB (with its interface account) and a PostgreSQL store, syncs
it once, then:
1. queues N submissions (a quarter readings, the rest messages) through the service functions, as
   the portal would, and prints submissions/s;
2. runs `ibok outbox relay` as a child process with the interface account and prints submissions/s
   and peak RSS;
3. inserts the same number of rows into IBOK_ZGLOSZENIA with plain pyodbc (one autocommit INSERT
   each, nothing else: the floor of any exactly-once relay), and prints the relay's ratio to it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyodbc
from bench_sync import (
    IBOK,
    billing_dsn,
    code_version,
    drop_billing,
    load,
    machine,
    mariadb,
    pg_admin,
    run_child,
    show,
    store_url,
    versions,
)
from sqlalchemy import func, select

from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.outbox import submitted as store_submissions
from adapters.store.tables import contracts, meters, outbox
from sync.submissions import service
from sync.submissions.rules import ReadingEntry


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench-outbox", description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=None, help="outbox.batch_size (default: the setting's)")
    parser.add_argument("--keep", action="store_true", help="leave the databases")
    parser.add_argument("--profile", action="store_true", help="profile the relay (cProfile report next to the logs)")
    return parser.parse_args(argv)


def queue(engine, count: int) -> float:
    """Queue ``count`` submissions through the service functions; seconds taken."""
    ctx = service.Context(engine, "bench")
    with engine.connect() as conn:
        held = conn.execute(select(contracts.c.customer_id, meters.c.serial_number, meters.c.id)
                            .join(meters, meters.c.point_id == contracts.c.point_id)
                            .where(contracts.c.active, meters.c.dismounted_on.is_(None))).all()
        level = {}
        for customer, _, meter in held:
            last = next((m["last"] for m in store_submissions.held_meters(conn, customer, ctx.today())
                         if m["id"] == meter), None)
            level[meter] = (last[1] if last else Decimal(0)) + 1
    tokens = itertools.count()
    started = time.monotonic()
    for n in range(count):
        customer, serial, meter = held[n % len(held)]
        token = f"bench-{next(tokens)}"
        if n % 4 == 0:
            done = service.submit_readings(ctx, customer, [ReadingEntry(serial, str(level[meter]), None, True)],
                                           token=token)
            level[meter] += Decimal("0.25")
        else:
            done = service.send_message(ctx, customer, "INF", "Pytanie", "Proszę o informację o fakturze.",
                                        token=token)
        assert done.ok, (done.problems, done.warnings)
    return time.monotonic() - started


def raw_inserts(dsn: str, count: int) -> float:
    """The floor: ``count`` autocommit INSERTs into IBOK_ZGLOSZENIA, nothing else; seconds taken."""
    conn = pyodbc.connect(dsn, autocommit=True)
    now = datetime.now().replace(microsecond=0)
    cur = conn.cursor()
    started = time.monotonic()
    for _ in range(count):
        cur.execute("INSERT INTO IBOK_ZGLOSZENIA (KLUCZ, ID_ODB, KATEGORIA, TEMAT, TRESC, DATA_ZGLOSZENIA, STATUS,"
                    " DATA_MOD) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", str(uuid.uuid4()), 1, "INF", "Pytanie",
                    "Proszę o informację o fakturze.", now, "N", now)
    seconds = time.monotonic() - started
    conn.close()
    return seconds


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    name = f"ibok_bench_outbox_{secrets.token_hex(3)}"
    writer_password = secrets.token_hex(8)
    work = Path(tempfile.mkdtemp(prefix="ibok-bench-outbox-"))
    env = {**os.environ, "IBOK_PATHS_DATA_DIR": str(work), "IBOK_LOG_FORMAT": "json", "IBOK_LOG_LEVEL": "WARNING",
           "IBOK_BILLING_DSN": billing_dsn(name), "IBOK_STORE_URL": store_url(name)}
    print(f"machine: {machine()}; {load()}; code {code_version()}")
    pg_admin(f"CREATE DATABASE {name}")
    mariadb().cursor().execute(f"CREATE DATABASE {name}")
    try:
        built = run_child("create", [str(IBOK), "legacy", "create", "--dsn", billing_dsn(name), "--size", "demo",
                                     "--writer-password", writer_password, "--reader-password", secrets.token_hex(8)],
                          env, work)
        show(built)
        migrate.upgrade(store_url(name))
        show(run_child("sync", [str(IBOK), "sync", "run"], env, work))
        billing, store = versions(name, name)
        print(f"billing {billing}, store {store}")

        engine = create_store_engine(store_url(name))
        seconds = queue(engine, args.submissions)
        print(f"  queue: {args.submissions:,} submissions through the service functions in {seconds:.2f} s"
              f" = {args.submissions / seconds:,.0f} submissions/s")

        interface = billing_dsn(name).replace("UID=ibok_test;PWD=ibok_test", f"UID={name}_writer;PWD={writer_password}")
        relay_env = {**env, "IBOK_BILLING_INTERFACE_DSN": interface}
        if args.batch_size:
            relay_env["IBOK_OUTBOX_BATCH_SIZE"] = str(args.batch_size)
        relayed = run_child("relay", [str(IBOK), "outbox", "relay"], relay_env, work, profile=args.profile)
        show(relayed, f"; {relayed.stdout.strip()}")
        with engine.connect() as conn:
            sent = conn.execute(select(func.count()).select_from(outbox).where(outbox.c.state == "sent")).scalar_one()
        assert sent == args.submissions, f"only {sent} of {args.submissions} sent"
        working = float(re.search(r"in ([\d.]+) s", relayed.stdout)[1])
        relay_rate = args.submissions / working
        print(f"  relay: {args.submissions:,} submissions in {working:.2f} s (the relay's pass; the whole process"
              f" {relayed.seconds:.2f} s) = {relay_rate:,.0f} submissions/s")
        engine.dispose()

        raw = raw_inserts(interface, args.submissions)
        raw_rate = args.submissions / raw
        print(f"  raw: {args.submissions:,} autocommit INSERTs in {raw:.2f} s = {raw_rate:,.0f} rows/s")
        print(f"  relay / raw = {relay_rate / raw_rate:.2f}")
    finally:
        if not args.keep:
            drop_billing(name)
            pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
