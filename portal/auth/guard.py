"""Who is asking: the logged-in account and the customer account chosen, loaded once per request.

Every customer page is reached through ``login_required``; every object is then looked up
through ``g.customer_id``, one of the login's own customer accounts, so that another customer's
object answers exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, render_template, request, session, url_for

from adapters.store.logins import accounts, registrations
from portal import context

F = TypeVar("F", bound=Callable[..., Any])
TERMS_DUE = "terms_due"  # in the session: the version of the terms this login is to accept (see acceptance)
# Reachable before the new terms are accepted: the page that asks, and the password change it waits for.
BEFORE_TERMS = frozenset({"acceptance.accept", "auth.change_password"})


def load_account() -> None:
    """Before each request: g.account, g.customers (the login's customer accounts), g.customer_id."""
    g.account, g.customers, g.customer_id = None, [], None
    account_id = session.get("account_id")
    if account_id is None:
        return
    loaded = getattr(session, "login", None)  # read with the session, in the same round trip
    if loaded is not None and loaded[0]["id"] == account_id:
        account, linked = loaded
    else:
        with context.reading() as conn:
            account, linked = accounts.with_customers(conn, account_id)
    if account is None or account["disabled_at"] is not None:
        session.end()  # type: ignore[attr-defined]
        return
    g.account, g.customers = account, linked
    chosen = session.get("customer_id")
    ids = [c["id"] for c in g.customers]
    g.customer_id = chosen if chosen in ids else (ids[0] if ids else None)


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("account") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if g.account["must_change_password"] and request.endpoint != "auth.change_password":
            return redirect(url_for("auth.change_password"))
        if session.get(TERMS_DUE) is not None and request.endpoint not in BEFORE_TERMS:
            return redirect(url_for("acceptance.accept", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def customer_required(view: F) -> F:
    """A page about one customer account; a login without one (its request waits for the office's
    check) sees where its request is instead."""
    @login_required
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.customer_id is None:
            with context.reading() as conn:
                waiting = registrations.pending_for(conn, g.account["id"])
            return render_template("auth/pending.html", waiting=waiting)
        return view(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
