"""The pure core of the comparison: pairing two key-ordered streams and deciding what to write."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from adapters.records import Payment, content_hash, row_digest
from sync.compare import Tally, _merge, compare_rows

STAMP = datetime(2026, 11, 22, 10, 0)


def payment(key: int, amount: str = "10.00", customer: int = 1) -> Payment:
    return Payment(key, customer, date(2026, 11, 20), Decimal(amount), "transfer", f"Wpłata {key}", STAMP)


def test_merge_pairs_equal_keys_and_leaves_none_where_one_side_lacks_a_row() -> None:
    billing = [((payment(k), None)) for k in (1, 2, 4, 7)]
    store = [((payment(k), "h")) for k in (2, 3, 4, 8, 9)]
    pairs = [(a[0].id if a else None, b[0].id if b else None) for a, b in _merge(iter(billing), iter(store))]
    assert pairs == [(1, None), (2, 2), (None, 3), (4, 4), (7, None), (None, 8), (None, 9)]
    assert list(_merge(iter([]), iter([]))) == []


def test_compare_rows_upserts_changed_and_missing_rows_deletes_extra_ones_and_names_the_fields() -> None:
    same, changed, missing, extra = payment(1), payment(2, "20.00"), payment(3), payment(4)
    pairs = [((same, 11), (same, row_digest(same, 11))),
             ((changed, 12), (payment(2, "19.99"), row_digest(payment(2, "19.99"), 99))),
             ((missing, 13), None),
             (None, (extra, content_hash(extra)))]
    tally = Tally("payments")
    part = compare_rows("payments", pairs, tally)
    assert [r.id for r in part.changes.upserts] == [2, 3]
    assert part.changes.sums == [12, 13]
    assert part.changes.hashes == [row_digest(changed, 12), row_digest(missing, 13)]
    assert part.changes.deletes == [4] and part.changes.existing == {2}
    assert [str(d) for d in part.differences] == ["payments 2: different (amount)", "payments 3: missing",
                                                  "payments 4: extra"]
    assert (tally.changed, tally.missing, tally.extra, tally.stale) == (1, 1, 1, 0)


def test_a_row_equal_in_content_whose_billing_checksum_is_unknown_is_rewritten_quietly() -> None:
    row = payment(5)
    tally = Tally("payments")
    part = compare_rows("payments", [((row, 77), (row, content_hash(row)))], tally)
    assert part.differences == [] and tally.differences == 0 and tally.stale == 1
    assert part.changes.upserts == [row] and part.changes.sums == [77] and part.changes.existing == {5}
    # Without billing checksums (SQLite) the content hash is the digest: nothing to rewrite.
    assert not compare_rows("payments", [((row, None), (row, content_hash(row)))], Tally("payments")).changes
