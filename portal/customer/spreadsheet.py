"""Invoices as a CSV file a spreadsheet opens as it is (pure: rows in, bytes out).

The format, chosen for the spreadsheet our customers have (Excel in Polish, as the analysis page's CSV):
UTF-8 with a byte order mark (else Excel reads Polish letters as cp1250), lines ending in CR LF; in
Polish ";" between cells and a decimal comma (Polish Excel's list separator is ";", as "," is its
decimal mark), in English "," and a decimal point. Dates are ISO (2026-11-21), which every
spreadsheet reads as a date; amounts have two decimals and no thousands separator.

A text cell that starts with "=", "+", "-", "@" (or a tab or carriage return) would be run as a
formula (CSV injection, OWASP): it gets a leading apostrophe, which Excel and LibreOffice show as
text. Amounts are numbers written here, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | Decimal | date | None


def text_cell(value: str) -> str:
    """``value`` as a text cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Cell, polish: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if polish else text
    if isinstance(value, date):
        return value.isoformat()
    return text_cell(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], polish: bool) -> bytes:
    """The file: ``header`` then ``rows``, each value formatted by ``cell`` (see the module's docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if polish else ",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([text_cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v, polish) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")
