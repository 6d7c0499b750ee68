"""Render an e-mail of the outbox (template name, language, parameters) into subject, text and HTML.

Independent of Flask: the daemon renders them with the portal's translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


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
    return env


def compose(template: str, locale: str, params: dict[str, Any]) -> Mail:
    env = _environment(locale if locale in ("pl", "en") else "pl")
    text = env.get_template(f"{template}.txt").render(locale=locale, **params)
    subject, _, body = text.partition("\n\n")  # the first paragraph of the text template is the subject
    html = env.get_template(f"{template}.html").render(locale=locale, body=body, **params)
    return Mail(subject.strip(), body.strip() + "\n", html)
