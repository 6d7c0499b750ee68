"""Forms to download: publishing a form's file (or a new version of it), withdrawing it, and the list offered."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import PurePath
from typing import Any

from sqlalchemy import Column, Connection, Select, String, select, update

from adapters.store.statements import insert_statement
from adapters.store.tables import forms
from config.clock import utcnow

CATEGORIES = ("connection", "contract", "meter", "billing", "other")  # in the order the page shows them
MAX_SIZE = 10 * 1024 * 1024
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# What a form may be, by the file name's extension: its media type, and how its content starts.
PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {".pdf": ("PDF", PDF), ".odt": ("ODT", ODT), ".docx": ("DOCX", DOCX)}
KIND_OF = {media_type: kind for kind, media_type in KINDS.values()}

LISTED = [c for c in forms.c if c.name != "content"]


class FormRejected(ValueError):
    """A form that cannot be published as given; the message says what to change."""


def _zip_member(content: bytes, name: str) -> bytes | None:
    """The first 64 kB of a member of a ZIP archive (ODT and DOCX are ZIP files); None when there is none."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(name) as member:
            return member.read(64 * 1024)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None


def _is(media_type: str, content: bytes) -> bool:
    """Whether the content is what its name says, by its own bytes, not by its name."""
    if media_type == PDF:
        return content.startswith(b"%PDF-")
    if not content.startswith(b"PK\x03\x04"):
        return False
    if media_type == ODT:  # OpenDocument: a first, uncompressed member "mimetype" naming the type
        return content[30:38] == b"mimetype" and _zip_member(content, "mimetype") == ODT.encode()
    types = _zip_member(content, "[Content_Types].xml") or b""
    # a document's main part; a macro-enabled one (.docm, "macroEnabled.main+xml") is not a .docx
    return b"wordprocessingml.document.main+xml" in types and _zip_member(content, "word/document.xml") is not None


def kind(filename: str, content: bytes) -> tuple[str, str]:
    """(kind, media type) of a form's file, e.g. ("PDF", "application/pdf"); FormRejected when the file
    is not a PDF, ODT or DOCX document, is empty or is too large."""
    name = PurePath(filename).name
    found = KINDS.get(PurePath(name).suffix.lower())
    if found is None:
        raise FormRejected(f"{name}: a form must be a PDF, ODT or DOCX file (a name ending in .pdf, .odt or .docx)")
    if not content:
        raise FormRejected(f"{name} is empty")
    if len(content) > MAX_SIZE:
        raise FormRejected(f"{name} has {len(content):,} bytes; a form may have at most {MAX_SIZE:,} "
                           f"({MAX_SIZE // 1024 // 1024} MB): make it smaller, e.g. with fewer or smaller images")
    if not _is(found[1], content):
        raise FormRejected(f"{name}: its content is not {found[0]}, whatever its name says "
                           f"(save it again as {found[0]})")
    return found


def _length(column: Column[Any]) -> int:
    """The most characters a column of a String type of set length holds."""
    if not isinstance(column.type, String) or column.type.length is None:
        raise TypeError(f"{column.name} is not a String of set length")
    return column.type.length


def _checked(slug: str, title_pl: str, title_en: str, description_pl: str | None, description_en: str | None,
             category: str) -> None:
    slug_length, title_length = _length(forms.c.slug), _length(forms.c.title_pl)
    if not SLUG.fullmatch(slug) or len(slug) > slug_length:
        raise FormRejected(f"slug {slug!r}: lower-case letters, digits and single hyphens, at most "
                           f"{slug_length} characters (e.g. warunki-techniczne)")
    for language, title in (("Polish", title_pl), ("English", title_en)):
        if not title.strip() or len(title) > title_length:
            raise FormRejected(f"the {language} title: 1 to {title_length} characters")
    if bool(description_pl) != bool(description_en):
        raise FormRejected("a description needs both languages, Polish and English, or neither")
    if category not in CATEGORIES:
        raise FormRejected(f"category {category!r}: one of {', '.join(CATEGORIES)}")


def publish(conn: Connection, *, slug: str, title_pl: str, title_en: str, category: str, filename: str,
            content: bytes, description_pl: str | None = None, description_en: str | None = None) -> dict[str, Any]:
    """Offer a form; a form of the same slug gets this file as its new version (offered again if it was
    withdrawn). The form as listed, and ``replaced``: whether the slug was in use."""
    _checked(slug, title_pl, title_en, description_pl, description_en, category)
    _kind, media_type = kind(filename, content)
    row = {"title_pl": title_pl.strip(), "title_en": title_en.strip(), "description_pl": description_pl or None,
           "description_en": description_en or None, "category": category, "filename": PurePath(filename).name,
           "media_type": media_type, "content": content, "size": len(content),
           "sha256": hashlib.sha256(content).hexdigest(), "published_at": utcnow(), "withdrawn_at": None}
    replaced = conn.execute(select(forms.c.id).where(forms.c.slug == slug)).first() is not None
    stmt = insert_statement(conn, forms).values(slug=slug, **row)
    conn.execute(stmt.on_conflict_do_update(index_elements=["slug"], set_=row))
    return {**_listed(conn, slug), "replaced": replaced}


def withdraw(conn: Connection, slug: str) -> bool:
    """Stop offering a form (its row stays: who published what, and when); False when none was offered."""
    done = conn.execute(update(forms).where(forms.c.slug == slug, forms.c.withdrawn_at.is_(None))
                        .values(withdrawn_at=utcnow()))
    return done.rowcount == 1


def _listed(conn: Connection, slug: str) -> dict[str, Any]:
    return dict(conn.execute(select(*LISTED).where(forms.c.slug == slug)).mappings().one())


# Polish letters after their base letter ("ł" after "l", "ż" after "ź" after "z"), not after "z" as in Unicode.
_POLISH_ORDER = str.maketrans({"ą": "a\x7f", "ć": "c\x7f", "ę": "e\x7f", "ł": "l\x7f", "ń": "n\x7f", "ó": "o\x7f",
                               "ś": "s\x7f", "ź": "z\x7f", "ż": "z\x80"})


def title_order(title: str) -> str:
    return title.casefold().translate(_POLISH_ORDER)


def _in_order(conn: Connection, query: Select[*tuple[Any, ...]], language: str) -> list[dict[str, Any]]:
    """By category (in CATEGORIES' order), then by title in ``language`` ("pl" or "en")."""
    title = "title_en" if language == "en" else "title_pl"
    return sorted((dict(r) for r in conn.execute(query).mappings()),
                  key=lambda r: (CATEGORIES.index(r["category"]), title_order(r[title])))


def offered(conn: Connection, language: str = "pl") -> list[dict[str, Any]]:
    """The forms offered, without their files, by category and title in ``language``."""
    return _in_order(conn, select(*LISTED).where(forms.c.withdrawn_at.is_(None)), language)


def published(conn: Connection) -> list[dict[str, Any]]:
    """Every form ever published, withdrawn ones too, without their files (for the utility's staff)."""
    return _in_order(conn, select(*LISTED), "pl")


def one(conn: Connection, slug: str) -> dict[str, Any] | None:
    """An offered form with its file; None when there is none of that slug, or it was withdrawn."""
    row = conn.execute(select(forms).where(forms.c.slug == slug, forms.c.withdrawn_at.is_(None))).mappings().first()
    return dict(row) if row else None
