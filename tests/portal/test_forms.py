"""Forms to download: publishing, replacing and withdrawing them (store and `ibok portal form`), the
page anyone may read in Polish and English, the downloads, and the page in a browser with axe-core."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.support import Translations
from click.testing import CliRunner, Result
from playwright.sync_api import expect
from sqlalchemy import Engine, func, select

from adapters.store import migrate
from adapters.store.content import downloads as forms
from adapters.store.db import create_store_engine, writer
from adapters.store.tables import forms as forms_table
from config.cli import ibok
from config.logs import reset_logging
from config.settings import SETTINGS
from portal.app import TRANSLATIONS
from portal.info import downloads as forms_page
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import Site, log_in

PDF = b"%PDF-1.4\n% a form to fill in\n%%EOF\n"


def polish(message: str) -> str:
    """A text of the portal in Polish, as the compiled catalogue has it (the English text until the
    catalogue has it: the page shows the same then)."""
    return Translations.load(str(TRANSLATIONS), ["pl"]).gettext(message)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():  # OpenDocument's "mimetype" first and uncompressed, as its rules say
            stored = name == "mimetype" or name.startswith("Pictures/")  # pictures are compressed already
            member = zipfile.ZipInfo(name, date_time=(2026, 11, 21, 10, 0, 0))  # the same bytes at any time
            archive.writestr(member, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def odt(padding: int = 0) -> bytes:
    return _zip({"mimetype": forms.ODT.encode(), "content.xml": b"<office:document-content/>",
                 "Pictures/scan.bin": bytes(padding)})


def docx(main: str = "wordprocessingml.document.main+xml") -> bytes:
    types = ('<Types><Override PartName="/word/document.xml"'
             f' ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>')
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w:document/>"})


def pdf(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes."""
    return PDF + b"%" * (size - len(PDF))


def _publish(engine: Engine, slug: str, content: bytes = PDF, filename: str = "form.pdf", category: str = "other",
             title_pl: str = "Formularz", title_en: str = "Form", **extra: str | None) -> dict:
    with writer(engine).begin() as conn:
        return forms.publish(conn, slug=slug, title_pl=title_pl, title_en=title_en, category=category,
                             filename=filename, content=content, **extra)


