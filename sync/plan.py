"""The pure core of a sync step: given what billing returned and what the store holds, what to write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from adapters.ports import Changes
from adapters.records import content_hash, key_of


def plan_upserts(entity: str, records: Iterable[tuple], stored: Mapping[int, str]) -> Changes:
    """Records that are new or whose content hash differs from the stored one."""
    changes = Changes(entity)
    for record in records:
        digest = content_hash(record)
        old = stored.get(key_of(record))
        if old != digest:
            changes.upserts.append(record)
            changes.hashes.append(digest)
            if old is not None:
                changes.existing.add(key_of(record))
    return changes


def plan_snapshot(entity: str, records: Sequence[tuple], stored: Mapping[int, str]) -> Changes:
    """A full-scan batch covering a key range: upsert what differs, delete stored keys billing lacks."""
    changes = plan_upserts(entity, records, stored)
    present = {key_of(r) for r in records}
    changes.deletes = sorted(k for k in stored if k not in present)
    return changes


def compare_keys(billing: Iterable[int], stored: Iterable[int]) -> tuple[list[int], list[int]]:
    """(keys missing from the store, keys the store has that billing deleted) over one key range."""
    billing, stored = set(billing), set(stored)
    return sorted(billing - stored), sorted(stored - billing)
