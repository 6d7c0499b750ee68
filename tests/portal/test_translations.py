"""The Polish catalog covers every English text of the portal and of its e-mails, and the compiled
catalog is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PORTAL = Path(__file__).resolve().parents[2] / "portal"
MAIL = PORTAL.parent / "sync" / "mail"  # the e-mails share the portal's catalogue
CATALOG = PORTAL / "translations" / "pl" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _po():
    with (CATALOG / "messages.po").open("rb") as f:
        return read_po(f, locale="pl")


def test_every_text_in_the_code_and_templates_has_a_polish_translation() -> None:
    in_sources = {message for source in (PORTAL, MAIL) for _file, _line, message, _comments, _context in
                  extract_from_dir(str(source), METHODS, keywords=KEYWORDS)}
    in_sources = {m if isinstance(m, str) else m[0] for m in in_sources}
    catalog = _po()
    missing = sorted(m for m in in_sources if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"untranslated (run pybabel extract/update, see README): {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, fuzzy


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with (CATALOG / "messages.mo").open("rb") as f:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}
    assert compiled == {_plain(m.id): _plain(m.string) for m in _po() if m.id and m.string}, \
        "run: pybabel compile -d portal/translations"


def _plain(text: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    """A message's id or text; a plural one's forms as a tuple (the .mo reader gives lists)."""
    return text if isinstance(text, str) else tuple(text)
