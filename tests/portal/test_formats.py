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


def test_amounts_are_written_as_babel_writes_them() -> None:
    for locale in ("pl", "en"):
        for value in _values():
            assert pln(value, locale) == format_currency(value, "PLN", locale=locale), (locale, value)


def test_quantities_are_written_as_babel_writes_them() -> None:
    for locale in ("pl", "en"):
        for value in _values():
            quantity = value / 10
            expected = format_decimal(quantity, "#,##0.000", locale=locale).lstrip("-")
            assert grouped(quantity, 3, locale) == expected, (locale, quantity)
