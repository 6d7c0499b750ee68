"""The two small interfaces the sync engine works against: a billing source and the portal store.

A utility with another billing product writes another ``BillingSource``; the engine and the
store do not change. Positions and bookmarks are the billing system's own values (its local
change stamps and keys), which the engine stores opaquely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# (change stamp as billing wrote it, primary key): the keyset order of a cursor read.
Position = tuple[datetime, int]


class BillingSource(Protocol):
    """Read access to the billing system, in bounded batches, returning canonical records."""

    def signpost(self, entity: str) -> datetime | None:
        """The highest change stamp visible now (billing's local wall-clock time)."""

    def changed(self, entity: str, lower: datetime | None, upper: datetime, after: Position | None,
                limit: int) -> list[tuple[Position, tuple]]:
        """Rows stamped within [lower, upper], after ``after`` in (stamp, key) order."""

    def snapshot(self, entity: str, after: int | None, limit: int) -> list[tuple]:
        """Rows in key order after ``after`` (full scans: full syncs and reconciliations)."""

    def keys(self, entity: str, after: int | None, limit: int) -> list[int]:
        """Primary keys in order after ``after`` (the cheap part of a reconciliation)."""

    def by_keys(self, entity: str, keys: Sequence[int]) -> list[tuple]:
        """The rows with these keys that still exist."""

    def close(self) -> None:
        """Release connections."""


@dataclass
class Changes:
    """What one batch writes to the store (the plan's output, the store's input)."""

    entity: str
    upserts: list[tuple] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)  # content hash of each upsert, same order
    deletes: list[int] = field(default_factory=list)
    existing: set[int] = field(default_factory=set)  # upserted keys the store already held (updates)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes)


class StoreBatch(Protocol):
    """One store transaction: data, derived-data marks, checkpoint and lease check commit together."""

    def apply(self, changes: Changes) -> None: ...

    def save_state(self, stream: str, state: dict[str, Any]) -> None: ...


class PortalStore(Protocol):
    """What the sync engine needs from the portal store."""

    def hashes(self, entity: str, keys: Iterable[int]) -> dict[int, str]: ...

    def hashes_between(self, entity: str, after: int | None, upto: int | None) -> dict[int, str]: ...

    def keys_between(self, entity: str, after: int | None, upto: int | None) -> list[int]: ...

    def missing(self, entity: str, keys: Iterable[int]) -> set[int]: ...

    def load_state(self, stream: str) -> dict[str, Any]: ...

    def batch(self, stream: str, lease_token: int | None) -> AbstractContextManager[StoreBatch]: ...

    def refresh_statistics(self, rows_changed: int) -> bool: ...
