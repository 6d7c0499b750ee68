"""Billing's printed invoice as a PDF (pure: an invoice's data in, the file's bytes out).

What the billing application prints: seller and buyer, the customer number, the invoice's number,
dates and service point, its lines (quantity, unit net price, VAT rate, net, VAT, gross), the totals
and how to pay. Text is set in DejaVu Sans (Debian's fonts-dejavu-core), embedded as a subset, so
every Polish letter prints and can be searched and copied. The same invoice gives the same bytes
(no creation date, no random document id).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from adapters.billing import payment

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 40.0
WIDTH = PAGE_W - 2 * MARGIN
UNITS = {"m3": "m³", "mc": "mies.", "szt": "szt."}
# The lines' columns: heading, width (points), right-aligned.
COLUMNS = (("Lp.", 22.0, True), ("Nazwa", 151.0, False), ("Ilość", 48.0, True), ("J.m.", 30.0, False),
           ("Cena netto", 58.0, True), ("VAT", 28.0, True), ("Netto", 58.0, True), ("Kwota VAT", 55.0, True),
           ("Brutto", 65.0, True))


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...]  # the address's lines
    tax_id: str | None = None


@dataclass(frozen=True)
class Line:
    position: int
    name: str
    quantity: Decimal
    unit: str
    unit_net_price: Decimal
    vat_rate: str  # "8", "23", "zw"
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    correcting: bool
    corrects: str | None  # the number of the invoice a correcting one corrects
    cancelled: bool
    issued_on: date
    period_from: date
    period_to: date
    due_on: date
    seller: Party
    seller_account: str  # ODDZIALY.NR_KONTA as billing keeps it
    buyer: Party
    customer_number: str
    contract_number: str | None
    service_point: str | None
    lines: tuple[Line, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal


class FontMissing(Exception):
    """DejaVu Sans is not installed (Debian: apt-get install fonts-dejavu-core)."""


@cache
def _fonts() -> None:
    """Register DejaVu Sans once per process (the documents embed only the glyphs they use)."""
    for name in (REGULAR, BOLD):
        path = FONT_DIR / f"{name}.ttf"
        if not path.is_file():
            raise FontMissing(f"{path} is missing: install Debian's fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(name, str(path)))


def money(value: Decimal) -> str:
    """An amount as billing prints it: "3 807,83" (thin groups, decimal comma)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def figure(value: Decimal, places: int, keep: int) -> str:
    """A quantity or price with up to ``places`` decimals, trailing zeros dropped down to ``keep``."""
    whole, _, fraction = f"{value:,.{places}f}".partition(".")
    fraction = fraction.rstrip("0").ljust(keep, "0")
    return whole.replace(",", " ") + ("," + fraction if fraction else "")


def day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def account_text(raw: str) -> str:
    """The seller's account as printed: in groups of four when it is a valid IBAN, else as billing keeps it."""
    iban = payment.account_iban(raw)
    return payment.grouped(iban) if iban else raw.strip()


class _Page:
    """A canvas and the height written down to: lines flow onto new pages as they fill."""

    def __init__(self, doc: InvoiceDocument) -> None:
        self.out = io.BytesIO()
        self.c = Canvas(self.out, pagesize=A4, invariant=True, pageCompression=1)
        self.c.setTitle(f"Faktura {doc.number}")
        self.c.setAuthor(doc.seller.name)
        self.c.setSubject(f"Faktura {doc.number} dla klienta {doc.customer_number}")
        self.doc = doc
        self.y = PAGE_H - MARGIN
        self.number = 1

    def text(self, x: float, text: str, size: float = 9.0, bold: bool = False, right: bool = False) -> None:
        self.c.setFont(BOLD if bold else REGULAR, size)
        if right:
            self.c.drawRightString(x, self.y, text)
        else:
            self.c.drawString(x, self.y, text)

    def wrapped(self, x: float, text: str, width: float, size: float = 9.0, bold: bool = False) -> list[str]:
        return simpleSplit(text, BOLD if bold else REGULAR, size, width) or [""]

    def room(self, needed: float) -> None:
        """A new page when less than ``needed`` points are left above the footer."""
        if self.y - needed < MARGIN + 30:
            self.footer()
            self.c.showPage()
            self.number += 1
            self.y = PAGE_H - MARGIN
            self.text(MARGIN, f"Faktura {self.doc.number} (cd.)", 9, bold=True)
            self.y -= 18

    def footer(self) -> None:
        keep = self.y
        self.y = MARGIN
        self.text(MARGIN, f"{self.doc.seller.name} · Faktura {self.doc.number}", 7)
        self.text(PAGE_W - MARGIN, f"strona {self.number}", 7, right=True)
        self.y = keep


def _heading(p: _Page, doc: InvoiceDocument) -> None:
    kind = "Faktura korygująca" if doc.correcting else "Faktura VAT"
    p.text(MARGIN, f"{kind} nr {doc.number}", 15, bold=True)
    if doc.cancelled:
        p.text(PAGE_W - MARGIN, "ANULOWANA", 13, bold=True, right=True)
    p.y -= 16
    if doc.correcting and doc.corrects:
        p.text(MARGIN, f"do faktury nr {doc.corrects}", 10)
        p.y -= 14
    facts = [("Data wystawienia", day(doc.issued_on)),
             ("Okres rozliczeniowy", f"{day(doc.period_from)} – {day(doc.period_to)}"),
             ("Termin płatności", day(doc.due_on)), ("Numer klienta", doc.customer_number)]
    if doc.contract_number:
        facts.append(("Umowa", doc.contract_number))
    for label, value in facts:
        p.text(MARGIN, f"{label}:", 9)
        p.text(MARGIN + 110, value, 9, bold=True)
        p.y -= 12
    p.y -= 8


