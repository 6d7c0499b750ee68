"""Changing a login's e-mail address (the one it logs in with, where iBOK's own e-mails go).

Asked for with the password; made only when the owner of the new address opens the single-use
link sent to it, so a typo cannot lock anyone out. Then the old address is told (a change made by
someone else is noticed). Billing's contact address of the login's customer accounts is another
setting, changed on its own (a data-change request, ``sync.submissions``): a property manager's
login address is not the company's address in billing. The page says the same whether or not the
new address already belongs to another login: that login's owner gets a notice instead of a link.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from adapters.store.logins import accounts, tokens
from adapters.store.outbox import mail
from adapters.store.unit_of_work import UnitOfWork

log = structlog.get_logger("portal.security")
LINK_VALID_FOR = timedelta(hours=24)


def ask(uow: UnitOfWork, account: dict[str, Any], new_email: str) -> None:
    """Keep ``new_email`` as the login's pending address and e-mail it a link (or, when another login
    has it, a notice to that login's owner).

    Both ways write the same: the pending address (the contact page shows it waiting either way) and
    a new link (ending any earlier one), which for a taken address is never sent and cannot be used
    (``confirm`` refuses an address another login has). So neither the page nor its timing tells a
    customer whether an address has a login."""
    new = new_email.strip().lower()
    with uow:
        conn = uow.conn
        holder = accounts.by_email(conn, new)
        accounts.set_pending_email(conn, account["id"], new)
        token = tokens.issue(conn, account["id"], "email", LINK_VALID_FOR)
        if holder is not None:
            mail.enqueue(conn, event=f"email-taken:{account['id']}:{holder['id']}:{new}", to=new,
                         locale=holder["locale"], template="email_taken",
                         params={"name": holder["name"], "link": "/password/forgot"})
        else:
            mail.enqueue(conn, event=f"email:{account['id']}:{tokens.digest(token)[:12]}", to=new,
                         locale=account["locale"], template="email_change",
                         params={"name": account["name"], "link": f"/account/email/{token}"})
    log.info("email_change_to_address_in_use" if holder is not None else "email_change_asked",
             account_id=account["id"])


def _waiting(conn: Connection, token: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The login a still valid link belongs to, with its customer accounts, while it waits for a new address."""
    row = tokens.valid(conn, token, "email")
    account, linked = accounts.with_customers(conn, row["account_id"]) if row else (None, [])
    return (account, linked) if account is not None and account["pending_email"] is not None else None


def pending(engine: Engine, token: str) -> str | None:
    """The address a still valid link would make the login's."""
    with engine.connect() as conn:
        waiting = _waiting(conn, token)
    return waiting[0]["pending_email"] if waiting else None


def confirm(uow: UnitOfWork, token: str) -> int | None:
    """Spend the link: the login's address changed (its id); None for a used, expired or unknown link, or
    an address another login took meanwhile. Billing's records are not touched (see the module)."""
    with uow:
        conn = uow.conn
        waiting = _waiting(conn, token)
        if waiting is None:
            return None
        account, _linked = waiting
        new = account["pending_email"]
        if tokens.use(conn, token, "email") is None or accounts.by_email(conn, new) is not None:
            return None
        accounts.change_email(conn, account["id"], new)
        mail.enqueue(conn, event=f"email-changed:{account['id']}:{tokens.digest(token)[:12]}", to=account["email"],
                     locale=account["locale"], template="email_changed", params={"name": account["name"]})
    log.info("email_changed", account_id=account["id"])
    return account["id"]
