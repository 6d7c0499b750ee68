"""Approving or rejecting a registration: the decision, the link to the customer account, the e-mail
to the person and the audit entry, all in the one unit of work it is given (or nothing at all).

The e-mail's event key is ``registration:<id>:approved`` (or ``rejected``): a repeated click, or
a second admin deciding at the same moment, never sends a second message.
"""

from __future__ import annotations

from typing import Any

from adapters.store.logins import accounts, registration_queue
from adapters.store.outbox import mail
from adapters.store.unit_of_work import UnitOfWork
from portal.admin.audit import actor_of, record

# Outcomes: "approved" / "rejected"; "missing" (no such registration); "decided" (not pending any
# more); "no_customer" (its customer number is not in the mirror: nothing changed).


def approve(uow: UnitOfWork, registration_id: int, admin: dict[str, Any]) -> str:
    with uow:
        conn = uow.conn
        found = registration_queue.get(conn, registration_id)
        if found is None:
            return "missing"
        if found["state"] != "pending":
            return "decided"
        customer = registration_queue.customer_by_number(conn, found["customer_number"])
        if customer is None:
            return "no_customer"
        if not registration_queue.decide(conn, registration_id, "approved", actor_of(admin)):
            return "decided"
        accounts.link(conn, found["account_id"], customer["id"], "admin")
        mail.enqueue(conn, event=f"registration:{registration_id}:approved", to=found["email"],
                     locale=found["locale"], template="registration_approved",
                     params={"name": found["name"], "customer_number": customer["number"], "link": "/login"})
        record(conn, "registration.approve", f"registration:{registration_id}",
               f"customer:{customer['number']}", admin=admin)
    return "approved"


def reject(uow: UnitOfWork, registration_id: int, admin: dict[str, Any], reason: str) -> str:
    reason = " ".join(reason.split())[:400]
    if not reason:
        raise ValueError("a rejection needs its reason")
    with uow:
        conn = uow.conn
        found = registration_queue.get(conn, registration_id)
        if found is None:
            return "missing"
        if not registration_queue.decide(conn, registration_id, "rejected", actor_of(admin), reason):
            return "decided"
        mail.enqueue(conn, event=f"registration:{registration_id}:rejected", to=found["email"],
                     locale=found["locale"], template="registration_rejected",
                     params={"name": found["name"], "customer_number": found["customer_number"],
                             "reason": reason, "link": "/login"})
        # The reason is the admin's free text: it stays on the registration, not in the audit log.
        record(conn, "registration.reject", f"registration:{registration_id}",
               f"customer:{found['customer_number']}", admin=admin)
    return "rejected"
