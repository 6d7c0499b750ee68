"""Tariffs and invoice lines as billing computes them (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.08")
VAT_LABEL = "8"

# An invoice line before pricing: (name, quantity, unit, net price)
Line = tuple[str, Decimal, str, Decimal]


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tariff:
    water: Decimal  # net per m3
    sewage: Decimal  # net per m3
    fee: Decimal  # net subscription per month

    @staticmethod
    def for_year(year: int, company: bool) -> Tariff:
        growth = Decimal("1.05") ** max(0, year - 2019)
        q = Decimal("0.0001")
        return Tariff(
            water=(Decimal("4.2100") * growth).quantize(q),
            sewage=(Decimal("6.8400") * growth).quantize(q),
            fee=(Decimal("9.0000" if company else "3.5000") * growth).quantize(q),
        )


def service_lines(kind: str, water: Decimal, sewage: Decimal, months: int, tariff: Tariff) -> list[Line]:
    """(name, quantity, unit, net price) lines of a periodic invoice for contract kind W, K or WK."""
    lines: list[Line] = []
    if kind.strip() in ("W", "WK"):
        lines.append(("Dostawa wody", water, "m3", tariff.water))
    if kind.strip() in ("K", "WK"):
        lines.append(("Odprowadzanie ścieków", sewage, "m3", tariff.sewage))
    lines.append(("Opłata abonamentowa", Decimal(months).quantize(Decimal("0.001")), "mc", tariff.fee))
    return lines


def price_line(quantity: Decimal, price: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) of one line."""
    net = money(quantity * price)
    vat = money(net * VAT_RATE)
    return net, vat, net + vat
