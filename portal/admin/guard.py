"""Who may do what in the admin area: a staff session (never a customer's) and the staff's roles.

Role matrix (``require_role``; every page needs a logged-in admin with the second factor):

=============================================  ========  =============
page or action                                 operator  administrator
=============================================  ========  =============
overview (/admin/)                             yes       yes
registration queue: view, approve, reject      yes       yes
customer lookup and a customer's summary       yes       yes
sync health (/admin/sync), its requests        yes       yes
resync: a stream, all in full, a customer      yes       yes
outbox (/admin/outbox): submissions, e-mails   yes       yes
dead letters: retry, cancel; e-mails: retry    yes       yes
own password                                   yes       yes
audit log (/admin/audit)                       no        yes
staff accounts: list, disable (/admin/admins)  no        yes
announcements (/admin/notices): all actions    no        yes
forms library (/admin/forms): all actions      no        yes
terms versions (/admin/terms): all actions     no        yes
=============================================  ========  =============

Cancelling a dead letter is an operator's too: with retrying it is how a stuck submission is
unblocked ("operator: read, resync, retry"), and it asks for a confirmation first.

A customer's session gets 403 on every admin page (the login page aside); an anonymous visitor
is sent to /admin/login. A staff session holds ``admin_id`` and never ``account_id``: each login
(customer or staff) begins a new, empty session, so one never carries the other's identity.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from adapters.store.logins import admins
from portal import context

F = TypeVar("F", bound=Callable[..., Any])
RANK = {"operator": 1, "administrator": 2}
# The steps of logging in: reached without a staff session (each checks its own half-done login).
PUBLIC = frozenset({"admin.login", "admin.code", "admin.enrol"})
# Reachable before a one-time password is changed.
BEFORE_PASSWORD = frozenset({"admin.password", "admin.logout"})


def allowed(role: str, least: str) -> bool:
    """Whether ``role`` may do what needs at least ``least``."""
    return RANK.get(role, 0) >= RANK[least]


def load_admin() -> Any:
    """Before each admin view: g.admin, or a 403 (a customer), or the way to the login page."""
    g.admin = None
    if request.endpoint in PUBLIC:
        return None
    if session.get("account_id") is not None or g.get("account") is not None:
        abort(403)  # a customer's session never reaches the admin area
    admin_id = session.get("admin_id")
    if admin_id is None:
        return redirect(url_for("admin.login"))
    with context.reading() as conn:
        admin = admins.get(conn, admin_id)
    if admin is None or admin["disabled_at"] is not None or admin["totp_confirmed_at"] is None:
        session.end()  # type: ignore[attr-defined]
        return redirect(url_for("admin.login"))
    g.admin = admin
    if admin["must_change_password"] and request.endpoint not in BEFORE_PASSWORD:
        return redirect(url_for("admin.password"))
    return None


def require_role(least: str) -> Callable[[F], F]:
    """A view for staff of role ``least`` or above; others get 403."""
    if least not in RANK:
        raise ValueError(least)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            admin = g.get("admin")
            if admin is None or not allowed(admin["role"], least):
                abort(403)
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorator
