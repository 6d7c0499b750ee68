"""Paying an invoice: the transfer block, its 2D code, the invoice's PDF from billing's archive.

The stand-in writes its invoice archive (adapters/standin/archive.py) into the folder the portal is
pointed at, as the demo does. The browser test reads the 2D code off the screen with a QR reader
(zxing-cpp) and the downloaded PDF with pypdf.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import and_, func, select, update

from adapters.billing import payment
from adapters.billing.odbc import connect
from adapters.standin.archive import write_archive
from adapters.standin.invoice_pdf import money as billing_money
from adapters.store.db import writer
from adapters.store.tables import contracts, customers, invoices, sellers, settlements
from tests.conftest import log_lines
from tests.portal.browser import LANGUAGES, WIDTHS, chromium, sticking_out, violations
from tests.portal.conftest import PASSWORD, Site
from tests.portal.live import serving
from tests.portal.test_billing_pages import customer_client, page, query, synced_site

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A synced site whose PDF archive the stand-in has written (the demo's set-up)."""
    tmp = tmp_path_factory.mktemp("paying")
    site = synced_site(tmp, IBOK_BILLING_PDF_ARCHIVE_DIR=str(tmp / "faktury"))
    report = write_archive(connect(site.mirror.billing.dsn), tmp / "faktury")
    assert report.written > 0 and not report.refused
    yield site
    site.mirror.source.close()
    site.mirror.store.dispose()


def archive(site: Site) -> Path:
    return Path(site.settings.billing.pdf_archive_dir)


def open_invoices(site: Site, limit: Decimal = Decimal("9999.99")) -> list[tuple[int, int, str, Decimal, str]]:
    """(invoice, customer, number, left to pay, archive path) of open invoices with a PDF, the smallest
    customer id first."""
    i, s = invoices.c, settlements.c
    return query(site, select(i.id, i.customer_id, i.number, s.remaining, i.pdf_path)
                 .join_from(invoices, settlements, s.invoice_id == i.id)
                 .where(and_(i.cancelled.is_(False), i.gross > 0, s.remaining > 0, s.remaining <= limit,
                             i.pdf_path.is_not(None))).order_by(i.customer_id, i.id))


def seller_iban(site: Site, invoice_id: int) -> str:
    raw = query(site, select(sellers.c.bank_account)
                .join_from(invoices, contracts, contracts.c.id == invoices.c.contract_id)
                .join(sellers, sellers.c.id == contracts.c.seller_id).where(invoices.c.id == invoice_id))[0][0]
    return payment.account_iban(raw)


def number_of(site: Site, customer_id: int) -> str:
    return query(site, select(customers.c.number).where(customers.c.id == customer_id))[0][0]


