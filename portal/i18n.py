"""Languages: Polish first, English second. The visitor's choice (a cookie set by the language
button), else the account's, else the browser's preference between the two, else the default."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates
from babel.support import NullTranslations
from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations

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
    """The request's language, "pl" or "en" (asked of Babel once per request)."""
    try:
        return g._ibok_locale
    except AttributeError:
        found = g._ibok_locale = "en" if str(get_locale()) == "en" else "pl"
        return found


request_locale = _locale


# Dates as CLDR writes them, remembered: a list page shows the same few dozen dates again and
# again, and Babel takes tens of microseconds for each.
@lru_cache(maxsize=8192)
def _date_text(value: date, pattern: str, locale: str) -> str:
    return dates.format_date(value, pattern, locale=locale)


@lru_cache(maxsize=4096)
def _moment_text(value: datetime, zone: str, locale: str) -> str:
    return dates.format_datetime(value, "medium", tzinfo=ZoneInfo(zone), locale=locale)


def date_text(value: date, pattern: str = "medium") -> str:
    """A date in the request's language: a CLDR width ("medium") or pattern ("LLLL yyyy")."""
    return _date_text(value, pattern, _locale())


def money(value: Decimal | None) -> str:
    return "—" if value is None else pln(value, _locale())


def day(value: date | None) -> str:
    return "—" if value is None else date_text(value)


def moment(value: datetime | None) -> str:
    """A moment in billing's time zone (where the utility and its customers are)."""
    return "—" if value is None else _moment_text(value, current_app.config["IBOK_TIMEZONE"], _locale())


def quantity(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{'-' if value < 0 else ''}{grouped(value, 3, _locale())} m³"


def _translations() -> NullTranslations:
    """The request's catalogue, looked up once per request (Flask-Babel looks it up for every string,
    and a page has a hundred or more)."""
    try:
        return g._ibok_translations
    except AttributeError:
        found = g._ibok_translations = get_translations()
        return found


def install(app: Flask) -> None:
    """After Babel: template filters, the locale in every template, and the templates' gettext."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(money=money, day=day, moment=moment, quantity=quantity)
    app.context_processor(lambda: {"locale": str(get_locale() or app.config["IBOK_DEFAULT_LOCALE"])})
