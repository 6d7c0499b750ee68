"""`ibok mail notify` and `ibok mail send`: what the daemon's two mail jobs do, once, then exit."""

from __future__ import annotations

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.settings import Settings


@click.group("mail")
def mail_group() -> None:
    """E-mails to customers: notifications queued by the daemon, sent over SMTP."""


@mail_group.command("notify")
@pass_settings
def notify_command(settings: Settings) -> None:
    """Queue every notification due now (sent by the daemon's mail job, or `ibok mail send`)."""
    from sync.notify import job  # the store and the mail templates only when the command runs

    settings.require("portal.secret_key")  # signs the unsubscribe links
    with open_store(settings) as store:
        report = job.run(store.engine, secret=settings.portal.secret_key, tz=settings.billing.timezone,
                         due_days=settings.mail.due_days)
    shown = ", ".join(f"{kind} {n}" for kind, n in sorted(report.queued.items())) or "nothing new"
    click.echo(f"queued {report.total}: {shown}")


@mail_group.command("send")
@pass_settings
def send_command(settings: Settings) -> None:
    """Send the e-mails due now over SMTP (what the daemon does every few seconds)."""
    from adapters.mail.smtp import SmtpSender  # SMTP and the store only when the command runs
    from sync import mailer

    with open_store(settings) as store:
        report = mailer.send_due(store.engine, SmtpSender.from_settings(settings), base_url=settings.portal.base_url,
                                 max_attempts=settings.mail.max_attempts)
    click.echo(f"sent {report.sent}, to retry {report.retried}, given up {report.dead}")
