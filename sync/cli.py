"""`ibok sync ...`: run, reconcile, inspect and verify the mirror of the billing database."""

from __future__ import annotations

import getpass
import json
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.clock import utcnow
from config.logs import redact_text
from config.settings import Settings

# The billing source (pyodbc), the store (SQLAlchemy) and the sync are imported by the commands that use
# them: `ibok sync ... --help` needs none of them.
if TYPE_CHECKING:
    from adapters.billing.source import OdbcBillingSource
    from adapters.ports import BillingSource, PortalStore
    from adapters.store.store import Store
    from sync.engine import RunResult, Syncer
    from sync.streams import Stream

batch_option = click.option("--batch-size", type=click.IntRange(100, 100_000), default=None,
                            help="Rows per batch, one store transaction each (default: sync.batch_size).")
streams_argument = click.argument("streams", nargs=-1, metavar="[STREAM]...")


@contextmanager
def opened(settings: Settings) -> Iterator[tuple[OdbcBillingSource, Store]]:
    """The billing source and the store, checked to be at the current schema; closed afterwards."""
    from adapters.billing.source import OdbcBillingSource

    settings.require("billing.dsn")
    store = open_store(settings)
    source = OdbcBillingSource.from_settings(settings)
    try:
        yield source, store
    finally:
        source.close()
        store.dispose()


def _syncer(settings: Settings, source: OdbcBillingSource, store: Store, batch_size: int | None,
            rows_only: bool = False) -> Syncer:
    from sync.engine import Syncer

    return Syncer(source, store, timezone=settings.billing.timezone, batch_size=batch_size or settings.sync.batch_size,
                  clock_tolerance=timedelta(seconds=settings.sync.clock_tolerance_s), rows_only=rows_only)


@contextmanager
def stopping_on_signals(syncer: Syncer) -> Iterator[None]:
    """SIGTERM (and SIGINT) end the run between two batches instead of killing it mid-way."""
    def stop(signum: int, _frame: object) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the batch in flight", err=True)
        syncer.stop.set()

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _streams(names: tuple[str, ...]) -> list[Stream]:
    from sync.streams import select_streams

    try:
        return select_streams(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="STREAM") from None


def _echo_results(results: list[RunResult]) -> None:
    click.echo(f"{'stream':<17}{'outcome':<12}{'read':>10}{'written':>10}{'deleted':>9}{'seconds':>9}")
    for r in results:
        click.echo(f"{r.stream:<17}{r.outcome:<12}{r.rows_read:>10,}{r.rows_written:>10,}{r.rows_deleted:>9,}"
                   f"{r.seconds:>9.2f}")
        if r.error:
            click.echo(f"  error: {r.error}")


def _finish(results: list[RunResult]) -> None:
    if any(r.outcome == "interrupted" for r in results):
        raise click.ClickException("stopped on request; the next run resumes from the last batch")
    failed = [r.stream for r in results if r.outcome not in ("ok", "busy")]
    if failed:
        raise click.ClickException(f"stream(s) failed: {', '.join(failed)} (see `ibok sync status`)")


@click.group("sync")
def sync_group() -> None:
    """Mirror the billing database into the portal store."""


@sync_group.command("run")
@streams_argument
@click.option("--full", is_flag=True, help="Re-read every row (and drop rows billing no longer has).")
@batch_option
@pass_settings
def run_command(settings: Settings, streams: tuple[str, ...], full: bool, batch_size: int | None) -> None:
    """Bring the named streams (default: all) up to date, incrementally unless --full."""
    selected = _streams(streams)
    with opened(settings) as (source, store):
        syncer = _syncer(settings, source, store, batch_size)
        with stopping_on_signals(syncer):
            results = syncer.run(selected, "full" if full else "incremental")
    _echo_results(results)
    _finish(results)


rows_option = click.option("--rows", "rows_only", is_flag=True,
                           help="Compare row by row even where billing's database checksums key ranges.")


