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
# Proofs tried for one customer number from anywhere: guessing its invoice and amount from many networks.
PROOF_PER_CUSTOMER = Limit("proof-customer", 20, timedelta(hours=24))
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


def attempt(engine: Engine, checks: list[tuple[Limit, str]], now: datetime | None = None) -> int | None:
    """Count one attempt against each limit and check it in the same transaction: minutes to wait
    when any limit is used up (then nothing is counted), else None (the attempt may go ahead).

    The count comes first and the check reads the count it made, so concurrent attempts never get
    past a limit together: of 40 at once against a limit of 5, five go ahead. An attempt that turns
    out not to be a failure (the right password) is uncounted by ``give_back``.
    """
    now = now or utcnow()
    waits = []
    # Rows locked in one order by every attempt: two attempts never wait for each other's second row.
    keyed = sorted((_key(limit, subject), limit) for limit, subject in checks)
    with writer(engine).connect() as conn:
        with conn.begin() as transaction:
            for key, limit in keyed:
                hits, ends = rate_limits.take(conn, key, now, limit.window)
                if hits > limit.attempts:
                    waits.append(ends - now)
            if waits:
                transaction.rollback()  # refused attempts count against nothing (an address's other logins)
    return math.ceil(max(waits).total_seconds() / 60) if waits else None


def give_back(engine: Engine, checks: list[tuple[Limit, str]]) -> None:
    """Uncount an attempt that went ahead and was no failure (the right password, code)."""
    with writer(engine).begin() as conn:
        for key in sorted(_key(limit, subject) for limit, subject in checks):
            rate_limits.give_back(conn, key)


def forget(engine: Engine, limit: Limit, subject: str) -> None:
    """Start counting afresh (a login that succeeded)."""
    with writer(engine).begin() as conn:
        rate_limits.clear(conn, _key(limit, subject))