def _parties(p: _Page, doc: InvoiceDocument) -> None:
    half = (WIDTH - 20) / 2
    columns: list[tuple[float, list[tuple[str, float, bool]]]] = []
    for x, title, party, extra in ((MARGIN, "SPRZEDAWCA", doc.seller,
                                    [f"Rachunek: {account_text(doc.seller_account)}"]),
                                   (MARGIN + half + 20, "NABYWCA", doc.buyer, [f"Nr klienta: {doc.customer_number}"])):
        rows: list[tuple[str, float, bool]] = [(title, 8.0, True)]
        rows += [(r, 9.0, True) for r in p.wrapped(x, party.name, half, 9, bold=True)]
        rows += [(r, 9.0, False) for line in party.address for r in p.wrapped(x, line, half)]
        if party.tax_id:
            rows.append((f"NIP: {party.tax_id}", 9.0, False))
        rows += [(r, 9.0, False) for line in extra for r in p.wrapped(x, line, half)]
        columns.append((x, rows))
    height = max(len(rows) for _x, rows in columns) * 12
    p.room(height)
    top = p.y
    for x, rows in columns:
        p.y = top
        for row, size, bold in rows:
            p.text(x, row, size, bold=bold)
            p.y -= 12
    p.y = top - height - 6
    if doc.service_point:
        for row in p.wrapped(MARGIN, f"Miejsce dostarczania usługi (punkt poboru): {doc.service_point}", WIDTH):
            p.text(MARGIN, row, 9)
            p.y -= 12
    p.y -= 8


def _table_head(p: _Page) -> None:
    p.c.setLineWidth(0.6)
    p.c.line(MARGIN, p.y + 10, PAGE_W - MARGIN, p.y + 10)
    x = MARGIN
    for title, width, right in COLUMNS:
        p.text(x + width - 2 if right else x + 2, title, 7.5, bold=True, right=right)
        x += width
    p.y -= 5
    p.c.line(MARGIN, p.y, PAGE_W - MARGIN, p.y)
    p.y -= 11


def _lines(p: _Page, doc: InvoiceDocument) -> None:
    p.room(60)
    _table_head(p)
    for line in doc.lines:
        vat = "zw" if line.vat_rate == "zw" else f"{line.vat_rate}%"
        cells = (str(line.position), line.name, figure(line.quantity, 3, 0), UNITS.get(line.unit, line.unit),
                 figure(line.unit_net_price, 4, 2), vat, money(line.net), money(line.vat), money(line.gross))
        names = p.wrapped(0, line.name, COLUMNS[1][1] - 4, 8)
        if p.y - 11 * len(names) < MARGIN + 30:
            p.room(11 * len(names) + 20)
            _table_head(p)
        x = MARGIN
        top = p.y
        for (_title, width, right), cell in zip(COLUMNS, cells, strict=True):
            if cell is line.name:
                for k, part in enumerate(names):
                    p.y = top - 11 * k
                    p.text(x + 2, part, 8)
                p.y = top
            else:
                p.text(x + width - 2 if right else x + 2, cell, 8, right=right)
            x += width
        p.y = top - 11 * len(names) - 2
    p.c.line(MARGIN, p.y + 8, PAGE_W - MARGIN, p.y + 8)
    p.y -= 4
    widths = [w for _t, w, _r in COLUMNS]
    ends = [MARGIN + sum(widths[:i + 1]) for i in range(len(widths))]
    p.text(ends[5] - 2, "Razem", 8.5, bold=True, right=True)
    for end, value in zip(ends[6:], (doc.net, doc.vat, doc.gross), strict=True):
        p.text(end - 2, money(value), 8.5, bold=True, right=True)
    p.y -= 24


def _payment(p: _Page, doc: InvoiceDocument) -> None:
    p.room(90)
    if doc.cancelled:
        p.text(MARGIN, "Faktura anulowana: nie należy jej opłacać.", 10, bold=True)
        p.y -= 14
        return
    if doc.gross <= 0:
        p.text(MARGIN, f"Kwota do rozliczenia na korzyść klienta: {money(-doc.gross)} zł", 10, bold=True)
        p.y -= 14
        p.text(MARGIN, "Nadpłata zostanie zaliczona na poczet najstarszych należności.", 9)
        p.y -= 14
        return
    p.text(MARGIN, f"Do zapłaty: {money(doc.gross)} zł", 12, bold=True)
    p.y -= 16
    rows = [("Termin płatności", day(doc.due_on)), ("Odbiorca", doc.seller.name),
            ("Numer rachunku", account_text(doc.seller_account)),
            ("Tytuł przelewu", payment.invoice_title(doc.number, doc.customer_number))]
    for label, value in rows:
        wrapped = p.wrapped(0, value, WIDTH - 110)
        for k, part in enumerate(wrapped):
            if k == 0:
                p.text(MARGIN, f"{label}:", 9)
            p.text(MARGIN + 110, part, 9, bold=True)
            p.y -= 12


def render(doc: InvoiceDocument) -> bytes:
    """The invoice as a PDF file's bytes."""
    _fonts()
    p = _Page(doc)
    _heading(p, doc)
    _parties(p, doc)
    _lines(p, doc)
    _payment(p, doc)
    p.footer()
    p.c.showPage()
    p.c.save()
    return p.out.getvalue()
