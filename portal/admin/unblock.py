"""Unblocking what is stuck on its way out: a dead letter of the submissions outbox retried or cancelled,
an e-mail given up retried; each change with its audit entry in the one unit of work it is given (or nothing).

Outcomes: "retried" / "cancelled"; "missing" (no such row); "not_dead" (someone decided already, or
the relay delivered it meanwhile: nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox import mail
from adapters.store.unit_of_work import UnitOfWork
from portal.admin.audit import record


def retry_submission(uow: UnitOfWork, key: str, admin: dict[str, Any]) -> str:
    return _dead_letter(uow, key, admin, outbox.retry, "outbox.retry") or "retried"


def cancel_submission(uow: UnitOfWork, key: str, admin: dict[str, Any]) -> str:
    """Only a dead letter: a submission still waiting is the relay's (``ibok outbox cancel`` may take it)."""
    return _dead_letter(uow, key, admin, outbox.cancel, "outbox.cancel") or "cancelled"


def _dead_letter(uow: UnitOfWork, key: str, admin: dict[str, Any], act: Callable[[Connection, list[str]], int],
                 action: str) -> str | None:
    """Do ``act`` to the dead letter ``key`` and audit it (None), or say why not ("missing", "not_dead")."""
    with uow:
        conn = uow.conn
        found = outbox.get(conn, key)
        if found is None:
            return "missing"
        if found["state"] != "dead" or act(conn, [key]) != 1:
            return "not_dead"
        record(conn, action, f"submission:{key}", f"customer:{found['customer_number']}", admin=admin)
    return None


def retry_mail(uow: UnitOfWork, message_id: int, admin: dict[str, Any]) -> str:
    with uow:
        conn = uow.conn
        if not mail.retry(conn, message_id):
            return "not_dead"  # (or missing: the page offers dead messages only, so the same words fit)
        # The message by its id only: its address and its params (links, tokens) stay out of the log.
        record(conn, "mail.retry", f"mail:{message_id}", admin=admin)
    return "retried"