@sync_group.command("reconcile")
@streams_argument
@click.option("--customer", metavar="NR_KLIENTA", help="Only this customer's rows, across the streams that have them.")
@rows_option
@batch_option
@pass_settings
def reconcile_command(settings: Settings, streams: tuple[str, ...], customer: str | None, rows_only: bool,
                      batch_size: int | None) -> None:
    """Compare every row with billing by content and repair what differs: changed and missing rows
    rewritten, extra ones deleted. Ends with one line per stream."""
    if customer and streams:
        raise click.UsageError("--customer covers every stream with that customer's rows: give no STREAM")
    selected = _streams(streams)
    with opened(settings) as (source, store):
        syncer = _syncer(settings, source, store, batch_size, rows_only)
        with stopping_on_signals(syncer):
            if customer:
                try:
                    results = syncer.customer_results(customer)
                except LookupError as exc:
                    raise click.ClickException(str(exc)) from None
            else:
                results = syncer.run(selected, "reconcile")
    _echo_reconciled(results)
    _finish(results)


def _echo_reconciled(results: list[RunResult]) -> None:
    from sync.compare import Tally

    click.echo(f"{'stream':<17}{'outcome':<12}{'compared':>10}{'changed':>9}{'missing':>9}{'extra':>8}"
               f"{'orphans':>9}{'seconds':>9}")
    for r in results:
        t = r.tally or Tally(r.stream)
        click.echo(f"{r.stream:<17}{r.outcome:<12}{t.billing:>10,}{t.changed:>9,}{t.missing:>9,}{t.extra:>8,}"
                   f"{r.orphans:>9,}{r.seconds:>9.2f}")
        if r.error:
            click.echo(f"  error: {r.error}")


@sync_group.command("verify")
@streams_argument
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many differences to list.")
@rows_option
@pass_settings
def verify_command(settings: Settings, streams: tuple[str, ...], limit: int, rows_only: bool) -> None:
    """Compare billing and the store by content (every row, every balance); exit 1 on any difference
    and name the command that repairs it."""
    from sync.verify import SUBMISSIONS, verify

    selected = _streams(streams)
    with opened(settings) as (source, store):
        report = verify(source, store, selected, limit=limit, rows_only=rows_only)
    click.echo(f"{'stream':<17}{'billing':>10}{'store':>10}{'different':>10}{'missing':>9}{'extra':>8}{'orphans':>9}")
    for name, t in report.tallies.items():
        click.echo(f"{name:<17}{t.billing:>10,}{t.store:>10,}{t.changed:>10,}{t.missing:>9,}{t.extra:>8,}"
                   f"{report.orphans.get(name, 0):>9,}")
    if "invoice_lines" in report.orphans:
        click.echo(f"{'invoice_lines':<17}{'':>55}{report.orphans['invoice_lines']:>9,}")
    if report.balances:
        click.echo(f"balances: {report.balances:,} customer(s) whose balance is not billing's formula")
    for difference in report.differences:
        click.echo(f"  {difference}")
    if report.total > len(report.differences):
        click.echo(f"  ... and {report.total - len(report.differences):,} more (--limit)")
    if any(report.orphans.values()):
        click.echo("Orphans are billing's rows whose parent billing does not have: mirrored, attached to no "
                   "customer (`ibok sync status`).")
    if not report.clean:
        to_fix = [name for name, t in report.tallies.items() if t.differences and name != SUBMISSIONS]
        if report.balances and not to_fix:
            to_fix = ["invoices", "payments"]
        repair = [f"repair: ibok sync reconcile {' '.join(to_fix)}"] if to_fix else []
        if report.tallies[SUBMISSIONS].differences:
            repair.append("submissions: billing's interface rows are not what customers sent; see the "
                          "differences above and `ibok outbox list`")
        raise click.ClickException(f"{report.total:,} difference(s) between billing and the store; "
                                   + "; ".join(repair))
    click.echo("The store equals billing.")


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_settings
def status_command(settings: Settings, as_json: bool) -> None:
    """Each stream's checkpoint, last run and its outcome, and its lag behind billing."""
    from adapters.store.sync_state import daemons

    with opened(settings) as (source, store):
        rows = stream_status(source, store, stale_limits(settings))
        with store.engine.connect() as conn:
            running = daemons.alive(conn, timedelta(seconds=60))
    if as_json:
        json.dump({"streams": rows, "daemons": running}, sys.stdout, indent=2, default=str)
        click.echo()
        return
    click.echo(f"{'stream':<17}{'checkpoint':<21}{'last run (UTC)':<21}{'outcome':<12}{'rows':>9}{'lag':>10}"
               f"  freshness")
    for row in rows:
        lag = "-" if row["lag_s"] is None else f"{row['lag_s']:.0f} s"
        fresh = "never synced" if row["age_s"] is None else \
            f"{'STALE' if row['stale'] else 'fresh'}, {_duration(row['age_s'])} ago"
        click.echo(f"{row['stream']:<17}{row['checkpoint'] or '-':<21}"
                   f"{(row['last_run_at'] or '-')[:19].replace('T', ' '):<21}"
                   f"{row['outcome'] or '-':<12}{row['rows_written'] or 0:>9,}{lag:>10}  {fresh}")
        if row["error"]:
            click.echo(f"  error: {row['error']}")
        if row.get("billing_error"):
            click.echo(f"  billing: {row['billing_error']}")
        for kind, text in (("orphans", "row(s) whose parent billing does not have"),
                           ("ahead", "row(s) stamped ahead of billing's clock")):
            if row.get(kind):
                keys = ", ".join(str(k) for k in row[f"{kind}_keys"])
                click.echo(f"  {kind}: {row[kind]:,} {text}"
                           f" (keys {keys}{', ...' if row[kind] > len(row[f'{kind}_keys']) else ''})")
        if row.get("orphan_lines"):
            click.echo(f"  orphans: {row['orphan_lines']:,} invoice line(s) of no invoice billing has (not mirrored)")
    if not running:
        click.echo("daemons: none seen in the last minute (start `ibok daemon`)")
    for daemon in running:
        billing = "billing reachable" if daemon["billing_down_since"] is None else \
            f"billing unreachable since {_when(daemon['billing_down_since'])} UTC: {daemon['billing_error']}"
        click.echo(f"daemon {daemon['holder']}: since {_when(daemon['started_at'])} UTC, {billing}")


