"""Amounts and quantities as Polish and English write them (CLDR's separators), for pages and e-mails.

Framework-free: the portal's templates and the daemon's e-mails format with the same functions.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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


CURRENCY = "zł"  # the one currency sign, in both languages: amounts and headings ("Charges (zł)") alike


def pln(value: Decimal, locale: str, places: int = 2) -> str:
    """An amount of money, the one way every page and e-mail shows one: "3\xa0807,83\xa0zł" in Polish,
    "3,807.83\xa0zł" in English (the sign as the customer's invoices print it, in both languages);
    ``places`` more than 2 for a unit price."""
    return f"{signed(value, places, locale)}\xa0{CURRENCY}"


# ----- amounts as people type them --------------------------------------------------------------------
_CURRENCY_WORDS = re.compile(r"(?i)zł|zl|pln")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")  # spaces of any width, and the Swiss apostrophe
_TYPED = re.compile(r"-?[0-9.,]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{3})+")  # "1.234" or "1,234,567": groups, no decimals


def read_amount(typed: str) -> Decimal | None:
    """An amount of money as a person types it, in either language's way: "1234,56", "1 234,56 zł",
    "1.234,56", "1,234.56", "PLN 1234.56", "1234". The last comma or dot followed by one or two digits
    is the decimal point, any other comma, dot or space a thousands separator. None when it is no
    amount (letters, digits other than ASCII ones, more than two decimals)."""
    text = _SPACES.sub("", _CURRENCY_WORDS.sub("", typed))
    if not _TYPED.fullmatch(text) or not any(c.isdigit() for c in text):
        return None
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    if _THOUSANDS.fullmatch(text):
        whole, fraction = text, ""
    else:
        point = max(text.rfind(","), text.rfind("."))
        whole, fraction = (text, "") if point < 0 else (text[:point], text[point + 1:])
    whole = whole.replace(",", "").replace(".", "")
    if not whole.isdigit() and whole != "" or not (fraction == "" or fraction.isdigit()) or len(fraction) > 2:
        return None
    try:
        return Decimal(f"{sign}{whole or '0'}.{fraction or '0'}").quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
