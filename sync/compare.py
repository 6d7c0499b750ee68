"""One comparison of billing and the store, key range by key range: verify reports it, reconcile repairs it.

Both sides are walked in primary-key order in bounded pieces, so memory stays flat. Where the
billing database checksums a key range itself (MariaDB, PostgreSQL: ``adapters.billing.checksums``),
each chunk of ``chunk_rows`` billing rows is compared first as ``buckets`` sums of row checksums:
billing's own, against the ones the store kept of the rows it was made of. Only the buckets whose
sums or counts differ are read as rows, as data-diff tools do. Elsewhere (SQLite), or with
``rows_only``, every row is read.

Rows are compared by content (the canonical record), which is what a difference means; a row
equal in content whose billing checksum the store does not know (a row mirrored before billing's
checksums were kept, or billing rewrote it without changing what it means) is rewritten quietly,
so that the next comparison finds its range equal by the sums alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from adapters.ports import BillingSource, Changes, PortalStore, Row
from adapters.records import content_hash, key_of, row_digest

CHUNK_ROWS = 50_000  # billing rows per chunk: one checksum query on each side
BUCKETS = 32  # sums per chunk; a differing one is read as rows (about 1,600 of them)

Sourced = tuple[Row, int | None]  # a billing record and billing's checksum of it
Stored = tuple[Row, str]  # a stored record and the store's digest of it


@dataclass(frozen=True)
class Difference:
    stream: str
    key: int | str  # a row's key; a submission's KLUCZ
    kind: str  # missing (from the store; from billing, for a submission) | extra (in the store) | different | balance
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.stream} {self.key}: {self.kind}{' (' + self.detail + ')' if self.detail else ''}"


@dataclass
class Tally:
    """What one stream's comparison found."""

    stream: str
    billing: int = 0  # billing's rows, counted on its own table (no join leaves one out)
    store: int = 0  # the store's rows
    changed: int = 0
    missing: int = 0
    extra: int = 0
    stale: int = 0  # equal in content, rewritten with billing's checksum
    ranges: int = 0  # chunks compared by checksum sums
    read: int = 0  # billing rows read as rows (where the sums differed, or all of them)

    @property
    def differences(self) -> int:
        return self.changed + self.missing + self.extra


@dataclass
class Part:
    """One piece of a comparison: what makes the store's rows there equal billing's, and what differed."""

    changes: Changes
    differences: list[Difference] = field(default_factory=list)


def compare_rows(entity: str, pairs: list[tuple[Sourced | None, Stored | None]], tally: Tally) -> Part:
    """The pure core: rows of both sides paired by key -> the writes that make the store equal billing."""
    part = Part(Changes(entity))
    changes = part.changes
    for ours, theirs in pairs:
        if ours is None:
            assert theirs is not None
            changes.deletes.append(key_of(theirs[0]))
            part.differences.append(Difference(entity, key_of(theirs[0]), "extra"))
            tally.extra += 1
            continue
        record, source_sum = ours
        digest = row_digest(record, source_sum)
        if theirs is None:
            part.differences.append(Difference(entity, key_of(record), "missing"))
            tally.missing += 1
        elif content_hash(record) != content_hash(theirs[0]):
            fields = [f for f, x, y in zip(record._fields, record, theirs[0], strict=False) if x != y]  # type: ignore[attr-defined]
            part.differences.append(Difference(entity, key_of(record), "different", ", ".join(fields)))
            tally.changed += 1
            changes.existing.add(key_of(record))
        elif digest != theirs[1]:
            tally.stale += 1
            changes.existing.add(key_of(record))
        else:
            continue
        changes.upserts.append(record)
        changes.hashes.append(digest)
        changes.sums.append(source_sum)
    return part