# ----- the store ------------------------------------------------------------------------------------
@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated store on SQLite and on PostgreSQL in turn."""
    migrate.upgrade(store_url)
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def test_publishing_offers_a_form_and_publishing_its_slug_again_replaces_the_file(engine: Engine) -> None:
    first = _publish(engine, "reklamacja", PDF, "reklamacja.pdf", "billing", "Reklamacja", "Complaint")
    assert first["replaced"] is False and first["size"] == len(PDF) and first["media_type"] == "application/pdf"
    assert "content" not in first
    again = _publish(engine, "reklamacja", docx(), "reklamacja-2026.docx", "billing", "Reklamacja", "Complaint")
    assert again["replaced"] is True and again["id"] == first["id"]
    assert again["published_at"] >= first["published_at"] and again["sha256"] != first["sha256"]
    with engine.connect() as conn:
        found = forms.one(conn, "reklamacja")
        assert conn.execute(select(func.count()).select_from(forms_table)).scalar_one() == 1
    assert found["content"] == docx() and found["filename"] == "reklamacja-2026.docx"
    assert found["media_type"] == forms.DOCX and found["size"] == len(docx())


def test_a_withdrawn_form_is_not_offered_until_it_is_published_again(engine: Engine) -> None:
    _publish(engine, "wodomierz", category="meter")
    with writer(engine).begin() as conn:
        assert forms.withdraw(conn, "wodomierz") is True
        assert forms.withdraw(conn, "wodomierz") is False  # once
        assert forms.withdraw(conn, "no-such-form") is False
    with engine.connect() as conn:
        assert forms.one(conn, "wodomierz") is None and forms.offered(conn) == []
        [kept] = forms.published(conn)
    assert kept["withdrawn_at"] is not None, "a withdrawn form's row stays: who published what, and when"
    assert _publish(engine, "wodomierz", category="meter")["withdrawn_at"] is None
    with engine.connect() as conn:
        assert [f["slug"] for f in forms.offered(conn)] == ["wodomierz"]


def test_forms_are_offered_by_category_then_by_title_in_the_language_of_the_page(engine: Engine) -> None:
    for slug, category, title_pl, title_en in [
        ("inne", "other", "Pełnomocnictwo", "Power of attorney"),
        ("lokal", "contract", "Zgłoszenie lokalu", "Notice of a flat"),
        ("umowa", "contract", "Wniosek o zawarcie umowy", "Application for a contract"),
        ("legalizacja", "meter", "Łatwy odczyt", "Meter reading"),
        ("licznik", "meter", "Lokalizacja wodomierza", "Where the meter is"),
        ("przylacze", "connection", "Wniosek o warunki techniczne", "Technical conditions"),
    ]:
        _publish(engine, slug, category=category, title_pl=title_pl, title_en=title_en)
    with engine.connect() as conn:
        in_polish = [f["slug"] for f in forms.offered(conn)]
        in_english = [f["slug"] for f in forms.offered(conn, "en")]
        assert all("content" not in f for f in forms.offered(conn))
    # "Ł" after "L" (not after "Z", as in Unicode): Lokalizacja, Łatwy; Wniosek before Zgłoszenie.
    assert in_polish == ["przylacze", "umowa", "lokal", "licznik", "legalizacja", "inne"]
    assert in_english == ["przylacze", "umowa", "lokal", "legalizacja", "licznik", "inne"]


def test_odt_and_docx_documents_are_recognised_by_their_content() -> None:
    assert forms.kind("Wniosek.ODT", odt()) == ("ODT", forms.ODT)
    assert forms.kind("wniosek.docx", docx()) == ("DOCX", forms.DOCX)
    assert forms.kind("/home/kasia/wniosek.pdf", PDF) == ("PDF", forms.PDF)
    assert forms.kind("wniosek.pdf", pdf(forms.MAX_SIZE)) == ("PDF", forms.PDF)


@pytest.mark.parametrize(("filename", "content", "problem"), [
    ("wniosek.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "wniosek.pdf: its content is not PDF"),  # a program
    ("wniosek.exe", b"MZ\x90\x00\x03\x00\x00\x00", "must be a PDF, ODT or DOCX file"),
    ("wniosek.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "must be a PDF, ODT or DOCX file"),  # old Word
    ("wniosek", PDF, "must be a PDF, ODT or DOCX file"),
    ("wniosek.docx", PDF, "its content is not DOCX"),
    ("wniosek.docx", docx("wordprocessingml.document.macroEnabled.main+xml"), "its content is not DOCX"),  # .docm
    ("wniosek.docx", odt(), "its content is not DOCX"),
    ("wniosek.odt", _zip({"content.xml": b"<x/>"}), "its content is not ODT"),
    ("wniosek.odt", b"PK\x03\x04 broken", "its content is not ODT"),
    ("wniosek.pdf", b"", "is empty"),
    ("wniosek.pdf", pdf(forms.MAX_SIZE + 1), "at most 10,485,760 (10 MB)"),
], ids=["exe-named-pdf", "exe", "doc", "no-extension", "pdf-named-docx", "docm", "odt-named-docx", "not-odt",
        "broken-zip", "empty", "oversize"])
def test_only_pdf_odt_and_docx_files_up_to_10_mb_are_accepted(engine: Engine, filename: str, content: bytes,
                                                              problem: str) -> None:
    with pytest.raises(forms.FormRejected, match=re.escape(problem)):
        _publish(engine, "wniosek", content, filename)
    with engine.connect() as conn:
        assert forms.published(conn) == []


@pytest.mark.parametrize(("extra", "problem"), [
    ({"slug": "Wniosek o umowę"}, "lower-case letters, digits and single hyphens"),
    ({"slug": "a" * 61}, "at most 60 characters"),
    ({"category": "sewage"}, "one of connection, contract, meter, billing, other"),
    ({"title_en": " "}, "the English title: 1 to 200 characters"),
    ({"description_pl": "Tylko po polsku."}, "both languages"),
])
def test_a_form_needs_a_good_slug_a_known_category_titles_and_descriptions_in_both_languages(
        engine: Engine, extra: dict[str, str], problem: str) -> None:
    with pytest.raises(forms.FormRejected, match=re.escape(problem)):
        _publish(engine, **{"slug": "wniosek", **extra})


# ----- the page and the downloads ---------------------------------------------------------------------
def test_every_category_has_a_heading_in_the_stores_order() -> None:
    assert tuple(forms_page.CATEGORIES) == forms.CATEGORIES


@pytest.mark.parametrize(("size", "pl", "en"), [
    (850, "850\xa0B", "850\xa0B"), (1000, "1\xa0kB", "1\xa0kB"), (1499, "1\xa0kB", "1\xa0kB"),
    (120_400, "120\xa0kB", "120\xa0kB"), (1_500_000, "1,5\xa0MB", "1.5\xa0MB"),
    (forms.MAX_SIZE, "10,5\xa0MB", "10.5\xa0MB"),
])
def test_sizes_are_written_as_people_read_them(size: int, pl: str, en: str) -> None:
    assert forms_page.size_text(size, "pl") == pl and forms_page.size_text(size, "en") == en


@pytest.fixture
def offering(site: Site) -> Site:
    """The portal offering three forms in three categories, and one withdrawn."""
    engine = site.mirror.store.engine
    _publish(engine, "warunki-techniczne", pdf(120_400), "warunki-techniczne.pdf", "connection",
             "Wniosek o wydanie warunków technicznych", "Application for technical conditions",
             description_pl="Przed budową przyłącza.", description_en="Before a connection is built.")
    _publish(engine, "zmiana-wlasciciela", odt(1_500_000), "zmiana właściciela.odt", "contract",
             "Zgłoszenie zmiany właściciela", "Notice of a change of owner")
    _publish(engine, "reklamacja", docx(), "reklamacja.docx", "billing", "Reklamacja", "Complaint")
    _publish(engine, "stary-wniosek", PDF, "stary.pdf", "billing", "Stary wniosek", "Old application")
    with writer(engine).begin() as conn:
        forms.withdraw(conn, "stary-wniosek")
    return site


def _main(html: str) -> str:
    return re.search(r"<main.*</main>", html, re.S)[0]


def _outline(html: str) -> list[str]:
    """The headings of the page's main part, "h2 Contracts", in order, tags and spaces removed."""
    return [f"{level} {' '.join(re.sub(r'<[^>]+>', '', text).split())}"
            for level, text in re.findall(r"<(h[1-6])[^>]*>(.*?)</h[1-6]>", _main(html), re.S)]


