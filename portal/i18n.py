"""Languages: Polish first, English second. The visitor's choice (a cookie set by the language
button), else the account's, else the browser's preference between the two, else the default."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, g, request
from flask_babel import (
    format_date,
    format_datetime,
    get_locale,
)

LOCALES = ("pl", "en")
COOKIE = "ibok_lang"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    account = g.get("account")
    if account is not None and account["locale"] in LOCALES:
        return account["locale"]
    return request.accept_languages.best_match(LOCALES, default=current_app.config["IBOK_DEFAULT_LOCALE"])


# Numbers as CLDR writes them in our two languages (what Babel's format_currency/format_decimal give,
# at a small fraction of their cost: a page may show a hundred amounts).
_SEPARATORS = {"pl": ("\xa0", ","), "en": (",", ".")}


def grouped(value: Decimal, places: int, locale: str) -> str:
    """``value`` with ``places`` decimals and grouped thousands, without its sign."""
    group, point = _SEPARATORS.get(locale, _SEPARATORS["pl"])
    return f"{abs(value):,.{places}f}".replace(",", "\x00").replace(".", point).replace("\x00", group)


def pln(value: Decimal, locale: str) -> str:
    sign = "-" if value < 0 else ""
    if locale == "en":
        return f"{sign}PLN{grouped(value, 2, locale)}"
    return f"{sign}{grouped(value, 2, locale)}\xa0zł"


def _locale() -> str:
    return "en" if str(get_locale()) == "en" else "pl"


def money(value: Decimal | None) -> str:
    return "—" if value is None else pln(value, _locale())


def day(value: date | None) -> str:
    return "—" if value is None else format_date(value, "medium")


def moment(value: datetime | None) -> str:
    return "—" if value is None else format_datetime(value, "medium")


def quantity(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{'-' if value < 0 else ''}{grouped(value, 3, _locale())} m³"


def install(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, day=day, moment=moment, quantity=quantity)
    app.context_processor(lambda: {"locale": str(get_locale() or app.config["IBOK_DEFAULT_LOCALE"])})
