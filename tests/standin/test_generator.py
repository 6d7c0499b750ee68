"""The generator alone: deterministic, and every case the billing SPEC lists is present even in `tiny`."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.standin.generator import ZERO_DATE, generate
from adapters.standin.schema import BY_NAME
from tests.conftest import AS_OF

POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def _tables(size: str = "tiny", seed: int = 1) -> dict[str, list[tuple]]:
    tables: dict[str, list[tuple]] = defaultdict(list)
    for batch in generate(size, seed, AS_OF):
        for table, rows in batch.items():
            tables[table].extend(rows)
    return tables


def _digest(tables: dict[str, list[tuple]]) -> str:
    h = hashlib.sha256()
    for table in sorted(tables):
        for row in tables[table]:
            h.update(repr((table, row)).encode())
    return h.hexdigest()


def _col(table: str, name: str) -> int:
    return BY_NAME[table].column_names.index(name)


@pytest.fixture(scope="module")
def tiny() -> dict[str, list[tuple]]:
    return _tables()


def test_same_seed_gives_identical_rows(tiny: dict[str, list[tuple]]) -> None:
    assert _digest(_tables()) == _digest(tiny)


def test_another_seed_gives_other_rows(tiny: dict[str, list[tuple]]) -> None:
    assert _digest(_tables(seed=2)) != _digest(tiny)


def test_rows_have_one_value_per_column_and_unique_keys(tiny: dict[str, list[tuple]]) -> None:
    for table, rows in tiny.items():
        width = len(BY_NAME[table].columns)
        assert all(len(r) == width for r in rows), table
        keys = [r[0] for r in rows]
        assert len(keys) == len(set(keys)), table


def test_every_polish_letter_appears_in_names_and_addresses(tiny: dict[str, list[tuple]]) -> None:
    text = "".join(str(v) for r in tiny["ODBIORCY"] + tiny["PUNKTY"] for v in r if isinstance(v, str))
    assert POLISH_LETTERS <= set(text)


def test_customer_numbers_are_six_zero_padded_digits_and_unique(tiny: dict[str, list[tuple]]) -> None:
    numbers = [r[_col("ODBIORCY", "NR_KLIENTA")] for r in tiny["ODBIORCY"]]
    assert all(len(n) == 6 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_tiny_holds_every_case_the_spec_lists(tiny: dict[str, list[tuple]]) -> None:
    contracts = tiny["UMOWY"]
    per_customer: dict[int, int] = defaultdict(int)
    per_point: dict[int, set[int]] = defaultdict(set)
    for c in contracts:
        per_customer[c[_col("UMOWY", "ID_ODB")]] += 1
        per_point[c[_col("UMOWY", "ID_PKT")]].add(c[_col("UMOWY", "ID_ODB")])
    assert max(per_customer.values()) >= 3, "several contracts per customer"
    assert any(len(owners) > 1 for owners in per_point.values()), "a point that changed owner"
    assert any(c[_col("UMOWY", "STATUS")] == "R" for c in contracts), "terminated contract"
    assert {c[_col("UMOWY", "RODZAJ")] for c in contracts} >= {"WK", "W "}, "padded contract kinds"
    assert any(c[_col("UMOWY", "DATA_DO")] is ZERO_DATE for c in contracts), "zero date for open contracts"

    meters = tiny["WODOMIERZE"]
    assert any(m[_col("WODOMIERZE", "RODZAJ")] == "P" for m in meters), "sub-meter"
    assert any(m[_col("WODOMIERZE", "DATA_DEMONTAZU")] for m in meters), "meter exchange"
    mounted = [m for m in meters if m[_col("WODOMIERZE", "DATA_DEMONTAZU")] is None]
    legal = [m[_col("WODOMIERZE", "LEGALIZACJA_DO")] for m in mounted]
    assert any(AS_OF < d <= AS_OF + timedelta(days=90) for d in legal), "legalization expiring soon"
    assert any(d < AS_OF for d in legal), "legalization expired"
    assert {r[_col("ODCZYTY", "ZRODLO")] for r in tiny["ODCZYTY"]} >= {"I", "S", "K", "W"}

    invoices = tiny["FAKTURY"]
    corrections = [f for f in invoices if f[_col("FAKTURY", "TYP")] == "K"]
    assert corrections and all(f[_col("FAKTURY", "ID_FAKT_KORYG")] for f in corrections)
    assert any(f[_col("FAKTURY", "BRUTTO")] < 0 for f in corrections), "negative correction"
    assert any(f[_col("FAKTURY", "ANULOWANA")] == "T" for f in invoices), "cancelled invoice"


def test_payments_usually_but_not_always_cover_invoices(tiny: dict[str, list[tuple]]) -> None:
    settlements = tiny["ROZRACHUNKI"]
    left = [s[_col("ROZRACHUNKI", "POZOSTALO")] for s in settlements]
    assert sum(1 for x in left if x == 0) > len(left) * 0.6
    assert any(x > 0 for x in left), "some invoices are still open"
    gross: dict[int, Decimal] = defaultdict(Decimal)
    for f in tiny["FAKTURY"]:
        if f[_col("FAKTURY", "ANULOWANA")] == "N":
            gross[f[_col("FAKTURY", "ID_ODB")]] += f[_col("FAKTURY", "BRUTTO")]
    for p in tiny["WPLATY"]:
        gross[p[_col("WPLATY", "ID_ODB")]] -= p[_col("WPLATY", "KWOTA")]
    assert any(balance < 0 for balance in gross.values()), "an overpaying customer"


def test_invoicing_runs_stamp_many_invoices_with_one_second(tiny: dict[str, list[tuple]]) -> None:
    stamps: dict[object, int] = defaultdict(int)
    for f in tiny["FAKTURY"]:
        stamps[f[_col("FAKTURY", "DATA_MOD")]] += 1
    assert max(stamps.values()) >= 5


def test_usage_is_the_difference_of_consecutive_states(tiny: dict[str, list[tuple]]) -> None:
    per_meter: dict[int, list[tuple]] = defaultdict(list)
    for r in tiny["ODCZYTY"]:
        per_meter[r[_col("ODCZYTY", "ID_WOD")]].append(r)
    for readings in per_meter.values():
        readings.sort(key=lambda r: (r[2], r[0]))
        assert readings[0][4] == 0
        for prev, cur in zip(readings, readings[1:], strict=False):
            assert cur[4] == cur[3] - prev[3]


def test_no_stamp_lies_after_the_reference_date(tiny: dict[str, list[tuple]]) -> None:
    for table, rows in tiny.items():
        if BY_NAME[table].has_data_mod:
            i = _col(table, "DATA_MOD")
            assert all(r[i].date() <= AS_OF + timedelta(days=1) for r in rows), table