def test_the_page_lists_the_forms_by_category_with_their_type_and_size_in_polish(offering: Site) -> None:
    client = offering.client()
    client.set_cookie("ibok_lang", "pl")
    page = client.get("/forms")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="pl">' in html
    assert _outline(html) == [
        f"h1 {polish('Forms to download')}",
        f"h2 {polish('Connection to the network')}", "h3 Wniosek o wydanie warunków technicznych",
        "h2 Umowy", "h3 Zgłoszenie zmiany właściciela",
        f"h2 {polish('Billing and complaints')}", "h3 Reklamacja",
    ]
    main = _main(html)
    assert "Przed budową przyłącza." in main and "Before a connection" not in main
    assert "PDF, 120\xa0kB" in main and "ODT, 1,5\xa0MB" in main
    assert f"DOCX, {len(docx())}\xa0B" in main
    assert 'href="/forms/warunki-techniczne"' in main and "stary-wniosek" not in main and "Stary" not in main


def test_the_page_in_english_has_the_english_titles_and_sizes(offering: Site) -> None:
    client = offering.client()
    client.set_cookie("ibok_lang", "en")
    html = client.get("/forms").get_data(as_text=True)
    assert _outline(html) == [
        "h1 Forms to download",
        "h2 Connection to the network", "h3 Application for technical conditions",
        "h2 Contracts", "h3 Notice of a change of owner",
        "h2 Billing and complaints", "h3 Complaint",
    ]
    main = _main(html)
    assert "Before a connection is built." in main and "PDF, 120\xa0kB" in main and "ODT, 1.5\xa0MB" in main
    assert "Download<span class=\"visually-hidden\"> Complaint</span>" in main


