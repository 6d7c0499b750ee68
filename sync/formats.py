"""Amounts and quantities as Polish and English write them (CLDR's separators), for pages and e-mails.

Framework-free: the portal's templates and the daemon's e-mails format with the same functions.
"""

from __future__ import annotations

from decimal import Decimal

# Numbers as CLDR writes them in our two languages (what Babel's format_currency/format_decimal give,
# at a small fraction of their cost: a page may show a hundred amounts).
_SEPARATORS = {"pl": ("\xa0", ","), "en": (",", ".")}


def grouped(value: Decimal, places: int, locale: str) -> str:
    """``value`` with ``places`` decimals and grouped thousands, without its sign."""
    group, point = _SEPARATORS.get(locale, _SEPARATORS["pl"])
    return f"{abs(value):,.{places}f}".replace(",", "\x00").replace(".", point).replace("\x00", group)


def signed(value: Decimal, places: int, locale: str) -> str:
    """``value`` with ``places`` decimals, grouped thousands and its sign (a figure in a table)."""
    return f"{'-' if value < 0 else ''}{grouped(value, places, locale)}"


def pln(value: Decimal, locale: str) -> str:
    sign = "-" if value < 0 else ""
    if locale == "en":
        return f"{sign}PLN{grouped(value, 2, locale)}"
    return f"{sign}{grouped(value, 2, locale)}\xa0zł"
