"""Render an e-mail of the outbox (template name, language, parameters) into subject, text and HTML.

Independent of Flask: the daemon renders them with the portal's catalogue of translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sync.formats import pln, signed

TEMPLATES = Path(__file__).with_name("templates")
# One catalogue for the pages and the e-mails: pybabel extracts both into the portal's (README).
TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


@cache
def _environment(locale: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_translations(Translations.load(str(TRANSLATIONS), [locale]), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=lambda v: pln(Decimal(str(v)), locale), day=lambda v: day(v, locale),
                       quantity=lambda v: f"{signed(Decimal(str(v)), 3, locale)} m³",
                       moment=lambda v, tz="Europe/Warsaw": moment(v, tz, locale))
    return env


# Parameters travel as JSON text (ISO dates, decimal strings); the filters write them as a reader
# of the language expects: "123,45 zł", "21.11.2026", "21.11.2026 14:30" in Polish.
def day(value: str, locale: str) -> str:
    return dates.format_date(date.fromisoformat(value), "medium" if locale == "en" else "dd.MM.yyyy", locale=locale)


def moment(value: str, tz: str, locale: str) -> str:
    pattern = "d MMM yyyy, HH:mm" if locale == "en" else "dd.MM.yyyy HH:mm"
    return dates.format_datetime(datetime.fromisoformat(value), pattern, tzinfo=ZoneInfo(tz), locale=locale)


def compose(template: str, locale: str, params: dict[str, Any]) -> Mail:
    env = _environment(locale if locale in ("pl", "en") else "pl")
    text = env.get_template(f"{template}.txt").render(locale=locale, **params)
    subject, _, body = text.partition("\n\n")  # the first paragraph of the text template is the subject
    html = env.get_template(f"{template}.html").render(locale=locale, body=body, **params)
    return Mail(subject.strip(), body.strip() + "\n", html)
