"""Attempt limits for login, registration proof and password reset, per account and per address.

Counted in the store (every worker and host sees the same counts). A refused attempt says when
to try again; the same limit applies whether the account exists or not.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import Engine

from adapters.store.db import writer
from adapters.store.logins import rate_limits
from config.clock import utcnow


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: timedelta


LOGIN_PER_ACCOUNT = Limit("login-account", 5, timedelta(minutes=15))
LOGIN_PER_ADDRESS = Limit("login-address", 30, timedelta(minutes=15))
PROOF_PER_ADDRESS = Limit("proof-address", 10, timedelta(hours=1))
PROOF_PER_ACCOUNT = Limit("proof-account", 10, timedelta(hours=1))
RESET_PER_ACCOUNT = Limit("reset-account", 3, timedelta(hours=1))
RESET_PER_ADDRESS = Limit("reset-address", 10, timedelta(hours=1))
# A new password sent with a reset link: per client network (links tried) and per link (its token's hash).
RESET_LINK_PER_ADDRESS = Limit("reset-link-address", 20, timedelta(hours=1))
RESET_LINK_PER_LINK = Limit("reset-link", 10, timedelta(hours=1))
REAUTH_PER_ACCOUNT = Limit("reauth-account", 5, timedelta(minutes=15))  # the password asked again before a change


def client_network() -> str:
    """The client's network (/24 or /48), enough to limit attempts, not to name a person in logs."""
    raw = request.remote_addr or "0.0.0.0"  # nosec B104  # no bind: the one bucket of clients of unknown address
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def _key(limit: Limit, subject: str) -> str:
    return f"{limit.name}:{subject.strip().lower()}"[:200]


def blocked(engine: Engine, checks: list[tuple[Limit, str]], now: datetime | None = None) -> int | None:
    """Minutes to wait when any of the limits is used up, else None (nothing is counted)."""
    now = now or utcnow()
    waits = []
    with engine.connect() as conn:
        for limit, subject in checks:
            hits, ends = rate_limits.peek(conn, _key(limit, subject), now, limit.window)
            if hits >= limit.attempts and ends is not None:
                waits.append(ends - now)
    return math.ceil(max(waits).total_seconds() / 60) if waits else None


def count(engine: Engine, checks: list[tuple[Limit, str]], now: datetime | None = None) -> None:
    """Count one attempt (a failed login, a proof tried, a reset asked for) against each limit."""
    now = now or utcnow()
    with writer(engine).begin() as conn:
        for limit, subject in checks:
            rate_limits.hit(conn, _key(limit, subject), now, limit.window)


def forget(engine: Engine, limit: Limit, subject: str) -> None:
    """Start counting afresh (a login that succeeded)."""
    with writer(engine).begin() as conn:
        rate_limits.clear(conn, _key(limit, subject))