def stale_limits(settings: Settings) -> dict[str, int]:
    from sync import schedule

    return schedule.stale_limits(settings.daemon)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def stream_status(source: BillingSource, store: PortalStore, limits: dict[str, int]) -> list[dict[str, Any]]:
    """One row per stream, for people and for --json."""
    import pyodbc

    from sync.engine import lag_seconds
    from sync.health import freshness
    from sync.streams import STREAMS
    from sync.windows import from_text

    states = store.all_states()
    anomalies = store.anomaly_counts()
    fresh = {f.stream: f for f in freshness(store.last_good_runs(limits), limits, utcnow())}
    rows = []
    for stream in STREAMS:
        state, updated = states.get(stream.name, ({}, None))
        runs = store.last_runs(stream.name, limit=1)
        last = runs[0] if runs else {}
        checkpoint = state.get("cursor") or (str(state["after"]) if state.get("after") is not None else None)
        row: dict[str, Any] = {
            "stream": stream.name, "strategy": stream.strategy, "checkpoint": checkpoint,
            "in_progress": "window" in state or "scan" in state,
            "state_updated_at": updated.isoformat() if updated else None,
            "last_run_at": last["started_at"].astimezone(UTC).isoformat() if last else None,
            "outcome": last.get("outcome"), "rows_read": last.get("rows_read"),
            "rows_written": last.get("rows_written"), "rows_deleted": last.get("rows_deleted"),
            "error": last.get("error"), "lag_s": None,
            "last_good_at": fresh[stream.name].last_good_at, "age_s": fresh[stream.name].age_s,
            "stale_after_s": fresh[stream.name].limit_s, "stale": fresh[stream.name].stale,
        }
        for kind, stored in (("orphans", "orphan"), ("ahead", "ahead")):
            count = anomalies.get((stream.name, stored), (0, None))[0]
            row[kind] = count
            row[f"{kind}_keys"] = [a["row_key"] for a in store.anomalies(stream.name, stored, 5)] if count else []
        if stream.name == "invoices":  # lines are mirrored with their invoice: those of none are only listed
            row["orphan_lines"] = anomalies.get(("invoice_lines", "orphan"), (0, None))[0]
        cursor = from_text(state.get("cursor")) if stream.strategy == "cursor" else None
        if cursor is not None:  # None: not read yet, or read from the start (the table was empty): no lag to tell
            try:
                waiting = source.oldest_after(stream.name, cursor)
                row["lag_s"] = 0.0 if waiting is None else lag_seconds(waiting, source.now_local())
            except pyodbc.Error as exc:
                row["billing_error"] = redact_text(str(exc.args[-1]))
        rows.append(row)
    return rows




