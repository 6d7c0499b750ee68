"""`ibok submit ...`: the customer use cases from the command line, for admins and tests.

Each command calls the same service function as the portal and prints the customer's messages
(in the portal's default language, or --lang). Refused input writes nothing and exits 1.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.settings import Settings
from sync.submissions.messages import LOCALES, text
from sync.submissions.rules import ReadingEntry

# The use cases and the store (SQLAlchemy) are imported by the commands that use them: `--help` needs neither.
if TYPE_CHECKING:
    from sync.submissions import service

customer_option = click.option("--customer", "number", required=True, metavar="NR_KLIENTA",
                               help="The customer number (NABYWCA on invoices).")
token_option = click.option("--token", default=None, metavar="TOKEN",
                            help="The form's idempotency token: the same token submits once (default: a new one).")
by_option = click.option("--by", default=None, metavar="WHO", help="Who submits (default: your login name).")
lang_option = click.option("--lang", type=click.Choice(LOCALES), default=None, help="Language of the messages.")


@click.group("submit")
def submit_group() -> None:
    """Submit for a customer what the portal lets customers submit, or list their submissions."""


@contextmanager
def _customer(settings: Settings, number: str, locale: str) -> Iterator[tuple[service.Context, int]]:
    """The service context on the store and the customer's key (a one-line error for an unknown number)."""
    from adapters.store.outbox import submitted as store
    from sync.submissions import service

    with open_store(settings) as store_:
        with store_.engine.connect() as conn:
            customer_id = store.customer_id(conn, number)
        if customer_id is None:
            raise click.ClickException(text("customer_unknown", locale))
        yield service.Context(store_.engine, "cli", settings.billing.timezone), customer_id


def _run(settings: Settings, number: str, by: str | None, lang: str | None,
         call: Callable[[service.Context, int], service.Submitted]) -> None:
    locale = lang or settings.portal.default_locale
    with _customer(settings, number, locale) as (ctx, customer_id):
        result = call(replace(ctx, by=by or getpass.getuser()), customer_id)
    for problem in result.problems:
        click.echo(f"{problem.field}: {text(problem.code, locale, **problem.params)}", err=True)
    for warning in result.warnings:
        click.echo(f"{warning.field}: {text(warning.code, locale, **warning.params)}", err=True)
    if result.warnings and not result.problems:
        click.echo("--confirm: " + ("potwierdź i wyślij" if locale == "pl" else "confirm and submit"), err=True)
    if not result.ok:
        raise SystemExit(1)
    if not result.created:
        click.echo(text("already_submitted", locale), err=True)
    for submission_id in result.ids:
        click.echo(submission_id)


@submit_group.command("reading")
@customer_option
@click.option("--meter", "meters", multiple=True, required=True, metavar="SERIAL",
              help="Meter serial number; repeat with --value for several meters of one service point.")
@click.option("--value", "values", multiple=True, required=True, metavar="M3", help="The indication, e.g. 123,456.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date read (default: today).")
@click.option("--confirm", is_flag=True, help="Submit a value far outside the meter's history anyway.")
@token_option
@by_option
@lang_option
@pass_settings
def reading_command(settings: Settings, number: str, meters: tuple[str, ...], values: tuple[str, ...],
                    on: datetime | None, confirm: bool, token: str | None, by: str | None, lang: str | None) -> None:
    """Submit meter readings (one --meter and --value pair per meter)."""
    from sync.submissions import service

    if len(meters) != len(values):
        raise click.UsageError("give one --value for each --meter")
    entries = [ReadingEntry(m, v, on.date() if on else None, confirm) for m, v in zip(meters, values, strict=False)]
    _run(settings, number, by, lang,
         lambda ctx, cid: service.submit_readings(ctx, cid, entries, token=token or service.new_token()))


@submit_group.command("message")
@customer_option
@click.option("--category", type=click.Choice(("REK", "WNI", "INF", "AWA")), required=True,
              help="REK complaint, WNI request, INF message or opinion, AWA failure report.")
