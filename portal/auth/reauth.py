"""The password asked again before a change of the login (its password, e-mail address, phone
number). Wrong answers count against a limit of the login's own, so a session left open on someone
else's screen cannot be used to guess the password."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Engine

from portal.auth import limits, passwords
from portal.i18n import gettext as _

log = structlog.get_logger("portal.security")


def password_problem(engine: Engine, account: dict[str, Any], password: str, change: str) -> str | None:
    """None when ``password`` is the login's; else what to tell the customer (wrong, or wait)."""
    checks = [(limits.REAUTH_PER_ACCOUNT, str(account["id"]))]
    wait = limits.attempt(engine, checks)  # counted before the password is checked: see limits.attempt
    if wait is not None:
        log.warning("reauth_locked_out", account_id=account["id"], change=change)
        return _("Too many attempts. Try again in %(minutes)d min.", minutes=wait)
    if passwords.verify(account["password_hash"], password):
        limits.give_back(engine, checks)
        return None
    log.warning("reauth_failed", account_id=account["id"], change=change)
    return _("The current password is wrong.")
