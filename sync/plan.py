"""The pure core of a sync step: given what billing returned and what the store holds, what to write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from adapters.ports import Changes, Row
from adapters.records import key_of, row_digest


def plan_upserts(entity: str, records: Iterable[Row], stored: Mapping[int, str],
                 sums: Mapping[int, int] | None = None) -> Changes:
    """Records that are new or whose digest (content, and billing's checksum of the row: ``sums`` by
    key, where billing computes them) differs from the stored one."""
    changes = Changes(entity)
    sums = sums or {}
    for record in records:
        key = key_of(record)
        digest = row_digest(record, sums.get(key))
        old = stored.get(key)
        if old != digest:
            changes.upserts.append(record)
            changes.hashes.append(digest)
            changes.sums.append(sums.get(key))
            if old is not None:
                changes.existing.add(key)
    return changes


def plan_snapshot(entity: str, records: Sequence[Row], stored: Mapping[int, str],
                  sums: Mapping[int, int] | None = None) -> Changes:
    """A full-scan batch covering a key range: upsert what differs, delete stored keys billing lacks."""
    changes = plan_upserts(entity, records, stored, sums)
    present = {key_of(r) for r in records}
    changes.deletes = sorted(k for k in stored if k not in present)
    return changes
