"""Languages: Polish first, English second. The visitor's choice (a cookie set by the language
button), else the account's, else the browser's preference between the two, else the default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates
from babel.support import NullTranslations
from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context

from sync.formats import pln, signed

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


def request_locale() -> str:
    """The request's language, "pl" or "en" (asked of Babel once per request)."""
    try:
        return g._ibok_locale
    except AttributeError:
        found = g._ibok_locale = "en" if str(get_locale()) == "en" else "pl"
        return found


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
    return _date_text(value, pattern, request_locale())


# The figures of a page, each in a language given ("pl", "en"): the template filters pick it.
def money_in(value: Decimal | None, locale: str) -> str:
    return "—" if value is None else pln(value, locale)


def balance_in(value: Decimal | None, locale: str) -> str:
    """A balance, the one way every page shows one: the amount without a sign and what it means,
    "3 807,83 zł to pay" or "19 511,85 zł overpaid" (a sign meant the opposite to some readers)."""
    if value is None:
        return "—"
    if value > 0:
        return gettext("%(amount)s to pay", amount=pln(value, locale))
    if value < 0:
        return gettext("%(amount)s overpaid", amount=pln(-value, locale))
    return pln(value, locale)


def balance_word(value: Decimal) -> str:
    """What a balance means, under its amount without a sign (a tile)."""
    return gettext("to pay") if value > 0 else gettext("overpaid") if value < 0 else gettext("nothing to pay")


def day_in(value: date | None, locale: str) -> str:
    return "—" if value is None else _date_text(value, "medium", locale)


def quantity_in(value: Decimal | None, locale: str) -> str:
    return "—" if value is None else f"{signed(value, 3, locale)} m³"


def moment(value: datetime | None) -> str:
    """A moment in billing's time zone (where the utility and its customers are)."""
    return "—" if value is None else _moment_text(value, current_app.config["IBOK_TIMEZONE"], request_locale())


def _filter(format_in: Callable[[Any, str], str]) -> Callable[..., str]:
    """A template filter in the page's language, taken from the template's context (a page may format
    a hundred values, and the request's globals are slower to reach), or from the request where the
    context has none (a macro imported without context)."""
    @pass_context
    def formatted(context: Context, value: Any) -> str:
        locale = context.get("locale")
        return format_in(value, locale if locale in LOCALES else request_locale())
    return formatted


def _translations() -> NullTranslations:
    """The request's catalogue, looked up once per request (Flask-Babel looks it up for every string,
    and a page has a hundred or more)."""
    try:
        return g._ibok_translations
    except AttributeError:
        found = g._ibok_translations = get_translations()
        return found
    except RuntimeError:  # no app context (a form class built at import): as Flask-Babel does, untranslated
        return get_translations()


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext`` (the text in the request's language, ``variables`` filled in), with the
    catalogue looked up once per request.

    Every text is a %-format string, with or without variables, as in the templates and e-mails
    (Jinja's new-style gettext always formats): a literal percent sign is written ``%%`` everywhere,
    and ``tests/portal/test_translations.py`` formats every text of the catalogue to prove it."""
    return _translations().ugettext(string) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Flask-Babel's ``lazy_gettext`` (a text translated when shown: form labels, menu entries), through
    the request's catalogue as ``gettext`` above."""
    return LazyString(gettext, string, **variables)


def install(app: Flask) -> None:
    """After Babel: template filters, the locale in every template, and the templates' gettext."""
    # jinja2.ext.i18n (added by Flask-Babel) adds the method with Environment.extend(), which types cannot see.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(money=_filter(money_in), balance=_filter(balance_in), balance_word=balance_word,
                                 day=_filter(day_in), quantity=_filter(quantity_in), moment=moment)
    app.context_processor(lambda: {"locale": str(get_locale() or app.config["IBOK_DEFAULT_LOCALE"])})