def shown(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# ----- the pages, through HTTP ------------------------------------------------------------------------
def test_an_open_invoice_shows_the_transfer_and_its_code(shop: Site) -> None:
    invoice_id, customer, number, left, _path = open_invoices(shop)[0]
    client = customer_client(shop, "przelew@example.pl", customer)
    body = page(client, f"/invoices/{invoice_id}")
    iban = seller_iban(shop, invoice_id)
    title = payment.invoice_title(number, number_of(shop, customer))
    text = shown(body)
    assert "Pay by bank transfer" in text and payment.grouped(iban) in text and title in text
    assert f'data-copy="{payment.nrb(iban)}"' in body and f'data-copy="{title}"' in body
    assert f'data-copy="{f"{left:.2f}".replace(".", ",")}"' in body
    svg = re.search(r'<svg role="img" aria-label="[^"]+"[^>]*class="qr"[^>]*>.*?</svg>', body, re.S)
    assert svg is not None and "<script" not in svg[0]
    assert "style=" not in svg[0]  # the page's CSP allows no inline style
    assert body.count('src="/static/js/copy.js"') == 1


def test_a_paid_or_cancelled_invoice_has_no_transfer_block(shop: Site) -> None:
    i, s = invoices.c, settlements.c
    paid = query(shop, select(i.id, i.customer_id).join_from(invoices, settlements, s.invoice_id == i.id)
                 .where(and_(s.remaining == 0, i.gross > 0, i.cancelled.is_(False))).limit(1))[0]
    cancelled = query(shop, select(i.id, i.customer_id).where(i.cancelled.is_(True)).limit(1))[0]
    for invoice_id, customer in (paid, cancelled):
        client = customer_client(shop, f"nic-{invoice_id}@example.pl", customer)
        assert "Pay by bank transfer" not in page(client, f"/invoices/{invoice_id}")


def test_an_amount_the_code_cannot_hold_is_still_shown_to_type_in(shop: Site) -> None:
    invoice_id, customer, _number, left, _path = open_invoices(shop)[0]
    with writer(shop.mirror.store.engine).begin() as conn:
        conn.execute(update(settlements).where(settlements.c.invoice_id == invoice_id)
                     .values(remaining=Decimal("12345.67")))
    try:
        client = customer_client(shop, "duzo@example.pl", customer)
        text = shown(page(client, f"/invoices/{invoice_id}"))
        assert "12,345.67 zł" in text and 'class="qr"' not in page(client, f"/invoices/{invoice_id}")
        assert "No transfer code for this amount: the code banks read holds at most 9,999.99 zł." in text
    finally:
        with writer(shop.mirror.store.engine).begin() as conn:
            conn.execute(update(settlements).where(settlements.c.invoice_id == invoice_id).values(remaining=left))


def test_an_account_number_failing_its_check_is_never_shown_and_is_logged(shop: Site, json_log: io.StringIO) -> None:
    invoice_id, customer, _number, _left, _path = open_invoices(shop)[0]
    seller_id = query(shop, select(contracts.c.seller_id).join_from(invoices, contracts,
                                                                   contracts.c.id == invoices.c.contract_id)
                      .where(invoices.c.id == invoice_id))[0][0]
    good = query(shop, select(sellers.c.bank_account).where(sellers.c.id == seller_id))[0][0]
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    with writer(shop.mirror.store.engine).begin() as conn:
        conn.execute(update(sellers).where(sellers.c.id == seller_id).values(bank_account=wrong))
    try:
        client = customer_client(shop, "zly-numer@example.pl", customer)
        for path in (f"/invoices/{invoice_id}", "/", "/contracts"):
            body = page(client, path)
            digits = re.sub(r"\D", "", shown(body))
            assert payment.nrb(payment.account_iban(good))[:20] not in digits, path  # neither number, in any form
            assert re.sub(r"\D", "", wrong)[2:22] not in digits, path
            assert 'class="qr"' not in body and 'data-copy=' not in body, path
        text = shown(page(client, f"/invoices/{invoice_id}"))
        assert "Please ask the customer service office for the account number" in text
        assert any(line["event"] == "seller_account_invalid" and line["level"] == "warning"
                   for line in log_lines(json_log))
    finally:
        with writer(shop.mirror.store.engine).begin() as conn:
            conn.execute(update(sellers).where(sellers.c.id == seller_id).values(bank_account=good))


def test_the_pdf_button_shows_only_for_a_file_in_the_archive_else_where_to_get_a_copy(shop: Site) -> None:
    (invoice_id, customer, number, _left, path), *_ = open_invoices(shop)
    client = customer_client(shop, "pdf-przycisk@example.pl", customer)
    link = f'href="/invoices/{invoice_id}/pdf"'
    assert link in page(client, f"/invoices/{invoice_id}")
    with client.get(f"/invoices/{invoice_id}/pdf") as served:
        assert served.status_code == 200 and served.mimetype == "application/pdf"
        assert served.headers["Content-Disposition"] == f"attachment; filename={number.replace('/', '_')}.pdf"
        assert number in pypdf.PdfReader(io.BytesIO(served.data)).pages[0].extract_text()

    stored = archive(shop) / path
    kept = stored.read_bytes()
    stored.unlink()  # billing's share lost the file
    try:
        body = page(client, f"/invoices/{invoice_id}")
        assert link not in body and "Download the PDF" not in body
        assert "The PDF of this invoice is not available here. To get a copy:" in shown(body)
        assert 'href="/messages/new"' in body and "or ask at the customer service office:" in shown(body)
        assert client.get(f"/invoices/{invoice_id}/pdf").status_code == 404
    finally:
        stored.write_bytes(kept)


@pytest.mark.parametrize("escape", ["../../etc/passwd", "/etc/passwd", "../outside.pdf", "2026/../../outside.pdf",
                                    "%2e%2e/outside.pdf", "..\\..\\outside.pdf", "2026/11/\x00.pdf"])
def test_a_path_leading_out_of_the_archive_shows_no_button_and_serves_nothing(shop: Site, escape: str) -> None:
    (invoice_id, customer, _number, _left, path), *_ = open_invoices(shop)
    (archive(shop).parent / "outside.pdf").write_bytes(b"%PDF-1.4 not an invoice of this archive")
    with writer(shop.mirror.store.engine).begin() as conn:
        conn.execute(update(invoices).where(invoices.c.id == invoice_id).values(pdf_path=escape))
    try:
        client = customer_client(shop, f"sciezka-{abs(hash(escape))}@example.pl", customer)
        body = page(client, f"/invoices/{invoice_id}")
        assert "/pdf" not in body and "The PDF of this invoice is not available here." in shown(body)
        answer = client.get(f"/invoices/{invoice_id}/pdf")
        assert answer.status_code == 404 and b"root:" not in answer.data and b"%PDF" not in answer.data
    finally:
        with writer(shop.mirror.store.engine).begin() as conn:
            conn.execute(update(invoices).where(invoices.c.id == invoice_id).values(pdf_path=path))


# ----- in a browser: three widths, two languages ------------------------------------------------------
@pytest.fixture(scope="module")
def served(shop: Site) -> Iterator[Callable[[str], str]]:
    """The module's site on a free loopback port."""
    with serving(shop.app) as url:
        yield url


TEXTS = {
    "pl": {"pay": "Zapłać przelewem", "copy_account": "Kopiuj numer rachunku", "copy_title": "Kopiuj tytuł przelewu",
           "account_copied": "Skopiowano numer rachunku.", "title_copied": "Skopiowano tytuł przelewu.",
           "download": "Pobierz fakturę w PDF", "no_pdf": "Plik PDF tej faktury nie jest tu dostępny.",
           "log_in": "Zaloguj się", "email": "Adres e-mail", "password": "Hasło"},
    "en": {"pay": "Pay by bank transfer", "copy_account": "Copy the account number", "copy_title": "Copy the title",
           "account_copied": "Account number copied.", "title_copied": "Title copied.",
           "download": "Download the PDF", "no_pdf": "The PDF of this invoice is not available here.",
           "log_in": "Log in", "email": "E-mail address", "password": "Password"},
}


def _clean(page_: Page, where: str) -> None:
    found = violations(page_)
    assert not found, f"{where}: {found}"
    assert not sticking_out(page_), f"{where}: sideways scroll"


def _decoded(page_: Page, block: str = "") -> list[str]:
    """The 2D code on the screen, read by a QR reader: its nine fields."""
    png = page_.locator(f"{block} svg.qr").first.screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, "no code read off the screen"
    return found[0].text.split("|")


def _groups_whole(page_: Page) -> None:
    """Every group of four of the account number sits on one line (a break falls between groups only)."""
    lines = page_.evaluate("""Array.from(document.querySelectorAll('.transfer .iban .group'))
        .map(g => g.getClientRects().length)""")
    assert lines and set(lines) == {1}, lines


@pytest.mark.browser
def test_paying_in_the_browser_at_every_width_and_language(shop: Site, served: Callable[[str], str]) -> None:
    rows = open_invoices(shop)
    invoice_id, customer, number, left, path = rows[0]
    other = next(r for r in query(shop, select(invoices.c.id).where(and_(
        invoices.c.customer_id == customer, invoices.c.id != invoice_id, invoices.c.pdf_path.is_not(None)))))[0]
    other_path = query(shop, select(invoices.c.pdf_path).where(invoices.c.id == other))[0][0]
    missing = archive(shop) / other_path
    kept = missing.read_bytes()
    missing.unlink()  # this one is not in the archive
    iban = seller_iban(shop, invoice_id)
    title = payment.invoice_title(number, number_of(shop, customer))
    owed = query(shop, select(func.sum(settlements.c.remaining)).join_from(
        settlements, invoices, invoices.c.id == settlements.c.invoice_id).where(and_(
            invoices.c.customer_id == customer, invoices.c.cancelled.is_(False), invoices.c.gross > 0,
            settlements.c.remaining > 0)))[0][0]
    email = "platnik@example.pl"
    shop.login_for(email, customer)
    try:
        with chromium() as browser:
            for lang in LANGUAGES:
                said = TEXTS[lang]
                context = browser.new_context(viewport=WIDTHS["narrow"], locale=f"{lang}-PL", accept_downloads=True)
                context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served("/")[:-1])
                context.add_cookies([{"name": "ibok_lang", "value": lang, "url": served("/")}])
                page_ = context.new_page()
                page_.goto(served("/login"))
                page_.get_by_label(said["email"]).fill(email)
                page_.get_by_label(said["password"]).fill(PASSWORD)
                page_.get_by_role("button", name=said["log_in"]).click()
                page_.wait_for_url(served("/"))
                for width, size in WIDTHS.items():
                    page_.set_viewport_size(size)
                    where = f"{lang} {width}"

                    # The invoice: the transfer block, its code read off the screen, the copy buttons.
                    page_.goto(served(f"/invoices/{invoice_id}"))
                    block = page_.locator("section.transfer")
                    expect(block.get_by_role("heading", name=said["pay"])).to_be_visible()
                    expect(block.locator(".account")).to_have_text(payment.grouped(iban))
                    _groups_whole(page_)
                    _clean(page_, f"{where} invoice")
                    fields = _decoded(page_)
                    assert fields[2] == payment.nrb(iban), where  # exactly the invoice's account,
                    assert fields[3] == f"{int(left * 100):06d}", where  # amount
                    assert fields[5] == title == block.locator(".value").nth(2).inner_text(), where  # and title
                    block.get_by_role("button", name=said["copy_account"]).click()
                    expect(block.get_by_role("status")).to_have_text(said["account_copied"])
                    assert page_.evaluate("navigator.clipboard.readText()") == payment.nrb(iban)
                    block.get_by_role("button", name=said["copy_title"]).focus()
                    page_.keyboard.press("Enter")  # a keyboard works as well as a mouse
                    expect(block.get_by_role("status")).to_have_text(said["title_copied"])
                    assert page_.evaluate("navigator.clipboard.readText()") == title
                    _clean(page_, f"{where} invoice, copied")

                    # The PDF: downloaded by the browser, its text read here.
                    with page_.expect_download() as download:
                        page_.get_by_role("link", name=said["download"]).click()
                    assert download.value.suggested_filename == f"{number.replace('/', '_')}.pdf"
                    pdf = Path(download.value.path()).read_bytes()
                    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
                    gross = query(shop, select(invoices.c.gross).where(invoices.c.id == invoice_id))[0][0]
                    assert number in text and f"Do zapłaty: {billing_money(gross)} zł" in text, where
                    assert pdf == (archive(shop) / path).read_bytes()

                    # An invoice whose PDF is not in the archive: no button, where to get a copy.
                    page_.goto(served(f"/invoices/{other}"))
                    expect(page_.get_by_text(said["no_pdf"])).to_be_visible()
                    assert page_.get_by_role("link", name=said["download"]).count() == 0
                    _clean(page_, f"{where} invoice without its PDF")

                    # The dashboard: what is owed, in one transfer.
                    page_.goto(served("/"))
                    dash = page_.locator("section.transfer").first
                    expect(dash).to_be_visible()
                    _groups_whole(page_)
                    _clean(page_, f"{where} dashboard")
                    if owed <= Decimal("9999.99"):
                        fields = _decoded(page_, "section.transfer")
                        assert fields[2] == payment.nrb(iban) and fields[3] == f"{int(owed * 100):06d}", where
                        assert fields[5] == dash.locator(".value").nth(2).inner_text(), where
                context.close()
    finally:
        missing.write_bytes(kept)


def test_the_dashboard_pays_several_open_invoices_in_one_transfer(shop: Site) -> None:
    i, s = invoices.c, settlements.c
    owing = query(shop, select(i.customer_id, func.count(), func.sum(s.remaining))
                  .join_from(invoices, settlements, s.invoice_id == i.id)
                  .where(and_(i.cancelled.is_(False), i.gross > 0, s.remaining > 0))
                  .group_by(i.customer_id).having(func.count() > 1).order_by(i.customer_id))
    customer, count, owed = owing[0]
    numbers = [r[0] for r in query(shop, select(i.number).join_from(invoices, settlements, s.invoice_id == i.id)
                                   .where(and_(i.customer_id == customer, i.cancelled.is_(False), i.gross > 0,
                                               s.remaining > 0)))]
    client = customer_client(shop, "kilka@example.pl", customer)
    body = page(client, "/")
    text = shown(body)
    title = payment.customer_title(number_of(shop, customer))
    assert "Pay what is due by bank transfer" in text and title in text
    assert f'data-copy="{f"{owed:.2f}".replace(".", ",")}"' in body
    assert "This pays invoices:" in text and all(n in text for n in numbers) and len(numbers) == count
    assert ('class="qr"' in body) == (owed <= Decimal("9999.99"))
