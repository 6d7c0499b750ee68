"""Unsubscribe links: a login and a kind of message, signed with the portal's secret key.

No expiry and nothing stored: a link in a two-year-old e-mail still turns that kind off, and
whoever holds the e-mail may do so (that is all the link allows). The daemon signs, the portal checks.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from adapters.store.logins.preferences import KINDS

SALT = "ibok.unsubscribe"


def token(secret: str, account_id: int, kind: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([account_id, kind])


def path(secret: str, account_id: int, kind: str) -> str:
    """The portal path of the unsubscribe page (GET shows a button; ``/one-click`` takes RFC 8058's POST)."""
    return f"/unsubscribe/{token(secret, account_id, kind)}"


def read(secret: str, value: str) -> tuple[int, str] | None:
    """(login, kind) of a genuine token, else None."""
    try:
        account_id, kind = URLSafeSerializer(secret, salt=SALT).loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(account_id, int) or kind not in KINDS:
        return None
    return account_id, kind