def test_a_download_is_the_file_itself_as_an_attachment_of_its_type(offering: Site) -> None:
    client = offering.client()
    served = client.get("/forms/warunki-techniczne")
    assert served.status_code == 200 and served.data == pdf(120_400)
    assert served.mimetype == "application/pdf" and served.content_length == 120_400
    assert served.headers["Content-Disposition"] == "attachment; filename=warunki-techniczne.pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "no-store"
    with offering.mirror.store.engine.connect() as conn:
        etag = forms.one(conn, "warunki-techniczne")["sha256"]
    assert served.headers["ETag"] == f'"{etag}"'
    assert client.get("/forms/warunki-techniczne", headers={"If-None-Match": f'"{etag}"'}).status_code == 304

    odt_served = client.get("/forms/zmiana-wlasciciela")
    assert odt_served.data == odt(1_500_000) and odt_served.mimetype == forms.ODT
    # a name beyond ASCII: the real name in RFC 6266's form, and an ASCII approximation for old browsers
    assert odt_served.headers["Content-Disposition"] == (
        "attachment; filename=\"zmiana wasciciela.odt\"; filename*=UTF-8''zmiana%20w%C5%82a%C5%9Bciciela.odt")
    assert client.get("/forms/reklamacja").mimetype == forms.DOCX


@pytest.mark.parametrize("slug", ["stary-wniosek", "no-such-form", "..%2F..%2Fetc%2Fpasswd"])
def test_a_withdrawn_or_unknown_form_is_not_found(offering: Site, slug: str) -> None:
    client = offering.client()
    client.set_cookie("ibok_lang", "en")
    missing = client.get(f"/forms/{slug}")
    assert missing.status_code == 404 and "Content-Disposition" not in missing.headers
    assert "<h1>" in missing.get_data(as_text=True)


def test_no_login_is_needed_and_the_footer_leads_there(offering: Site) -> None:
    client = offering.client()
    client.set_cookie("ibok_lang", "en")
    assert client.get("/forms").status_code == 200 and client.get("/forms/reklamacja").status_code == 200
    footer = re.search(r"<footer.*</footer>", client.get("/login").get_data(as_text=True), re.S)[0]
    assert '<a href="/forms">Forms to download</a>' in footer


def test_a_logged_in_customer_finds_the_page_in_the_menu(offering: Site) -> None:
    offering.login_for("anna@example.pl", *offering.customer_ids(1))
    client = offering.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, "anna@example.pl").status_code == 302
    nav = re.search(r"<nav.*</nav>", client.get("/forms").get_data(as_text=True), re.S)[0]
    assert '<a href="/forms" aria-current="page">Forms to download</a>' in nav


def test_with_no_forms_the_page_says_where_to_get_one(site: Site) -> None:
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    page = client.get("/forms")
    main = _main(page.get_data(as_text=True))
    assert page.status_code == 200 and "There are no forms to download at the moment." in main
    assert "<h2" not in main


# ----- ibok portal form ----------------------------------------------------------------------------
def _ibok(store_url: str, *args: str) -> Result:
    """`ibok ...` with only IBOK_STORE_URL set, whatever the developer's shell has."""
    env: dict[str, str | None] = {s.env: None for s in SETTINGS}
    env.update(IBOK_CONFIG=None, IBOK_STORE_URL=store_url)
    try:
        return CliRunner().invoke(ibok, ["--log-level", "WARNING", *args], env=env)
    finally:
        reset_logging()


def _add(store_url: str, file: Path, slug: str = "reklamacja", *more: str) -> Result:
    return _ibok(store_url, "portal", "form", "add", str(file), "--slug", slug, "--title-pl", "Reklamacja",
                 "--title-en", "Complaint", "--category", "billing", *more)


