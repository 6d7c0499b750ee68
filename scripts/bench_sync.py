"""Benchmark of `ibok sync` on the billing stand-in (MariaDB) into a PostgreSQL store (run by scripts/bench-sync).

Every measured step is a separate `ibok` child process, timed by wall clock, with its peak RSS
taken from ``os.wait4``. The raw pipe (plain pyodbc into PostgreSQL COPY, no mapping, no
hashing, no upserts) is what moving the same rows costs at all; the ratio of the sync's rows/s
to it is the price of mapping, hashing, planning and upserting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import random
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pyodbc
from sqlalchemy.engine import make_url

from adapters.billing.entities import ENTITIES
from adapters.standin.clock import warsaw_now
from adapters.standin.office import Office
from adapters.standin.profiles import SIZES
from adapters.standin.simulator import RUN_LAG, book_payment, correct_reading, delete_reading, invoicing_run

ROOT = Path(__file__).resolve().parent.parent
IBOK = Path(sys.executable).with_name("ibok")
ADMIN_ODBC = os.environ.get("IBOK_TEST_MARIADB_ODBC",
                            "Driver=MariaDB Unicode;Server=127.0.0.1;Port=3306;UID=ibok_test;PWD=ibok_test")
ADMIN_PG_URL = os.environ.get("IBOK_TEST_POSTGRES_URL",
                              "postgresql+psycopg://ibok_test:ibok_test@127.0.0.1:5432/postgres")
# The billing tables the sync mirrors: one per entity, plus the invoice lines read with their invoice.
MIRRORED_TABLES = sorted({e.table for e in ENTITIES.values()} | {"POZYCJE_FAKTURY"})
TRACKED_TABLES = sorted({e.table for e in ENTITIES.values() if e.tracked})
STORE_TABLES = [*ENTITIES, "invoice_lines"]
ROWS_PER_INVOICED_CONTRACT = 6  # an invoicing run writes ~1 reading, 1 invoice, ~3 lines, 1 settlement (measured 5.9)
STEPS = ("full", "idle", "incremental", "reconcile", "verify", "raw")


# ----- child processes ----------------------------------------------------------------------------
@dataclass
class Child:
    label: str
    seconds: float
    peak_rss_mb: float
    exit_code: int
    stdout: str
    log: Path


TIME = Path("/usr/bin/time")


def run_child(label: str, argv: list[str], env: dict[str, str], work: Path, profile: bool = False) -> Child:
    """Run one child, timed by wall clock, with its peak RSS (KiB on Linux).

    The peak comes from /usr/bin/time, itself a few MB, when it exists: a child forked straight
    from this process would report this process's RSS as its own peak when it is higher (Linux
    carries the pre-exec peak into ru_maxrss). Without it, from wait4, which has that flaw.
    """
    log = work / f"{label}.log"
    if profile:
        argv = [sys.executable, "-m", "cProfile", "-o", str(work / f"{label}.prof"), *argv]
    peak_file = work / f"{label}.maxrss"
    if TIME.exists():
        argv = [str(TIME), "-q", "-f", "%M", "-o", str(peak_file), *argv]
    started = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    proc.stdout.close()
    peak_kib = usage.ru_maxrss
    if TIME.exists():
        peak_kib = int(peak_file.read_text().split()[-1])
    child = Child(label, seconds, peak_kib / 1024, proc.returncode, out.decode(), log)
    if profile:
        _profile_report(work / f"{label}.prof", work / f"{label}.prof.txt")
        print(f"  profile: {work / f'{label}.prof.txt'}")
    return child


def _profile_report(path: Path, out: Path) -> None:
    with out.open("w") as stream:
        stats = pstats.Stats(str(path), stream=stream).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(40)


RESULT_LINE = re.compile(r"^(\w+)\s+(\w+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)$")


RECONCILED_LINE = re.compile(r"^(\w+)\s+(\w+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)$")


def reconciled_of(stdout: str) -> dict[str, dict[str, int]]:
    """The per-stream table `ibok sync reconcile` prints: compared, changed, missing, extra, orphans."""
    found = {}
    for line in stdout.splitlines():
        m = RECONCILED_LINE.match(line.strip())
        if m:
            found[m[1]] = dict(zip(("compared", "changed", "missing", "extra", "orphans"),
                                   (int(v.replace(",", "")) for v in m.groups()[2:7]), strict=False))
    return found


def repairs(stdout: str) -> str:
    found = reconciled_of(stdout)
    totals = {k: sum(r[k] for r in found.values()) for k in ("compared", "changed", "missing", "extra", "orphans")}
    return ", ".join(f"{n:,} {k}" for k, n in totals.items())


def results_of(stdout: str) -> dict[str, dict[str, object]]:
    """The per-stream table `ibok sync run` / `reconcile` prints."""
    found = {}
    for line in stdout.splitlines():
        m = RESULT_LINE.match(line.strip())
        if m:
            found[m[1]] = {"outcome": m[2], "read": int(m[3].replace(",", "")),
                           "written": int(m[4].replace(",", "")), "deleted": int(m[5].replace(",", "")),
                           "seconds": float(m[6])}
    return found


def show(child: Child, extra: str = "") -> None:
    status = "ok" if child.exit_code == 0 else f"EXIT {child.exit_code}"
    print(f"  {child.label}: {child.seconds:.2f} s wall, peak RSS {child.peak_rss_mb:.0f} MB, {status}{extra}")
    if child.exit_code != 0:
        print("  " + child.stdout.replace("\n", "\n  ").rstrip())
        print(f"  (stderr in {child.log})")


# ----- databases ----------------------------------------------------------------------------------
def mariadb(database: str | None = None) -> pyodbc.Connection:
    return pyodbc.connect(ADMIN_ODBC + (f";Database={database}" if database else ""), autocommit=True)


def billing_dsn(database: str) -> str:
    return f"{ADMIN_ODBC};Database={database}"


def store_url(database: str) -> str:
    return make_url(ADMIN_PG_URL).set(database=database).render_as_string(hide_password=False)


def pg_conninfo(database: str) -> str:
    return make_url(ADMIN_PG_URL).set(drivername="postgresql", database=database).render_as_string(
        hide_password=False)


def pg_admin(sql: str) -> None:
    with psycopg.connect(pg_conninfo(make_url(ADMIN_PG_URL).database or "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def drop_billing(database: str) -> None:
    cur = mariadb().cursor()
    cur.execute(f"DROP DATABASE IF EXISTS {database}")
    for user in (f"{database}_reader", f"{database}_writer"):
        cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")


def billing_counts(database: str) -> dict[str, int]:
    cur = mariadb(database).cursor()
    return {t: cur.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in MIRRORED_TABLES}


def store_counts(database: str) -> dict[str, int]:
    with psycopg.connect(pg_conninfo(database)) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in STORE_TABLES}


def versions(billing: str, store: str) -> tuple[str, str]:
    maria = mariadb(billing).cursor().execute("SELECT VERSION()").fetchone()[0]
    with psycopg.connect(pg_conninfo(store)) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return f"MariaDB {maria}", f"PostgreSQL {pg}"


def code_version() -> str:
    """The commit measured, and the files changed on top of it (others may be editing the checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.rstrip()
    dirty = git("status", "--short", "--untracked-files=no").splitlines()
    return git("rev-parse", "--short", "HEAD") + (f" + changes in {', '.join(line[3:] for line in dirty)}"
                                                  if dirty else "")


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return f"{cpu}, {os.cpu_count()} cores, {kib / 1024 / 1024:.1f} GiB RAM, {platform.python_implementation()} " \
           f"{platform.python_version()}"


# ----- the 1% change -------------------------------------------------------------------------------
@dataclass
class ChangeReport:
    seconds: float = 0.0
    contracts_asked: int = 0
    invoicing: str = ""
    events: dict[str, int] = field(default_factory=dict)
    stamped: dict[str, int] = field(default_factory=dict)  # rows inserted or updated, per table
    new_lines: int = 0
    deleted: int = 0

    @property
    def rows(self) -> int:
        return sum(self.stamped.values()) + self.new_lines + self.deleted


def stamped_since(cur: pyodbc.Cursor, since: datetime) -> tuple[dict[str, int], int]:
    counts = {t: cur.execute(f"SELECT COUNT(*) FROM {t} WHERE DATA_MOD >= ?", since).fetchone()[0]
              for t in TRACKED_TABLES}
    lines = cur.execute("SELECT COUNT(*) FROM POZYCJE_FAKTURY p JOIN FAKTURY f ON f.ID_FAKT = p.ID_FAKT"
                        " WHERE f.DATA_MOD >= ?", since).fetchone()[0]
    return counts, lines


def change_data(database: str, total_rows: int, percent: float, payments: int, corrections: int,
                deletions: int, seed: int) -> ChangeReport:
    """About ``percent`` % of the rows written by one invoicing run, plus payments and reading fixes."""
    report = ChangeReport()
    cur = mariadb(database).cursor()
    # Billing's real clock: the sync bounds late commits by this host's clock, so stamps moved
    # ahead would look like a clock gone wrong. A reused database invoices the contracts not
    # invoiced today yet (about three runs a day on `large`).
    since = warsaw_now() - RUN_LAG - timedelta(minutes=1)
    before, lines_before = stamped_since(cur, since)
    rng = random.Random(f"bench-sync:{seed}")
    report.contracts_asked = max(1, round(total_rows * percent / 100 / ROWS_PER_INVOICED_CONTRACT))
    started = time.monotonic()
    with Office(billing_dsn(database)) as office:
        report.invoicing = invoicing_run(office, rng, limit=report.contracts_asked)
        for name, fn, count in (("book_payment", book_payment, payments),
                                ("correct_reading", correct_reading, corrections),
                                ("delete_reading", delete_reading, deletions)):
            done = 0
            for _ in range(count):
                outcome = fn(office, rng)
                done += not outcome.startswith("no ")
                report.deleted += name == "delete_reading" and outcome.endswith(" deleted")
            report.events[name] = done
    report.seconds = time.monotonic() - started
    after, lines_after = stamped_since(cur, since)
    report.stamped = {t: after[t] - before[t] for t in TRACKED_TABLES}
    report.new_lines = lines_after - lines_before
    return report


@dataclass
class ScriptReport:
    """Changes made behind the change stamps, as the vendor's scripts and a DBA make them."""

    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(f"{n:,} {what}" for what, n in self.rows.items())


def script_changes(database: str, seed: int, scale: int) -> ScriptReport:
    """In-place changes with the old stamp, stamps set back a week, meters moved and contracts given to
    another customer with no stamp, hard deletes: what only a reconciliation finds."""
    conn = mariadb(database)
    cur = conn.cursor()
    rng = random.Random(f"bench-sync-scripts:{seed}")
    report = ScriptReport()
    started = time.monotonic()

    def keys(table: str, key: str, count: int) -> list[int]:
        low, high = cur.execute(f"SELECT MIN({key}), MAX({key}) FROM {table}").fetchone()
        population = range(int(low), int(high) + 1)
        return sorted(rng.sample(population, min(count, len(population))))

    def run(what: str, sql: str, table: str, key: str, count: int, *params: object) -> None:
        chosen = keys(table, key, count)
        marks = ", ".join("?" * len(chosen))
        report.rows[what] = cur.execute(f"{sql} WHERE {key} IN ({marks})", *params, *chosen).rowcount
        conn.commit()

    points = keys("PUNKTY", "ID_PKT", 1)[0]
    customer = keys("ODBIORCY", "ID_ODB", 1)[0]
    run("payment amounts (stamp kept)", "UPDATE WPLATY SET KWOTA = KWOTA + 0.01", "WPLATY", "ID_WPL", 5 * scale)
    run("customer e-mails and e-invoice flags (stamp kept)",
        "UPDATE ODBIORCY SET EMAIL = CONCAT('skrypt.', ID_ODB, '@example.pl'), "
        "E_FAKTURA = IF(E_FAKTURA = 'T', 'N', 'T')", "ODBIORCY", "ID_ODB", 2 * scale)
    run("invoices (stamp set back a week)", "UPDATE FAKTURY SET BRUTTO = BRUTTO + 0.01, NETTO = NETTO + 0.01, "
        "DATA_MOD = DATA_MOD - INTERVAL 7 DAY", "FAKTURY", "ID_FAKT", 2 * scale)
    run("meters moved (no stamp)", "UPDATE WODOMIERZE SET ID_PKT = ?", "WODOMIERZE", "ID_WOD", scale // 2, points)
    run("contracts given to another customer (stamp kept)", "UPDATE UMOWY SET ID_ODB = ?", "UMOWY", "ID_UMOWY",
        scale // 5, customer)
    run("payments deleted", "DELETE FROM WPLATY", "WPLATY", "ID_WPL", scale)
    report.seconds = time.monotonic() - started
    conn.close()
    return report


# ----- the raw pipe ---------------------------------------------------------------------------------
PG_TYPES = {int: "bigint", float: "double precision", Decimal: "numeric", str: "text", date: "date",
            datetime: "timestamp", bytes: "bytea", bytearray: "bytea", bool: "boolean"}


def raw_pipe(odbc: str, conninfo: str, batch: int) -> None:
    """Every mirrored billing table, keyset pages of ``batch`` rows by fetchmany, into COPY; no mapping."""
    src = pyodbc.connect(odbc, autocommit=True)
    # As the billing adapter does: pyodbc's Decimal conversion leaks memory with MariaDB
    # Connector/ODBC; as text the values go into numeric columns just the same.
    for sql_type in (pyodbc.SQL_DECIMAL, pyodbc.SQL_NUMERIC):
        src.add_output_converter(sql_type, lambda raw: None if raw is None else raw.decode("ascii"))
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo) as dst:
        dst.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE")
        dst.execute("CREATE SCHEMA bench_raw")
        dst.commit()
        for table in MIRRORED_TABLES:
            cur = src.cursor()
            key = cur.execute("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE"
                              " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'",
                              table).fetchone()[0]
            cur.execute(f"SELECT * FROM {table} WHERE 1 = 0")
            columns = [(d[0], PG_TYPES.get(d[1], "text")) for d in cur.description]
            dst.execute(f"CREATE TABLE bench_raw.{table.lower()} ("
                        + ", ".join(f'"{name.lower()}" {kind}' for name, kind in columns) + ")")
            position = columns.index(next(c for c in columns if c[0] == key))
            after, n = -1, 0
            with dst.cursor().copy(f"COPY bench_raw.{table.lower()} FROM STDIN") as pipe:
                while True:
                    cur.execute(f"SELECT * FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?", after, batch)
                    rows = cur.fetchmany(batch)
                    for row in rows:
                        pipe.write_row(row)
                    n += len(rows)
                    if len(rows) < batch:
                        break
                    after = rows[-1][position]
            dst.commit()
            counts[table] = n
        dst.execute("DROP SCHEMA bench_raw CASCADE")
        dst.commit()
    print(json.dumps(counts))


# ----- the benchmark --------------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench-sync", description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="large", choices=list(SIZES))
    parser.add_argument("--keep", action="store_true", help="leave the billing database (for --reuse)")
    parser.add_argument("--reuse", metavar="NAME", help="use this already built billing database; implies --keep")
    parser.add_argument("--keep-store", action="store_true", help="leave the PostgreSQL store database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, help="passed to `ibok sync run/reconcile` (default: theirs)")
    parser.add_argument("--percent", type=float, default=1.0, help="share of rows the office changes")
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--corrections", type=int, default=100)
    parser.add_argument("--deletions", type=int, default=50)
    parser.add_argument("--scripts", type=int, default=100,
                        help="scale of the changes behind the stamps (x5 payments, x2 customers and invoices, ...)")
    parser.add_argument("--profile", action="append", default=[], choices=STEPS[:-1],
                        help="run this step under cProfile (repeatable; slows it down)")
    parser.add_argument("--skip-raw", action="store_true", help="leave out the raw pipe")
    parser.add_argument("--raw-batch", type=int, default=5000, help="rows per keyset page of the raw pipe")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["_raw_pipe"]:
        raw_pipe(argv[1], argv[2], int(argv[3]))
        return 0
    args = parse_args(argv)
    token = secrets.token_hex(3)
    billing = args.reuse or f"ibok_bench_{token}"
    store = f"ibok_bench_{token}_store"
    keep = args.keep or bool(args.reuse)
    work = ROOT / "var" / "bench-sync" / store
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "IBOK_BILLING_DSN": billing_dsn(billing), "IBOK_STORE_URL": store_url(store),
           "IBOK_PATHS_DATA_DIR": str(work), "IBOK_LOG_FORMAT": "json"}
    sync_opts = ["--batch-size", str(args.batch_size)] if args.batch_size else []
    fig: dict[str, object] = {}
    failed: list[str] = []
    code, load_before = code_version(), load()
    try:
        print(f"bench-sync: billing database {billing} (MariaDB), store {store} (PostgreSQL); logs in {work}")
        if args.reuse:
            print(f"reusing the built billing database {billing}")
        else:
            mariadb().cursor().execute(f"CREATE DATABASE {billing}")
            build = run_child("build", [str(IBOK), "--log-level", "WARNING", "legacy", "create", "--dsn",
                                        billing_dsn(billing), "--size", args.size, "--seed", str(args.seed),
                                        # two days back: the data's last stamps stay behind billing's clock
                                        "--as-of", (warsaw_now().date() - timedelta(days=2)).isoformat(),
                                        "--reader-password", f"r-{token}-{secrets.token_hex(6)}",
                                        "--writer-password", f"w-{token}-{secrets.token_hex(6)}"], env, work)
            show(build)
            if build.exit_code:
                return 1
            fig["build"] = build
        counts = billing_counts(billing)
        total = sum(counts.values())
        print(f"billing rows: {total:,} (" + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + ")")

        pg_admin(f"CREATE DATABASE {store}")
        upgrade = run_child("db-upgrade", [str(IBOK), "db", "upgrade"], env, work)
        show(upgrade)
        if upgrade.exit_code:
            return 1

        print("a. full sync (the first run scans every stream)")
        full = run_child("full", [str(IBOK), "sync", "run", *sync_opts], env, work, "full" in args.profile)
        mirrored = sum(store_counts(store).values())
        show(full, f", {mirrored:,} rows mirrored, {mirrored / full.seconds:,.0f} rows/s")
        if full.exit_code:
            return 1
        print("  " + full.stdout.replace("\n", "\n  ").rstrip())

        print("b. idle incremental run")
        idle = run_child("idle", [str(IBOK), "sync", "run", *sync_opts], env, work, "idle" in args.profile)
        show(idle, f", {sum(r['read'] for r in results_of(idle.stdout).values()):,} rows re-read")
        failed += ["idle"] if idle.exit_code else []

        print(f"c. the billing office changes about {args.percent:g}% of the rows")
        change = change_data(billing, total, args.percent, args.payments, args.corrections, args.deletions,
                             args.seed)
        print(f"  {change.rows:,} rows changed ({100 * change.rows / total:.2f}% of {total:,}) in "
              f"{change.seconds:.1f} s")
        print(f"  {change.invoicing}")
        print("  events: " + ", ".join(f"{n} {k}" for k, n in change.events.items()))
        print("  rows: " + ", ".join(f"{t} {n:,}" for t, n in change.stamped.items() if n)
              + f", POZYCJE_FAKTURY {change.new_lines:,} new, {change.deleted} deleted")
        incremental = run_child("incremental", [str(IBOK), "sync", "run", *sync_opts], env, work,
                                "incremental" in args.profile)
        written = results_of(incremental.stdout)
        show(incremental, f", {sum(r['read'] for r in written.values()):,} read, "
                          f"{sum(r['written'] for r in written.values()):,} written, "
                          f"{sum(r['deleted'] for r in written.values()):,} deleted; "
                          f"{100 * incremental.seconds / full.seconds:.1f}% of the full sync")
        print("  " + incremental.stdout.replace("\n", "\n  ").rstrip())
        failed += ["incremental"] if incremental.exit_code else []

        print("d. scripts change rows behind the change stamps; reconcile by billing's range checksums, verify")
        scripts = script_changes(billing, args.seed, args.scripts)
        print(f"  {scripts} in {scripts.seconds:.1f} s")
        reconcile = run_child("reconcile", [str(IBOK), "sync", "reconcile", *sync_opts], env, work,
                              "reconcile" in args.profile)
        show(reconcile, f"; {repairs(reconcile.stdout)}")
        print("  " + reconcile.stdout.replace("\n", "\n  ").rstrip())
        verified = run_child("verify", [str(IBOK), "sync", "verify"], env, work, "verify" in args.profile)
        show(verified, f", {verified.stdout.strip().splitlines()[-1] if verified.stdout.strip() else ''}")
        failed += [c.label for c in (reconcile, verified) if c.exit_code]

        print("e. the scripts again; reconcile row by row (--rows), verify row by row")
        scripts_rows = script_changes(billing, args.seed + 1, args.scripts)
        print(f"  {scripts_rows} in {scripts_rows.seconds:.1f} s")
        reconcile_rows = run_child("reconcile-rows", [str(IBOK), "sync", "reconcile", "--rows", *sync_opts], env,
                                   work, "reconcile" in args.profile)
        show(reconcile_rows, f"; {repairs(reconcile_rows.stdout)}")
        verified_rows = run_child("verify-rows", [str(IBOK), "sync", "verify", "--rows"], env, work,
                                  "verify" in args.profile)
        show(verified_rows,
             f", {verified_rows.stdout.strip().splitlines()[-1] if verified_rows.stdout.strip() else ''}")
        failed += [c.label for c in (reconcile_rows, verified_rows) if c.exit_code]

        raw = None
        if not args.skip_raw:
            print("d. raw pipe: pyodbc fetchmany -> PostgreSQL COPY into bare staging tables")
            raw = run_child("raw", [sys.executable, str(Path(__file__)), "_raw_pipe", billing_dsn(billing),
                                    pg_conninfo(store), str(args.raw_batch)], env, work)
            raw_rows = sum(json.loads(raw.stdout).values()) if raw.exit_code == 0 else 0
            show(raw, f", {raw_rows:,} rows, {raw_rows / raw.seconds:,.0f} rows/s")
            failed += ["raw"] if raw.exit_code else []

        maria, pg = versions(billing, store)
        sync_rate = mirrored / full.seconds
        rows = [
            ("machine", machine()),
            ("databases", f"{maria}; {pg}"),
            ("code", code),
            ("load", f"{load_before} at the start, {load()} at the end"),
            ("stand-in", f"{args.size}, {total:,} billing rows" + (f", built in {fig['build'].seconds:.0f} s"
                                                                     if "build" in fig else " (reused)")),
            ("full sync", f"{full.seconds:.1f} s, {mirrored:,} rows, {sync_rate:,.0f} rows/s, "
                          f"peak RSS {full.peak_rss_mb:.0f} MB (target < 500 MB)"),
            ("idle incremental", f"{idle.seconds:.2f} s (target < 2 s)"),
            ("1% change", f"{change.rows:,} rows ({100 * change.rows / total:.2f}%)"),
            ("incremental", f"{incremental.seconds:.1f} s = {100 * incremental.seconds / full.seconds:.1f}% of "
                            f"the full sync (target <= 5%), peak RSS {incremental.peak_rss_mb:.0f} MB"),
            ("script changes", f"{scripts} (each pass)"),
            ("reconcile", f"{reconcile.seconds:.1f} s (target <= 900 s), peak RSS {reconcile.peak_rss_mb:.0f} MB; "
                          f"{repairs(reconcile.stdout)}"),
            ("verify", f"{verified.seconds:.1f} s (target <= 981 s), peak RSS {verified.peak_rss_mb:.0f} MB, "
                       + ("exit 0" if verified.exit_code == 0 else f"FAILED (exit {verified.exit_code})")),
            ("reconcile --rows", f"{reconcile_rows.seconds:.1f} s, peak RSS {reconcile_rows.peak_rss_mb:.0f} MB; "
                                 f"{repairs(reconcile_rows.stdout)}"),
            ("verify --rows", f"{verified_rows.seconds:.1f} s, peak RSS {verified_rows.peak_rss_mb:.0f} MB, "
                              + ("exit 0" if verified_rows.exit_code == 0
                                 else f"FAILED (exit {verified_rows.exit_code})")),
        ]
        if raw is not None and raw.exit_code == 0:
            raw_rows = sum(json.loads(raw.stdout).values())
            rows.append(("raw pipe", f"{raw.seconds:.1f} s, {raw_rows:,} rows, {raw_rows / raw.seconds:,.0f} rows/s,"
                                     f" peak RSS {raw.peak_rss_mb:.0f} MB"))
            rows.append(("sync / raw", f"{sync_rate / (raw_rows / raw.seconds):.2f}"))
        print("\nsummary")
        width = max(len(k) for k, _ in rows)
        for name, value in rows:
            print(f"  {name:<{width}}  {value}")
        if failed:
            print(f"bench-sync: FAILED steps: {', '.join(failed)}")
            return 1
        return 0
    finally:
        if not args.keep_store:
            try:
                pg_admin(f"DROP DATABASE IF EXISTS {store} WITH (FORCE)")
            except psycopg.Error as exc:
                print(f"bench-sync: could not drop the store {store}: {exc}", file=sys.stderr)
        else:
            print(f"store kept: {store_url(store)}")
        if keep:
            print(f"billing database kept: {billing} (again: scripts/bench-sync {args.size} --reuse {billing})")
        else:
            drop_billing(billing)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