@sync_group.command("request")
@streams_argument
@click.option("--full", "mode", flag_value="full", help="Re-read every row of the streams.")
@click.option("--reconcile", "mode", flag_value="reconcile", help="Reconcile the streams instead.")
@click.option("--customer", metavar="NR_KLIENTA", help="Refresh one customer's rows across streams.")
@click.option("--by", "requested_by", metavar="WHO", help="Who asks (default: your login name).")
@click.option("--wait/--no-wait", default=False, help="Wait until a daemon has run it, and exit 1 if it failed.")
@click.option("--timeout", type=click.IntRange(1, 86400), default=600, show_default=True,
              help="Seconds --wait waits.")
@pass_settings
def request_command(settings: Settings, streams: tuple[str, ...], mode: str | None, customer: str | None,
                    requested_by: str | None, wait: bool, timeout: int) -> None:
    """Ask the running daemon for a resync; it starts within a few seconds."""
    if customer and (streams or mode):
        raise click.UsageError("--customer refreshes all of one customer's rows: give no STREAM, --full or --reconcile")
    from adapters.store.sync_state import requests
    from adapters.store.unit_of_work import UnitOfWork
    from sync import resync

    names = [s.name for s in _streams(streams)] if streams else []
    who = requested_by or getpass.getuser()
    with open_store(settings) as store:
        request_id, alive = resync.ask(UnitOfWork(store.engine),
                                       mode="customer" if customer else mode or "incremental", streams=names,
                                       requested_by=who, customer_number=customer)
        what = f"customer {customer}" if customer else \
            f"{mode or 'incremental'} run of {' '.join(names) or 'every stream'}"
        click.echo(f"Request #{request_id} ({what}, by {who}) queued.")
        if not alive:
            click.echo("warning: no daemon has been seen in the last minute; it runs when `ibok daemon` does",
                       err=True)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with store.engine.connect() as conn:
                row = requests.get(conn, request_id)
            if row and row["finished_at"] is not None:
                click.echo(f"Request #{request_id}: {row['outcome']} ({row['detail']})")
                if row["outcome"] != "ok":
                    raise click.ClickException(f"request #{request_id} {row['outcome']}")
                return
            time.sleep(0.5)
        raise click.ClickException(f"request #{request_id} has not finished after {timeout} s")


@sync_group.command("requests")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@pass_settings
def requests_command(settings: Settings, limit: int) -> None:
    """Recent manual resync requests: who asked, when, which daemon ran them, and how it went."""
    from adapters.store.sync_state import requests

    with open_store(settings) as store:
        with store.engine.connect() as conn:
            rows = requests.recent(conn, limit)
    click.echo(f"{'#':>5} {'requested (UTC)':<20}{'by':<16}{'what':<28}{'state':<12}detail")
    for row in rows:
        what = f"customer {row['customer_number']}" if row["mode"] == "customer" else \
            f"{row['mode']} {row['streams'] or 'all'}"
        state = requests.state_of(row)
        click.echo(f"{row['id']:>5} {_when(row['requested_at']):<20}{row['requested_by'][:15]:<16}{what[:27]:<28}"
                   f"{state:<12}{row['detail'] or ''}")


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@click.command("daemon")
@pass_settings
def daemon_command(settings: Settings) -> None:
    """Keep the mirror fresh: run every stream on its schedule until SIGTERM or SIGINT."""
    from sync.daemon import Daemon  # APScheduler and the HTTP endpoint only for this command

    settings.require("billing.dsn")
    open_store(settings).dispose()  # a clear message now rather than failing jobs later
    daemon = Daemon(settings)
    try:
        sys.exit(daemon.serve_forever())
    except OSError as exc:  # the metrics port is taken, say
        raise click.ClickException(f"cannot start the daemon: {exc}") from None
