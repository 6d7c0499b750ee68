"""`ibok sync ...`: run, reconcile, inspect and verify the mirror of the billing database."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

import click
import pyodbc

from adapters.billing.source import OdbcBillingSource
from adapters.store import migrate
from adapters.store.store import Store
from config.cli import pass_settings
from config.logs import redact_text
from config.settings import Settings
from sync.engine import RunResult, Syncer, lag_seconds
from sync.streams import STREAMS, select_streams
from sync.verify import verify
from sync.windows import from_text

batch_option = click.option("--batch-size", type=click.IntRange(100, 100_000), default=None,
                            help="Rows per batch, one store transaction each (default: sync.batch_size).")
streams_argument = click.argument("streams", nargs=-1, metavar="[STREAM]...")


@contextmanager
def opened(settings: Settings) -> Iterator[tuple[OdbcBillingSource, Store]]:
    """The billing source and the store, checked to be at the current schema; closed afterwards."""
    settings.require("billing.dsn")
    store = Store.from_settings(settings)
    try:
        found, head = migrate.current(store.engine), migrate.head()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store is one line for the operator
        store.dispose()
        raise click.ClickException(f"cannot open the portal store {redact_text(settings.store.url)}: "
                                   f"{redact_text(str(exc).splitlines()[0])}") from None
    if found != head:
        store.dispose()
        raise click.ClickException(f"the portal store is at schema {found or '(empty)'}, not {head}: "
                                   "run `ibok db upgrade` first")
    source = OdbcBillingSource.from_settings(settings)
    try:
        yield source, store
    finally:
        source.close()
        store.dispose()


def _syncer(settings: Settings, source: OdbcBillingSource, store: Store, batch_size: int | None) -> Syncer:
    return Syncer(source, store, timezone=settings.billing.timezone, batch_size=batch_size or settings.sync.batch_size)


def _streams(names: tuple[str, ...]) -> list:
    try:
        return select_streams(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="STREAM") from None


def _echo_results(results: list[RunResult]) -> None:
    click.echo(f"{'stream':<13}{'outcome':<12}{'read':>10}{'written':>10}{'deleted':>9}{'seconds':>9}")
    for r in results:
        click.echo(f"{r.stream:<13}{r.outcome:<12}{r.rows_read:>10,}{r.rows_written:>10,}{r.rows_deleted:>9,}"
                   f"{r.seconds:>9.2f}")
        if r.error:
            click.echo(f"  error: {r.error}")


def _finish(results: list[RunResult]) -> None:
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
        results = _syncer(settings, source, store, batch_size).run(selected, "full" if full else "incremental")
    _echo_results(results)
    _finish(results)


@sync_group.command("reconcile")
@streams_argument
@batch_option
@pass_settings
def reconcile_command(settings: Settings, streams: tuple[str, ...], batch_size: int | None) -> None:
    """Compare keys (and, for tables without a change stamp, content) with billing; fix the store."""
    selected = _streams(streams)
    with opened(settings) as (source, store):
        results = _syncer(settings, source, store, batch_size).run(selected, "reconcile")
    _echo_results(results)
    _finish(results)


@sync_group.command("verify")
@streams_argument
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many differences to list.")
@pass_settings
def verify_command(settings: Settings, streams: tuple[str, ...], limit: int) -> None:
    """Compare billing and store row by row (counts, hashes, balances); exit 1 on any difference."""
    selected = _streams(streams)
    with opened(settings) as (source, store):
        report = verify(source, store, selected, limit=limit)
    click.echo(f"{'stream':<13}{'billing':>10}{'store':>10}")
    for name, (billing, stored) in report.counts.items():
        click.echo(f"{name:<13}{billing:>10,}{stored:>10,}")
    for difference in report.differences:
        click.echo(f"  {difference}")
    if not report.clean:
        raise click.ClickException(f"{report.total} difference(s) between billing and the store")
    click.echo("The store equals billing.")


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_settings
def status_command(settings: Settings, as_json: bool) -> None:
    """Each stream's checkpoint, last run and its outcome, and its lag behind billing."""
    with opened(settings) as (source, store):
        rows = stream_status(source, store)
    if as_json:
        json.dump(rows, sys.stdout, indent=2, default=str)
        click.echo()
        return
    click.echo(f"{'stream':<13}{'checkpoint':<21}{'last run (UTC)':<21}{'outcome':<12}{'rows':>9}{'lag':>10}")
    for row in rows:
        lag = "-" if row["lag_s"] is None else f"{row['lag_s']:.0f} s"
        click.echo(f"{row['stream']:<13}{row['checkpoint'] or '-':<21}{(row['last_run_at'] or '-')[:19].replace('T', ' '):<21}"
                   f"{row['outcome'] or '-':<12}{row['rows_written'] or 0:>9,}{lag:>10}")
        if row["error"]:
            click.echo(f"  error: {row['error']}")
        if row.get("billing_error"):
            click.echo(f"  billing: {row['billing_error']}")


def stream_status(source: OdbcBillingSource, store: Store) -> list[dict[str, Any]]:
    """One row per stream, for people and for --json."""
    states = store.all_states()
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
        }
        if stream.strategy == "cursor" and checkpoint:
            try:
                signpost = source.signpost(stream.name)
                cursor = from_text(state.get("cursor"))
                row["lag_s"] = 0.0 if signpost is None or signpost <= cursor else lag_seconds(cursor, signpost)
            except pyodbc.Error as exc:
                row["billing_error"] = redact_text(str(exc.args[-1]))
        rows.append(row)
    return rows