def _merge(left: Iterator[Sourced], right: Iterator[Stored]) -> Iterator[tuple[Sourced | None, Stored | None]]:
    """Pairs of rows with equal keys from two key-ordered iterators; None where one side lacks it."""
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and key_of(a[0]) < key_of(b[0])):
            yield a, None
            a = next(left, None)
        elif a is None or key_of(b[0]) < key_of(a[0]):
            yield None, b
            b = next(right, None)
        else:
            yield a, b
            a, b = next(left, None), next(right, None)


class Comparison:
    """Compares one entity's rows of billing and the store; ``parts`` yields what differs, piece by piece."""

    def __init__(self, source: BillingSource, store: PortalStore, *, batch_size: int = 5000,
                 chunk_rows: int = CHUNK_ROWS, buckets: int = BUCKETS, rows_only: bool = False) -> None:
        self.source, self.store = source, store
        self.batch_size, self.chunk_rows, self.buckets = batch_size, chunk_rows, buckets
        self.rows_only = rows_only

    def parts(self, entity: str, tally: Tally) -> Iterator[Part]:
        """Parts with what differs, and an empty part after each chunk (a moment to renew a lease or stop)."""
        for found in self._ranges(entity, tally):
            if found is None:  # the end of a chunk
                yield Part(Changes(entity))
                continue
            yield from self._rows(entity, *found, tally)

    # ----- which key ranges to read as rows -------------------------------------------------------
    def _ranges(self, entity: str, tally: Tally) -> Iterator[tuple[int | None, int | None, bool] | None]:
        """(after, up to, counted already) of each range to read as rows; None: a chunk ended."""
        ours, theirs = self.source.bounds(entity), self.store.bounds(entity)
        if self.rows_only or (ours is None and theirs is None):
            yield None, None, False
            return
        low = min(b[0] for b in (ours, theirs) if b is not None)
        high = max(b[1] for b in (ours, theirs) if b is not None)
        after = low - 1
        while after < high:
            upto = self.source.key_at(entity, after, self.chunk_rows) if ours else None
            upto = high if upto is None else upto
            width = max(1, -(-(upto - after) // self.buckets))
            billing = self.source.checksums(entity, after + 1, upto, width)
            if billing is None:  # the billing database has no checksums: rows, from here to the end
                yield after, None, False
                return
            stored = self.store.checksums(entity, after + 1, upto, width)
            tally.ranges += 1
            tally.billing += sum(n for n, _ in billing.values())
            tally.store += sum(n for n, _, _ in stored.values())
            for bucket in sorted(set(billing) | set(stored)):
                rows, total = billing.get(bucket, (0, 0))
                if (rows, total, 0) != stored.get(bucket, (0, 0, 0)):
                    yield after + bucket * width, min(upto, after + (bucket + 1) * width), True
            yield None
            after = upto

    # ----- rows ------------------------------------------------------------------------------------
    def _billing_rows(self, entity: str, after: int | None, upto: int | None, tally: Tally) -> Iterator[Sourced]:
        while True:
            batch = self.source.snapshot(entity, after, self.batch_size, upto)
            tally.read += len(batch)
            for record in batch:
                yield record, batch.sums.get(key_of(record))
            if len(batch) < self.batch_size:
                return
            after = key_of(batch[-1])

    def _stored_rows(self, entity: str, after: int | None, upto: int | None) -> Iterator[Stored]:
        while True:
            batch = self.store.rows_between(entity, after, upto, self.batch_size)
            yield from batch
            if len(batch) < self.batch_size:
                return
            after = key_of(batch[-1][0])

    def _rows(self, entity: str, after: int | None, upto: int | None, counted: bool, tally: Tally) -> Iterator[Part]:
        pairs: list[tuple[Sourced | None, Stored | None]] = []
        for pair in _merge(self._billing_rows(entity, after, upto, tally), self._stored_rows(entity, after, upto)):
            if not counted:
                tally.billing += pair[0] is not None
                tally.store += pair[1] is not None
            pairs.append(pair)
            if len(pairs) == self.batch_size:
                yield compare_rows(entity, pairs, tally)
                pairs = []
        if pairs:
            yield compare_rows(entity, pairs, tally)
