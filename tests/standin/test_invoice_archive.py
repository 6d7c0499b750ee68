"""Billing's invoice archive in the stand-in: a PDF per invoice with SCIEZKA_PDF, every Polish letter in it."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pypdf
import pytest

from adapters.billing import quirks
from adapters.billing.odbc import connect
from adapters.standin.archive import target, write_archive
from adapters.standin.build import build_standin
from adapters.standin.invoice_pdf import InvoiceDocument, Line, Party, money, render
from adapters.standin.office import Office
from adapters.standin.simulator import invoicing_run

IBOK = str(Path(sys.executable).parent / "ibok")
POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it, whitespace runs as one space."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(pdf)).pages).split())


def _document(lines: int = 3, **changes: object) -> InvoiceDocument:
    doc = InvoiceDocument(
        number="FV/2026/11/004512", correcting=False, corrects=None, cancelled=False, issued_on=date(2026, 11, 6),
        period_from=date(2026, 9, 1), period_to=date(2026, 10, 31), due_on=date(2026, 11, 20),
        seller=Party("Przedsiębiorstwo Wodociągów i Kanalizacji „Źródło” Sp. z o.o.",
                     ("ul. Łąkowa 11", "95-100 Zgierz"), "7320001122"),
        seller_account="61 1090 1014 0000 0712 1981 2874",
        buyer=Party(f"Grzegorz Brzęczyszczykiewicz {POLISH}", ("Źrebięca 7/3", "99-100 Łęczyca")),
        customer_number="012345", contract_number="WK/2019/00123", service_point="Źrebięca 7/3, 99-100 Łęczyca",
        lines=tuple(Line(n, "Dostawa wody" if n % 2 else "Odprowadzanie ścieków — bardzo długa nazwa pozycji "
                         "faktury, która nie mieści się w jednym wierszu tabeli", Decimal("12.500"), "m3",
                         Decimal("5.9239"), "8", Decimal("74.05"), Decimal("5.92"), Decimal("79.97"))
                    for n in range(1, lines + 1)),
        net=Decimal("3525.77"), vat=Decimal("282.06"), gross=Decimal("3807.83"))
    return InvoiceDocument(**{**doc.__dict__, **changes})


# ----- the document ---------------------------------------------------------------------------------
def test_the_pdf_shows_what_billing_s_invoice_shows_with_every_polish_letter() -> None:
    text = text_of(render(_document()))
    for shown in ("Faktura VAT nr FV/2026/11/004512", "Data wystawienia: 06.11.2026", "01.09.2026 – 31.10.2026",
                  "Termin płatności: 20.11.2026", "Numer klienta: 012345", "WK/2019/00123",
                  "Przedsiębiorstwo Wodociągów i Kanalizacji", "„Źródło” Sp. z o.o.", "NIP: 7320001122",
                  "ul. Łąkowa 11", "Grzegorz Brzęczyszczykiewicz", POLISH, "Źrebięca 7/3, 99-100 Łęczyca",
                  "Dostawa wody", "Odprowadzanie ścieków", "12,5 m³", "5,9239", "8%", "74,05", "5,92", "79,97",
                  "Razem 3 525,77 282,06 3 807,83", "Do zapłaty: 3 807,83 zł",
                  "PL61 1090 1014 0000 0712 1981 2874", "FV/2026/11/004512 nr kl. 012345"):
        assert shown in text, shown


def test_the_same_invoice_gives_the_same_bytes() -> None:
    assert render(_document()) == render(_document())


def test_a_long_invoice_flows_onto_more_pages_and_keeps_every_line() -> None:
    pdf = render(_document(lines=70))
    assert len(pypdf.PdfReader(BytesIO(pdf)).pages) >= 3
    text = text_of(pdf)
    assert text.count("Dostawa wody") == 35 and "strona 3" in text and "Do zapłaty: 3 807,83 zł" in text


def test_a_correcting_a_cancelled_and_a_credit_invoice_say_what_they_are() -> None:
    credit = text_of(render(_document(correcting=True, corrects="FV/2026/09/000001", gross=Decimal("-12.40"))))
    assert "Faktura korygująca nr FV/2026/11/004512" in credit and "do faktury nr FV/2026/09/000001" in credit
    assert "na korzyść klienta: 12,40 zł" in credit and "Do zapłaty" not in credit
    cancelled = text_of(render(_document(cancelled=True)))
    assert "ANULOWANA" in cancelled and "Do zapłaty" not in cancelled


def test_an_account_billing_mistyped_is_printed_as_billing_keeps_it() -> None:
    text = text_of(render(_document(seller_account="PL61 1090 1014 0000 0712 1981 2875")))
    assert "PL61 1090 1014 0000 0712 1981 2875" in text


def test_money_is_printed_the_polish_way() -> None:
    assert money(Decimal("3807.83")) == "3 807,83" and money(Decimal("-0.5")) == "-0,50"


def test_a_path_leading_out_of_the_archive_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert target(root, "2026/11/FV_1.pdf") == (root / "2026/11/FV_1.pdf").resolve()
    for escape in ("../x.pdf", "../../etc/passwd", "/etc/passwd", "2026/../../x.pdf", ".", ""):
        assert target(root, escape) is None, escape


# ----- the archive of a stand-in ------------------------------------------------------------------------
def _tiny(tmp_path: Path) -> str:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'billing.sqlite'};Timeout=10000"
    build_standin(connect(dsn), size="tiny", seed=3, as_of=date(2026, 11, 21))
    return dsn


def _archived(dsn: str) -> dict[str, tuple[str, Decimal]]:
    with Office(dsn) as office:
        rows = office.rows("SELECT SCIEZKA_PDF, NR_FAKTURY, BRUTTO FROM FAKTURY WHERE SCIEZKA_PDF IS NOT NULL")
        office.commit()
    return {quirks.text(r[0]): (quirks.text(r[1]), quirks.decimal(r[2], 2)) for r in rows}


@pytest.mark.integration
def test_every_invoice_with_a_path_gets_its_pdf_and_nothing_lands_outside(tmp_path: Path) -> None:
    dsn = _tiny(tmp_path)
    root = tmp_path / "share" / "faktury"
    with Office(dsn) as office:  # two paths a careless script could leave in billing
        first, second = (r[0] for r in office.rows(
            "SELECT ID_FAKT FROM FAKTURY WHERE SCIEZKA_PDF IS NOT NULL ORDER BY ID_FAKT")[:2])
        office.update("FAKTURY", {"ID_FAKT": first}, {"SCIEZKA_PDF": "../../escaped.pdf"})
        office.update("FAKTURY", {"ID_FAKT": second}, {"SCIEZKA_PDF": str(tmp_path / "absolute.pdf")})
        office.commit()
    expected = _archived(dsn)
    report = write_archive(connect(dsn), root)
    assert sorted(report.refused) == sorted(["../../escaped.pdf", str(tmp_path / "absolute.pdf")])
    assert report.written == len(expected) - 2
    written = {str(p.relative_to(root)) for p in root.rglob("*.pdf")}
    assert written == set(expected) - {"../../escaped.pdf", str(tmp_path / "absolute.pdf")}
    assert not (tmp_path / "absolute.pdf").exists() and not (tmp_path / "escaped.pdf").exists()
    assert not list(root.rglob(".*.part"))  # no half-written file left behind
    for path in sorted(written)[:: max(1, len(written) // 12)]:  # a dozen spread over the archive
        number, gross = expected[path]
        text = text_of((root / path).read_bytes())
        assert number in text and money(gross) in text, path

    again = write_archive(connect(dsn), root, only_missing=True)
    assert again.written == 0 and again.kept == len(written)


@pytest.mark.integration
def test_the_office_s_invoicing_run_adds_its_pdfs(tmp_path: Path) -> None:
    dsn = _tiny(tmp_path)
    root = tmp_path / "faktury"
    first = write_archive(connect(dsn), root)
    with Office(dsn) as office:
        outcome = invoicing_run(office, random.Random(1))
        office.commit()
    new = write_archive(connect(dsn), root, after_id=first.last_id)
    assert new.written > 0, outcome
    assert {str(p.relative_to(root)) for p in root.rglob("*.pdf")} == set(_archived(dsn))


@pytest.mark.integration
def test_the_commands_write_the_archive(tmp_path: Path) -> None:
    dsn = f"Driver=SQLite3;Database={tmp_path / 'b.sqlite'};Timeout=10000"
    root = tmp_path / "faktury"

    def ibok(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([IBOK, "--log-level", "WARNING", "legacy", *args, "--dsn", dsn], capture_output=True,
                              text=True, timeout=300)

    created = ibok("create", "--size", "tiny", "--as-of", "2026-11-21", "--pdf-archive", str(root))
    assert created.returncode == 0, created.stderr
    assert f"Invoice archive {root}: {len(_archived(dsn))} invoice PDFs written" in created.stdout
    some = sorted(root.rglob("*.pdf"))[0]
    some.unlink()
    simulated = ibok("simulate", "--events", "30", "--seed", "2", "--pdf-archive", str(root))
    assert simulated.returncode == 0, simulated.stderr
    assert "1 invoice PDFs written" in simulated.stdout and some.is_file()  # the missing one, first
    assert {str(p.relative_to(root)) for p in root.rglob("*.pdf")} == set(_archived(dsn))
    again = subprocess.run([IBOK, "legacy", "archive", "--dsn", dsn, "--dir", str(root), "--missing-only"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 invoice PDFs written" in again.stdout, again.stderr
