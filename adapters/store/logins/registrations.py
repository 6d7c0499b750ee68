"""Registration requests and the proof that a person holds a customer account (a recent invoice)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from adapters.store.mirror import customer_numbers
from adapters.store.statements import inserted_id
from adapters.store.tables import invoices, registrations
from config.clock import utcnow

RECENT_INVOICES = 3  # the proof is one of the customer's last three invoices


def proven_customer(conn: Connection, number: str, invoice_number: str, gross: Decimal) -> int | None:
    """The customer whose number this is (typed with or without its leading zeros), when the invoice
    (number and gross) is one of its last three."""
    customer_id = customer_numbers.customer_id(conn, number)
    if customer_id is None:
        return None
    recent = conn.execute(select(invoices.c.number, invoices.c.gross).where(invoices.c.customer_id == customer_id)
                          .order_by(invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(RECENT_INVOICES)).all()
    wanted = " ".join(invoice_number.split()).upper()
    return customer_id if any(" ".join(n.split()).upper() == wanted and g == gross for n, g in recent) else None


def add(conn: Connection, *, account_id: int, customer_number: str, invoice_number: str | None,
        invoice_gross: Decimal | None, state: str) -> int:
    result = conn.execute(registrations.insert().values(
        account_id=account_id,
        customer_number=(customer_numbers.number_of(customer_number) or customer_number.strip())[:20],
        invoice_number=invoice_number,
        invoice_gross=invoice_gross, state=state, created_at=utcnow(),
        decided_at=utcnow() if state != "pending" else None, decided_by="proof" if state == "approved" else None))
    return inserted_id(result)


def pending_for(conn: Connection, account_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(registrations).where(
        (registrations.c.account_id == account_id) & (registrations.c.state == "pending"))).mappings()]
