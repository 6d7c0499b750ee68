"""`ibok outbox ...`: deliver waiting submissions now, see the queue, retry or cancel dead letters."""

from __future__ import annotations

import json
import signal
import threading

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.clock import utcnow
from config.settings import Settings

# The store (SQLAlchemy), billing's interface (pyodbc) and the relay are imported by the commands that use them;
# the states of an outbox row are spelled out for --state's help (tests/test_cli_startup.py keeps them equal to
# adapters.store.outbox.deliveries.STATES), so that `ibok outbox ... --help` imports none of them.
STATES = ("pending", "sent", "dead", "cancelled")


@click.group("outbox")
def outbox_group() -> None:
    """Customer submissions on their way to billing's interface tables."""


@outbox_group.command("relay")
@pass_settings
def relay_command(settings: Settings) -> None:
    """Deliver every submission due now (what the daemon does every few seconds), then exit."""
    from adapters.billing.interface import InterfaceWriter
    from sync.relay import Relay

    settings.require("billing.interface_dsn")
    store = open_store(settings)
    interface = InterfaceWriter.from_settings(settings)
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        report = Relay.from_settings(settings, interface, store.engine, stop=stop).run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        interface.close()
        store.dispose()
    click.echo(f"sent {report.sent}, already in billing {report.found}, to retry {report.retried}, "
               f"dead letters {report.dead} in {report.seconds:.2f} s")
    if report.unreachable:
        raise click.ClickException(f"billing unreachable, the rest waits: {report.unreachable}")


@outbox_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@pass_settings
def status_command(settings: Settings, as_json: bool) -> None:
    """How many submissions wait, were sent, are dead letters or were cancelled."""
    from adapters.store.outbox import deliveries as outbox

    with open_store(settings) as store:
        with store.engine.connect() as conn:
            counts, oldest = outbox.counts(conn), outbox.oldest_pending(conn)
    waiting_s = None if oldest is None else round((utcnow() - oldest).total_seconds(), 1)
    if as_json:
        click.echo(json.dumps({**counts, "oldest_pending_s": waiting_s}))
        return
    click.echo("  ".join(f"{state} {n}" for state, n in counts.items()))
    if waiting_s is not None:
        click.echo(f"oldest waiting: {waiting_s} s")


@outbox_group.command("list")
@click.option("--state", type=click.Choice(STATES), default=None, help="Only rows in this state.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@pass_settings
def list_command(settings: Settings, state: str | None, limit: int) -> None:
    """The newest outbox rows: id (billing's KLUCZ), kind, customer, state, tries and the last error."""
    from adapters.store.outbox import deliveries as outbox

    with open_store(settings) as store:
        with store.engine.connect() as conn:
            rows = outbox.listing(conn, state, limit)
    click.echo(f"{'id':<37}{'kind':<9}{'customer':>9}  {'state':<10}{'tries':>5}  created (UTC)")
    for r in rows:
        click.echo(f"{r['id']:<37}{r['kind']:<9}{r['customer_id']:>9}  {r['state']:<10}{r['attempts']:>5}  "
                   f"{r['created_at']:%Y-%m-%d %H:%M:%S}")
        if r["last_error"]:
            click.echo(f"  last error: {r['last_error']}")


def _change(settings: Settings, ids: tuple[str, ...], all_dead: bool, verb: str) -> int:
    if not ids and not all_dead:
        raise click.UsageError("name the submissions (ids from `ibok outbox list`) or give --all-dead")
    from adapters.store.unit_of_work import UnitOfWork
    from sync import dead_letters

    with open_store(settings) as store:
        change = dead_letters.retry if verb == "retry" else dead_letters.cancel
        return change(UnitOfWork(store.engine), list(ids) if ids else None)


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--all-dead", is_flag=True, help="Every dead letter.")
@pass_settings
def retry_command(settings: Settings, ids: tuple[str, ...], all_dead: bool) -> None:
    """Put dead letters back in the queue with a fresh count of tries."""
    click.echo(f"{_change(settings, ids, all_dead, 'retry')} submission(s) back in the queue")


@outbox_group.command("cancel")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--all-dead", is_flag=True, help="Every dead letter.")
@pass_settings
def cancel_command(settings: Settings, ids: tuple[str, ...], all_dead: bool) -> None:
    """Give up on dead letters (or waiting submissions): they will not be delivered; customers see "cancelled"."""
    click.echo(f"{_change(settings, ids, all_dead, 'cancel')} submission(s) cancelled")