@click.option("--subject", required=True)
@click.option("--text", "body", required=True, help="The message itself.")
@token_option
@by_option
@lang_option
@pass_settings
def message_command(settings: Settings, number: str, category: str, subject: str, body: str, token: str | None,
                    by: str | None, lang: str | None) -> None:
    """Send a message, complaint, request or failure report."""
    from sync.submissions import service

    _run(settings, number, by, lang, lambda ctx, cid: service.send_message(
        ctx, cid, category, subject, body, token=token or service.new_token()))


@submit_group.command("change")
@customer_option
@click.option("--email", default=None, help="The new e-mail address.")
@click.option("--phone", default=None, help="The new phone number.")
@token_option
@by_option
@lang_option
@pass_settings
def change_command(settings: Settings, number: str, email: str | None, phone: str | None, token: str | None,
                   by: str | None, lang: str | None) -> None:
    """Ask billing to change the customer's e-mail address or phone number."""
    from sync.submissions import service

    if (email is None) == (phone is None):
        raise click.UsageError("give exactly one of --email and --phone")
    what, value = ("email", email) if email is not None else ("phone", phone)
    _run(settings, number, by, lang, lambda ctx, cid: service.request_change(
        ctx, cid, what, value or "", token=token or service.new_token()))


@submit_group.command("e-invoice")
@customer_option
@click.option("--consent/--withdraw", required=True, help="Give or withdraw consent to invoices by e-mail.")
@token_option
@by_option
@lang_option
@pass_settings
def e_invoice_command(settings: Settings, number: str, consent: bool, token: str | None, by: str | None,
                      lang: str | None) -> None:
    """Give or withdraw the customer's consent to e-invoices."""
    from sync.submissions import service

    _run(settings, number, by, lang, lambda ctx, cid: service.set_e_invoice(
        ctx, cid, consent, token=token or service.new_token()))


@submit_group.command("meters")
@customer_option
@pass_settings
def meters_command(settings: Settings, number: str) -> None:
    """The meters a reading can be submitted for: serial, main or sub-meter, last reading."""
    from adapters.store.outbox import submitted as store

    with _customer(settings, number, settings.portal.default_locale) as (ctx, customer_id):
        with ctx.engine.connect() as conn:
            held = store.held_meters(conn, customer_id, ctx.today())
    click.echo(f"{'meter':<16}{'kind':<6}{'point':>7}  {'last reading':<12}{'m³':>14}  removed")
    for m in held:
        on, state = m["last"] or (None, None)
        click.echo(f"{m['serial_number']:<16}{'main' if m['main'] else 'sub':<6}{m['point_id']:>7}  "
                   f"{on or '-'!s:<12}{state if state is not None else '-'!s:>14}  {m['dismounted_on'] or ''}")


@submit_group.command("list")
@customer_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@lang_option
@pass_settings
def list_command(settings: Settings, number: str, limit: int, lang: str | None) -> None:
    """The customer's submissions, newest first, with where each one is."""
    from sync.submissions import service

    locale = lang or settings.portal.default_locale
    with _customer(settings, number, locale) as (ctx, customer_id):
        views = service.submissions_of(ctx, customer_id, limit=limit)
    for view in views:
        row, status = view.row, view.status
        what = (f"{row['read_on']} {row['state']} m³" if row["kind"] == "reading" else
                f"{row['category']} {row['subject']}" if row["kind"] == "message" else
                f"{row['field']} {row['value']}")
        line = f"{row['id']}  {row['submitted_at']:%Y-%m-%d %H:%M}  {row['kind']:<8} {what}  [{status.label(locale)}]"
        if status.case_number:
            line += f"  {status.case_number}"
        if status.reason:
            line += f"  {status.reason}"
        click.echo(line)
        for at, stage in view.stages:
            click.echo(f"    {at:%Y-%m-%d %H:%M}  {stage}")
