"""How billing settles invoices: payments and credit notes allocated oldest-due first (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Invoice:
    id: int
    gross: Decimal
    issued: date
    due: date
    cancelled: bool
    stamp: datetime


@dataclass(frozen=True)
class Payment:
    id: int
    amount: Decimal
    paid_on: date
    stamp: datetime


@dataclass(frozen=True)
class Settlement:
    """One ROZRACHUNKI row: ZAPLACONO, POZOSTALO, DATA_ROZLICZENIA and the stamp of its last change."""

    invoice_id: int
    paid: Decimal
    left: Decimal
    settled_on: date | None
    stamp: datetime


def settle(invoices: list[Invoice], payments: list[Payment]) -> list[Settlement]:
    """Settle one customer's invoices: credits (payments, negative corrections) pay debts by due date.

    The balance formula (sum of non-cancelled gross minus sum of payments) always
    equals the sum of what is left to pay minus the credit not yet allocated.
    """
    credits: list[tuple[date, datetime, int, Decimal]] = [
        (p.paid_on, p.stamp, p.id, p.amount) for p in payments
    ]
    rows: dict[int, Settlement] = {}
    debts: list[Invoice] = []
    for inv in invoices:
        if inv.cancelled:
            rows[inv.id] = Settlement(inv.id, ZERO, ZERO, None, inv.stamp)
        elif inv.gross <= 0:
            rows[inv.id] = Settlement(inv.id, inv.gross, ZERO, inv.issued, inv.stamp)
            if inv.gross < 0:
                credits.append((inv.issued, inv.stamp, -inv.id, -inv.gross))
        else:
            debts.append(inv)
    credits.sort(key=lambda c: (c[0], c[1], c[2]))
    debts.sort(key=lambda i: (i.due, i.id))

    it = iter(credits)
    current: tuple[date, datetime, int, Decimal] | None = next(it, None)
    available = current[3] if current else ZERO
    for inv in debts:
        need = inv.gross
        stamp = inv.stamp
        settled_on: date | None = None
        while need > 0 and current is not None:
            take = min(need, available)
            if take > 0:
                need -= take
                available -= take
                stamp = max(stamp, current[1])
                if need == 0:
                    settled_on = max(current[0], inv.issued)
            if available == 0:
                current = next(it, None)
                available = current[3] if current else ZERO
        rows[inv.id] = Settlement(inv.id, inv.gross - need, need, settled_on, stamp)
    return [rows[i.id] for i in invoices]


def balance(invoices: list[Invoice], payments: list[Payment]) -> Decimal:
    """The spec's saldo: positive when the customer owes, negative when overpaid."""
    owed = sum((i.gross for i in invoices if not i.cancelled), ZERO)
    return owed - sum((p.amount for p in payments), ZERO)
