"""The Polish catalog covers every English text of the portal and of its e-mails, and the compiled
catalog is current."""

from __future__ import annotations

import re
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


# Every text is a %-format string: Jinja's new-style gettext (pages and e-mails) and portal.i18n.gettext
# format each one, with or without variables, so a lone "%" (a "200%" in a sentence) is a 500.
_CONVERSION = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa%])")


def _format_problems(text: str, names: set[str]) -> list[str]:
    """What is wrong with ``text`` as a format string given the variables ``names``: a "%" that is no
    conversion, a conversion without a name (it would print the whole dict), a name not given."""
    problems = []
    rest = _CONVERSION.sub("", text)
    if "%" in rest:
        problems.append("a lone % (write %% for a percent sign)")
    for found in _CONVERSION.finditer(text):
        if found["type"] != "%" and found["name"] is None:
            problems.append(f"an unnamed conversion {found[0]!r}")
        elif found["name"] is not None and found["name"] not in names:
            problems.append(f"%({found['name']})s is not among the variables {sorted(names)}")
    if not problems:
        try:
            text % {name: 1 for name in names}
        except (ValueError, TypeError, KeyError) as error:
            problems.append(f"does not format: {error}")
    return problems


def _variables(message_id: str | tuple[str, ...]) -> set[str]:
    ids = [message_id] if isinstance(message_id, str) else list(message_id)
    names = {found["name"] for text in ids for found in _CONVERSION.finditer(text) if found["name"]}
    return names | ({"num"} if not isinstance(message_id, str) else set())  # ngettext passes num


def test_every_text_and_its_translation_formats_with_the_variables_of_its_english() -> None:
    problems = {}
    for message in _po():
        if not message.id:
            continue
        names = _variables(message.id)
        texts = [message.id] if isinstance(message.id, str) else list(message.id)
        texts += [message.string] if isinstance(message.string, str) else list(message.string)
        found = [f"{text!r}: {p}" for text in texts for p in _format_problems(text, names)]
        if found:
            problems[message.id] = found
    assert not problems, problems


def test_the_format_check_finds_a_lone_percent_sign_and_a_foreign_variable() -> None:
    assert _format_problems("Text can be enlarged to 200% without losing content", set())
    assert _format_problems("Powiększ do %(ile)s", {"much"})
    assert _format_problems("%s zł", set())
    assert not _format_problems("Text can be enlarged to 200%% without losing content", set())
    assert not _format_problems("%(count)d of %(total)s", {"count", "total"})
