"""How customers pay their invoices: punctual, late, partial, standing-order overpayers, non-payers (pure)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from adapters.standin.pricing import money
from adapters.standin.settlement import Invoice


def plan_payments(rng: random.Random, payer: str, customer_id: int, owed: list[tuple[Invoice, str]],
                  until: date) -> list[tuple[date, Decimal, str]]:
    """(date, amount, title) of the transfers a customer of kind ``payer`` makes for ``owed`` invoices."""
    planned: list[tuple[date, Decimal, str]] = []
    if payer == "overpayer" and owed:
        monthly = sum((i.gross for i, _ in owed), Decimal(0)) / max(1, len(owed))
        amount = money((monthly * Decimal("1.3") / 10).to_integral_value() * 10 + 10)
        day = owed[0][0].issued.replace(day=10)
        while day < until:
            planned.append((day, amount, f"Zlecenie stałe – opłata za wodę, klient {customer_id}"))
            day = (day + timedelta(days=31)).replace(day=10)
    else:
        for inv, number in owed:
            title = rng.choice((f"Faktura {number}", f"FV {number}", f"Opłata za wodę {number}"))
            if payer == "punctual":
                planned.append((max(inv.issued, inv.due - timedelta(days=rng.randint(0, 10))), inv.gross, title))
            elif payer == "late":
                planned.append((inv.due + timedelta(days=rng.randint(3, 45)), inv.gross, title))
            elif payer == "partial":
                part = money((inv.gross * Decimal(str(rng.uniform(0.5, 0.95)))).to_integral_value())
                planned.append((inv.due, part, title))
                if rng.random() < 0.5:
                    planned.append((inv.due + timedelta(days=30), inv.gross - part, title))
            elif rng.random() < 0.3:  # nonpayer
                planned.append((inv.due + timedelta(days=rng.randint(20, 90)), inv.gross, title))
    return planned
