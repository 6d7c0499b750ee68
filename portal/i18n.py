"""Languages: Polish first, English second. The visitor's choice (a cookie set by the language
button), else the account's, else the browser's preference between the two, else the default."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, g, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
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


def money(value: Decimal | None) -> str:
    return "—" if value is None else format_currency(value, "PLN")


def day(value: date | None) -> str:
    return "—" if value is None else format_date(value, "medium")


def moment(value: datetime | None) -> str:
    return "—" if value is None else format_datetime(value, "medium")


def quantity(value: Decimal | None) -> str:
    return "—" if value is None else f"{format_decimal(value, '#,##0.000')} m³"


def install(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, day=day, moment=moment, quantity=quantity)
    app.context_processor(lambda: {"locale": str(get_locale() or app.config["IBOK_DEFAULT_LOCALE"])})
