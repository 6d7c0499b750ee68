"""The portal's fast number formats write exactly what Babel (CLDR) writes, in Polish and English."""

from __future__ import annotations

import random
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from sync.formats import grouped, pln


def _values() -> list[Decimal]:
    rng = random.Random(7)
    fixed = ["0", "-0.01", "0.5", "12", "999.99", "1000", "1234.56", "-1234.5", "1234567.89", "-98765432.1"]
    return [Decimal(v) for v in fixed] + [Decimal(rng.randint(-10**9, 10**9)) / 100 for _ in range(500)]


def test_amounts_are_written_as_babel_writes_them_with_one_currency_sign_in_both_languages() -> None:
    for value in _values():
        assert pln(value, "pl") == format_currency(value, "PLN", locale="pl"), value  # "1 234,56 zł"
        assert pln(value, "en") == f"{format_decimal(value, '#,##0.00', locale='en')}\xa0zł", value  # "1,234.56 zł"


def test_a_unit_price_keeps_its_places() -> None:
    assert pln(Decimal("4.5678"), "pl", 4) == "4,5678\xa0zł"
    assert pln(Decimal("-1234.5"), "en", 2) == "-1,234.50\xa0zł"


def test_quantities_are_written_as_babel_writes_them() -> None:
    for locale in ("pl", "en"):
        for value in _values():
            quantity = value / 10
            expected = format_decimal(quantity, "#,##0.000", locale=locale).lstrip("-")
            assert grouped(quantity, 3, locale) == expected, (locale, quantity)
