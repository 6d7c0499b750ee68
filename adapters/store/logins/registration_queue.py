"""The registration queue of the admin area: pending requests beside what billing holds, and decisions.

What the person typed (customer number, invoice number and gross, or "no invoice") is shown next
to the mirror's customer of that number, its last three invoices and the login's e-mail and name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from adapters.store.logins.registrations import RECENT_INVOICES
from adapters.store.mirror.customer_numbers import number_of
from adapters.store.tables import accounts, customers, invoices, registrations
from config.clock import utcnow

_CUSTOMER = ("id", "number", "name", "street", "house_number", "flat_number", "postal_code", "city")


def pending_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(registrations)
                            .where(registrations.c.state == "pending")).scalar_one())


def customer_by_number(conn: Connection, number: str) -> dict[str, Any] | None:
    row = conn.execute(select(*(customers.c[n] for n in _CUSTOMER))
                       .where(customers.c.number == (number_of(number) or number.strip()))).mappings().first()
    return dict(row) if row else None


def recent_invoices(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    i = invoices.c
    return [dict(r) for r in conn.execute(
        select(i.number, i.gross, i.issued_on, i.cancelled).where(i.customer_id == customer_id)
        .order_by(i.issued_on.desc(), i.id.desc()).limit(RECENT_INVOICES)).mappings()]


def get(conn: Connection, registration_id: int) -> dict[str, Any] | None:
    """A registration with its login's e-mail, name and language."""
    r, a = registrations.c, accounts.c
    row = conn.execute(select(registrations, a.email, a.name, a.locale)
                       .join(accounts, a.id == r.account_id).where(r.id == registration_id)).mappings().first()
    return dict(row) if row else None


def pending(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The oldest pending registrations, each with ``customer`` (the mirror's, or None) and its ``invoices``."""
    r, a = registrations.c, accounts.c
    rows = [dict(row) for row in conn.execute(
        select(registrations, a.email, a.name).join(accounts, a.id == r.account_id)
        .where(r.state == "pending").order_by(r.created_at, r.id).limit(limit)).mappings()]
    for row in rows:
        row["customer"] = customer_by_number(conn, row["customer_number"])
        row["invoices"] = recent_invoices(conn, row["customer"]["id"]) if row["customer"] else []
        for invoice in row["invoices"]:
            invoice["matches"] = matches(row, invoice)
    return rows


def matches(registration: dict[str, Any], invoice: dict[str, Any]) -> bool:
    """Whether the invoice is the one the person typed (number as on paper, any spacing or case; gross)."""
    typed = registration["invoice_number"]
    if typed is None or registration["invoice_gross"] is None:
        return False
    same = " ".join(typed.split()).upper() == " ".join(invoice["number"].split()).upper()
    return same and invoice["gross"] == registration["invoice_gross"]


def decide(conn: Connection, registration_id: int, state: str, decided_by: str, reason: str | None = None) -> bool:
    """Record the decision ("approved" or "rejected"); False when the registration was not pending
    (decided meanwhile by someone else): nothing changes then."""
    if state not in ("approved", "rejected"):
        raise ValueError(state)
    r = registrations.c
    return conn.execute(update(registrations).where((r.id == registration_id) & (r.state == "pending")).values(
        state=state, reason=reason, decided_at=utcnow(), decided_by=decided_by[:120])).rowcount == 1
