"""Invoices as CSV for a spreadsheet: the format Polish Excel opens, and no formulas from text (pure)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from portal.customer.spreadsheet import BOM, csv_bytes, text_cell

pytestmark = pytest.mark.unit


def read(body: bytes, delimiter: str) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def test_polish_files_use_semicolons_decimal_commas_iso_dates_and_a_byte_order_mark() -> None:
    body = csv_bytes(["Numer", "Kwota"], [["FV/1", Decimal("1234.5")], ["FV/2", date(2026, 11, 21)]], polish=True)
    assert body.startswith("\ufeff".encode()) and b"\r\n" in body
    assert read(body, ";") == [["Numer", "Kwota"], ["FV/1", "1234,50"], ["FV/2", "2026-11-21"]]


def test_english_files_use_commas_and_decimal_points() -> None:
    body = csv_bytes(["Number", "Amount"], [["FV/1", Decimal("-12.3")], ["Łąkowa 5, 95-100 Zgierz", None]], False)
    assert read(body, ",") == [["Number", "Amount"], ["FV/1", "-12.30"], ["Łąkowa 5, 95-100 Zgierz", ""]]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+48 123", "-2+3", "@SUM(A1)", "\tX", "\rX"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(text: str) -> None:
    assert text_cell(text) == "'" + text
    assert read(csv_bytes(["h"], [[text]], True), ";")[1] == ["'" + text]


def test_ordinary_text_and_negative_amounts_stay_as_they_are() -> None:
    assert text_cell("FV/2026/11/000001") == "FV/2026/11/000001"
    quoted = 'Łąkowa; 5 "A"'
    assert read(csv_bytes(["a", "b"], [[quoted, Decimal("-5")]], True), ";")[1] == [quoted, "-5,00"]
