"""The pure planning core: what a batch writes, given billing's rows and the store's hashes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from adapters.records import Payment, content_hash, row_digest
from sync.plan import plan_snapshot, plan_upserts

STAMP = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def payment(key: int, amount: str = "10.00") -> Payment:
    return Payment(key, 7, date(2026, 11, 20), Decimal(amount), "transfer", "Faktura", STAMP)


def test_unchanged_rows_are_not_rewritten():
    rows = [payment(1), payment(2)]
    changes = plan_upserts("payments", rows, {1: content_hash(rows[0]), 2: content_hash(rows[1])})
    assert not changes and changes.upserts == []


def test_new_and_changed_rows_are_upserted_with_their_hashes():
    old = payment(2, "10.00")
    changes = plan_upserts("payments", [payment(1), payment(2, "12.50")], {2: content_hash(old)})
    assert [p.id for p in changes.upserts] == [1, 2]
    assert changes.hashes == [content_hash(payment(1)), content_hash(payment(2, "12.50"))]


def test_a_snapshot_batch_deletes_stored_keys_billing_no_longer_has():
    changes = plan_snapshot("payments", [payment(1), payment(3)], {1: content_hash(payment(1)), 2: "x", 3: "y"})
    assert changes.deletes == [2]
    assert [p.id for p in changes.upserts] == [3]


def test_a_row_billing_rewrote_without_changing_its_content_is_rewritten_with_billings_checksum():
    row = payment(1)
    stored = {1: row_digest(row, 111)}
    assert not plan_upserts("payments", [row], stored, {1: 111})
    changes = plan_upserts("payments", [row], stored, {1: 222})
    assert changes.upserts == [row] and changes.sums == [222] and changes.existing == {1}
    assert changes.hashes == [row_digest(row, 222)]


def test_without_billings_checksums_the_digest_is_the_content_hash():
    assert row_digest(payment(1), None) == content_hash(payment(1))
    assert row_digest(payment(1), 5) != row_digest(payment(1), 6) != content_hash(payment(1))


def test_hashes_see_every_grosz():
    assert content_hash(payment(1, "10.00")) != content_hash(payment(1, "10.01"))
