"""Changing a login's e-mail address.

Asked for with the password; made only when the owner of the new address opens the single-use
link sent to it, so a typo cannot lock anyone out. Then the old address is told (a change made by
someone else is noticed), and billing's record of each of the login's customer accounts follows as
a data-change request, like any other. The page says the same whether or not the new address
already belongs to another login: that login's owner gets a notice instead of a link.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import Engine

from adapters.store import accounts, mail, tokens
from adapters.store.db import writer
from portal.submissions import service

log = structlog.get_logger("portal.security")
LINK_VALID_FOR = timedelta(hours=24)


def ask(engine: Engine, account: dict, new_email: str) -> None:
    """Keep ``new_email`` as the login's pending address and e-mail it a link (or, when another login
    has it, a notice)."""
    new = new_email.strip().lower()
    with writer(engine).begin() as conn:
        holder = accounts.by_email(conn, new)
        if holder is not None:
            mail.enqueue(conn, event=f"email-taken:{account['id']}:{holder['id']}:{new}", to=new,
                         locale=holder["locale"], template="email_taken",
                         params={"name": holder["name"], "link": "/password/forgot"})
            log.info("email_change_to_address_in_use", account_id=account["id"])
            return
        accounts.set_pending_email(conn, account["id"], new)
        token = tokens.issue(conn, account["id"], "email", LINK_VALID_FOR)
        mail.enqueue(conn, event=f"email:{account['id']}:{tokens.digest(token)[:12]}", to=new,
                     locale=account["locale"], template="email_change",
                     params={"name": account["name"], "link": f"/account/email/{token}"})
    log.info("email_change_asked", account_id=account["id"])


def pending(engine: Engine, token: str) -> str | None:
    """The address a still valid link would make the login's."""
    with engine.connect() as conn:
        row = tokens.valid(conn, token, "email")
        account = accounts.get(conn, row["account_id"]) if row else None
    return account["pending_email"] if account else None


def confirm(engine: Engine, token: str, timezone: str) -> int | None:
    """Spend the link: the login's address changed (its id), billing asked to follow; None for a used,
    expired or unknown link, or an address another login took meanwhile."""
    with engine.connect() as conn:
        row = tokens.valid(conn, token, "email")
        account = accounts.get(conn, row["account_id"]) if row else None
        customers = [c["id"] for c in accounts.with_customers(conn, account["id"])[1]] if account else []
    new = account["pending_email"] if account else None
    if account is None or new is None:
        return None
    # Billing's records first, keyed by the link: opened again after a failure, nothing is asked twice.
    ctx = service.Context(engine, f"portal:{account['id']}", timezone)
    asked = [customer_id for customer_id in customers
             if service.request_change(ctx, customer_id, "email", new, token=f"email-{tokens.digest(token)}").ok]
    with writer(engine).begin() as conn:
        if tokens.use(conn, token, "email") is None or accounts.by_email(conn, new) is not None:
            return None
        accounts.change_email(conn, account["id"], new)
        mail.enqueue(conn, event=f"email-changed:{account['id']}:{tokens.digest(token)[:12]}", to=account["email"],
                     locale=account["locale"], template="email_changed", params={"name": account["name"]})
    log.info("email_changed", account_id=account["id"], billing_requests=len(asked))
    return account["id"]