def test_staff_add_replace_list_and_withdraw_forms_from_the_command_line(store_url: str, tmp_path: Path) -> None:
    migrate.upgrade(store_url)
    (tmp_path / "reklamacja.pdf").write_bytes(PDF)
    (tmp_path / "reklamacja.docx").write_bytes(docx())

    added = _add(store_url, tmp_path / "reklamacja.pdf", "reklamacja", "--description-pl", "Gdy faktura jest błędna.",
                 "--description-en", "When an invoice is wrong.")
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith(f"form reklamacja published: reklamacja.pdf (PDF, {len(PDF)} bytes, sha256 ")
    replaced = _add(store_url, tmp_path / "reklamacja.docx")
    assert replaced.exit_code == 0, replaced.output
    assert replaced.stdout.startswith("form reklamacja new version: reklamacja.docx (DOCX, ")

    listed = _ibok(store_url, "portal", "form", "list")
    assert listed.exit_code == 0, listed.output
    [line] = listed.stdout.splitlines()
    assert line.split()[:4] == ["reklamacja", "billing", "offered", "DOCX"] and line.endswith("Reklamacja")

    assert _ibok(store_url, "portal", "form", "withdraw", "reklamacja").stdout == "form reklamacja withdrawn\n"
    again = _ibok(store_url, "portal", "form", "withdraw", "reklamacja")
    assert again.exit_code == 1 and "no form reklamacja is offered" in again.stderr
    assert _ibok(store_url, "portal", "form", "list").stdout.split()[2] == "withdrawn"


def test_the_command_line_refuses_bad_forms_with_a_reason_and_a_non_zero_exit(store_url: str,
                                                                             tmp_path: Path) -> None:
    migrate.upgrade(store_url)
    program = tmp_path / "reklamacja.pdf"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00")
    refused = _add(store_url, program)
    assert refused.exit_code == 1
    assert refused.stderr == ("Error: reklamacja.pdf: its content is not PDF, whatever its name says"
                              " (save it again as PDF)\n")

    (tmp_path / "big.pdf").write_bytes(pdf(forms.MAX_SIZE + 1))
    assert "larger than 10 MB" in _add(store_url, tmp_path / "big.pdf").stderr
    (tmp_path / "ok.pdf").write_bytes(PDF)
    assert "both languages" in _add(store_url, tmp_path / "ok.pdf", "reklamacja", "--description-pl", "Tylko.").stderr
    assert "lower-case letters" in _add(store_url, tmp_path / "ok.pdf", "Reklamacja!").stderr
    unknown = _add(store_url, tmp_path / "ok.pdf", "reklamacja", "--category", "sewage")
    assert unknown.exit_code == 2 and "'sewage' is not one of" in unknown.stderr
    assert _add(store_url, tmp_path / "missing.pdf").exit_code == 2
    assert _ibok(store_url, "portal", "form", "list").stdout.startswith("no forms")


def test_the_command_line_says_to_upgrade_a_store_without_the_forms_table(store_url: str, tmp_path: Path) -> None:
    (tmp_path / "ok.pdf").write_bytes(PDF)
    result = _add(store_url, tmp_path / "ok.pdf")
    assert result.exit_code == 1 and "ibok db upgrade" in result.stderr


# ----- in a browser ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_forms_page_works_and_is_accessible_on_a_phone_and_a_desktop(offering: Site, live: Callable[[str], str],
                                                                          viewport: str, tmp_path: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL")
        page.goto(live("/login"))
        page.get_by_role("contentinfo").get_by_role("link", name=polish("Forms to download")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(polish("Forms to download"))
        expect(page.get_by_role("heading", level=3, name="Reklamacja")).to_be_visible()
        expect(page.get_by_text("ODT, 1,5\xa0MB")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
        found = violations(page)
        assert not found, f"forms: {found}"

        with page.expect_download() as started:
            page.get_by_role("link", name=f"{polish('Download')} Wniosek o wydanie warunków technicznych").click()
        download = started.value
        assert download.suggested_filename == "warunki-techniczne.pdf"
        download.save_as(tmp_path / "saved.pdf")
        assert (tmp_path / "saved.pdf").read_bytes() == pdf(120_400)

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Forms to download")
        expect(page.get_by_role("link", name="Download Complaint")).to_be_visible()
        found = violations(page)
        assert not found, f"forms in English: {found}"
