"""The e-mail outbox: one message per event, sent by the daemon, retried, never sent twice."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from adapters.store.statements import insert_statement
from adapters.store.tables import mail_outbox
from config.clock import utcnow

STATES = ("pending", "sent", "dead")
SECRET_PARAMS = ("link",)  # blanked once the message is sent: a used mailbox copy is the only one


def enqueue(conn: Connection, *, event: str, to: str, locale: str, template: str, params: dict[str, Any]) -> bool:
    """Queue a message for ``event`` (e.g. "confirm:17:3"); False when that event has one already."""
    now = utcnow()
    stmt = insert_statement(conn, mail_outbox).values(
        event=event[:120], to_address=to, locale=locale, template=template, params=json.dumps(params),
        state="pending", attempts=0, next_attempt_at=now, created_at=now,
    ).on_conflict_do_nothing(index_elements=["event"]).returning(mail_outbox.c.id)
    return conn.execute(stmt).first() is not None


def due(conn: Connection, limit: int, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    m = mail_outbox.c
    query = (select(mail_outbox).where(and_(m.state == "pending", m.next_attempt_at <= now))
             .order_by(m.next_attempt_at).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) | {"params": json.loads(r["params"])} for r in conn.execute(query).mappings()]


def postpone(conn: Connection, ids: list[int], until: datetime) -> None:
    """Keep these for the sender that took them (another daemon skips them meanwhile)."""
    if ids:
        conn.execute(update(mail_outbox).where(mail_outbox.c.id.in_(ids)).values(next_attempt_at=until))


def sent(conn: Connection, message: dict[str, Any]) -> None:
    params = {k: ("" if k in SECRET_PARAMS else v) for k, v in message["params"].items()}
    conn.execute(update(mail_outbox).where(mail_outbox.c.id == message["id"]).values(
        state="sent", sent_at=utcnow(), params=json.dumps(params), last_error=None))


def failed(conn: Connection, message_id: int, error: str, retry_in: timedelta | None) -> None:
    values: dict[str, Any] = {"attempts": mail_outbox.c.attempts + 1, "last_error": error[:2000]}
    if retry_in is None:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = utcnow() + retry_in
    conn.execute(update(mail_outbox).where(mail_outbox.c.id == message_id).values(**values))


def counts(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(mail_outbox.c.state, func.count()).group_by(mail_outbox.c.state)).all())


def dead(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Messages given up, newest first, without their ``params`` (which may hold links and tokens)."""
    m = mail_outbox.c
    query = (select(m.id, m.event, m.to_address, m.locale, m.template, m.attempts, m.last_error, m.created_at)
             .where(m.state == "dead").order_by(m.created_at.desc(), m.id.desc()).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]


def retry(conn: Connection, message_id: int) -> bool:
    """A message given up back to the queue, with a fresh count of tries; False unless it was dead."""
    m = mail_outbox.c
    return conn.execute(update(mail_outbox).where(and_(m.id == message_id, m.state == "dead"))
                        .values(state="pending", attempts=0, next_attempt_at=utcnow())).rowcount == 1
