"""Single-use tokens of e-mailed links (address confirmation, password reset): the store keeps hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, select, update

from adapters.store.tables import email_tokens
from config.clock import utcnow


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, account_id: int, purpose: str, valid_for: timedelta) -> str:
    """A new token (returned once, for the e-mail); earlier unused ones of the same purpose end."""
    now = utcnow()
    conn.execute(update(email_tokens).where(and_(email_tokens.c.account_id == account_id,
                                                 email_tokens.c.purpose == purpose, email_tokens.c.used_at.is_(None)))
                 .values(used_at=now))
    token = secrets.token_urlsafe(32)
    conn.execute(email_tokens.insert().values(id=digest(token), account_id=account_id, purpose=purpose,
                                              created_at=now, expires_at=now + valid_for))
    return token


def valid(conn: Connection, token: str, purpose: str) -> dict[str, Any] | None:
    """The token's row when it exists, is for ``purpose``, unused and not expired."""
    if not token or len(token) > 100:
        return None
    row = conn.execute(select(email_tokens).where(email_tokens.c.id == digest(token))).mappings().first()
    if row is None or row["purpose"] != purpose or row["used_at"] is not None or row["expires_at"] <= utcnow():
        return None
    return dict(row)


def use(conn: Connection, token: str, purpose: str) -> int | None:
    """Spend the token: its account id, or None if it was not valid (a second use included)."""
    row = valid(conn, token, purpose)
    if row is None:
        return None
    spent = conn.execute(update(email_tokens).where(and_(email_tokens.c.id == row["id"],
                                                         email_tokens.c.used_at.is_(None)))
                         .values(used_at=utcnow())).rowcount
    return row["account_id"] if spent == 1 else None
