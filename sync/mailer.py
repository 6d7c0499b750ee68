"""The e-mail sender: queued messages go out over SMTP from the daemon, retried, never twice.

Messages due are taken for a while (their next try moved on, so another daemon leaves them
alone), rendered in the recipient's language and sent over one SMTP connection. A server that
refuses a recipient for good makes a dead letter at once; anything else is tried again with
backoff until ``mail.max_attempts``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Engine

from adapters.mail.smtp import PermanentFailure
from adapters.store.db import writer
from adapters.store.outbox import mail
from config.clock import utcnow
from sync.mail.compose import compose

log = structlog.get_logger(__name__)
TAKE_FOR = timedelta(minutes=5)
# Parameters that are portal paths: made absolute with the portal's address. "page" and
# "unsubscribe" are not secret (unlike "link", blanked once sent); "unsubscribe" also becomes the
# List-Unsubscribe header, whose one-click POST (RFC 8058) turns that kind of message off.
PATH_PARAMS = ("link", "page", "unsubscribe")


class Sender(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None, *,
             headers: dict[str, str] | None = None) -> None: ...

    def close(self) -> None: ...


@dataclass
class MailReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def send_due(engine: Engine, sender: Sender, *, base_url: str, max_attempts: int = 10, batch: int = 50,
             stop: threading.Event | None = None) -> MailReport:
    report = MailReport()
    stop = stop or threading.Event()
    with writer(engine).begin() as conn:
        messages = mail.due(conn, batch)
        mail.postpone(conn, [m["id"] for m in messages], utcnow() + TAKE_FOR)
    try:
        for message in messages:
            if stop.is_set():
                break
            _send_one(engine, sender, message, base_url, max_attempts, report)
    finally:
        sender.close()
    if messages:
        log.info("mail_sent", sent=report.sent, retried=report.retried, dead=report.dead)
    return report


def _send_one(engine: Engine, sender: Sender, message: dict[str, Any], base_url: str, max_attempts: int,
              report: MailReport) -> None:
    params = {k: (base_url.rstrip("/") + v if k in PATH_PARAMS and str(v).startswith("/") else v)
              for k, v in message["params"].items()}
    headers = {"List-Unsubscribe": f"<{params['unsubscribe']}/one-click>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} if params.get("unsubscribe") else None
    try:
        rendered = compose(message["template"], message["locale"], params)
        sender.send(message["to_address"], rendered.subject, rendered.text, rendered.html, headers=headers)
    except PermanentFailure as exc:
        with writer(engine).begin() as conn:
            mail.failed(conn, message["id"], str(exc), None)
        report.dead += 1
        log.error("mail_refused", message_id=message["id"], template=message["template"], error=str(exc)[:200])
        return
    except Exception as exc:  # noqa: BLE001 - a server down, a timeout: try again later
        attempts = message["attempts"] + 1
        wait = None if attempts >= max_attempts else timedelta(
            seconds=random.uniform(0, min(3600, 5 * 2 ** attempts)))
        with writer(engine).begin() as conn:
            mail.failed(conn, message["id"], f"{type(exc).__name__}: {exc}", wait)
        if wait is None:
            report.dead += 1
        else:
            report.retried += 1
        log.warning("mail_retry" if wait else "mail_given_up", message_id=message["id"], attempt=attempts,
                    error=f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    with writer(engine).begin() as conn:
        mail.sent(conn, message)
    report.sent += 1
