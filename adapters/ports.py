"""The two small interfaces the sync engine works against: a billing source and the portal store.

A utility with another billing product writes another ``BillingSource``; the engine and the
store do not change. Positions and bookmarks are the billing system's own values (its local
change stamps and keys), which the engine stores opaquely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

# (change stamp as billing wrote it, primary key): the keyset order of a cursor read.
Position = tuple[datetime, int]
# A key range's checksum: bucket -> (rows, sum of their checksums); the store adds the rows whose
# billing checksum it does not know.
Checksums = dict[int, tuple[int, int]]
T = TypeVar("T")


class Rows(list[T], Generic[T]):
    """One read from billing, in billing's order, with billing's own checksum of each row's raw
    values by key (``sums``; empty where the billing database cannot compute them)."""

    def __init__(self, items: Iterable[T] = (), sums: Mapping[int, int] | None = None) -> None:
        super().__init__(items)
        self.sums: dict[int, int] = dict(sums or {})


class BillingSource(Protocol):
    """Read access to the billing system, in bounded batches, returning canonical records."""

    def signpost(self, entity: str) -> datetime | None:
        """The highest change stamp visible now (billing's local wall-clock time)."""

    def now_local(self) -> datetime:
        """Billing's own clock now, as its local wall-clock time (what its change stamps are compared with)."""

    def changed(self, entity: str, lower: datetime | None, upper: datetime, after: Position | None,
                limit: int) -> Rows[tuple[Position, tuple]]:
        """Rows stamped within [lower, upper], after ``after`` in (stamp, key) order."""

    def snapshot(self, entity: str, after: int | None, limit: int, upto: int | None = None) -> Rows[tuple]:
        """Rows in key order after ``after`` and up to ``upto`` (full scans, comparisons)."""

    def by_keys(self, entity: str, keys: Sequence[int]) -> Rows[tuple]:
        """The rows with these keys that still exist."""

    def bounds(self, entity: str) -> tuple[int, int] | None:
        """The lowest and the highest key (None: no rows)."""

    def key_at(self, entity: str, after: int | None, offset: int) -> int | None:
        """The ``offset``-th key after ``after`` (None: fewer rows than that)."""

    def checksums(self, entity: str, lower: int, upper: int, width: int) -> Checksums | None:
        """Billing's checksums of the rows with keys in [lower, upper], by bucket of ``width`` keys from
        ``lower``; None when the billing database cannot compute them."""

    def orphan_lines(self, limit: int) -> list[tuple[int, int]]:
        """(line, invoice) keys of invoice lines whose invoice billing lacks (they are never read)."""

    def interface_rows(self, kind: str, keys: Sequence[str]) -> dict[str, tuple]:
        """KLUCZ -> a delivered submission's columns as billing's interface table holds them."""

    def close(self) -> None:
        """Release connections."""


@dataclass
class Changes:
    """What one batch writes to the store (the plan's output, the store's input)."""

    entity: str
    upserts: list[tuple] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)  # digest of each upsert (records.row_digest), same order
    sums: list[int | None] = field(default_factory=list)  # billing's checksum of each upsert, same order
    deletes: list[int] = field(default_factory=list)
    existing: set[int] = field(default_factory=set)  # upserted keys the store already held (updates)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes)


@dataclass(frozen=True)
class Orphan:
    """A mirrored row whose parent (a row it names) the store does not hold: it belongs to no customer."""

    entity: str
    key: int
    parent: str
    parent_key: int


class StoreBatch(Protocol):
    """One store transaction: data, derived-data marks, checkpoint and lease check commit together."""

    def apply(self, changes: Changes) -> list[Orphan]:
        """Write the changes, carry what hangs from rows that moved; the orphans they made."""

    def recount_orphans(self, entity: str) -> int:
        """Make the entity's listed orphans exactly the rows whose parent the store lacks; how many."""

    def replace_anomalies(self, stream: str, kind: str, rows: dict[int, str | None], parent: str = "",
                          parent_keys: dict[int, int] | None = None) -> list[int]:
        """The stream's anomalies of a kind become ``rows``; the keys that are new."""

    def save_state(self, stream: str, state: dict[str, Any]) -> None: ...


class PortalStore(Protocol):
    """What the sync engine needs from the portal store."""

    def hashes(self, entity: str, keys: Iterable[int]) -> dict[int, str]: ...

    def hashes_between(self, entity: str, after: int | None, upto: int | None) -> dict[int, str]: ...

    def values(self, entity: str, field: str, keys: Iterable[int]) -> dict[int, Any]: ...

    def rows_between(self, entity: str, after: int | None, upto: int | None,
                     limit: int) -> list[tuple[tuple, str]]: ...

    def bounds(self, entity: str) -> tuple[int, int] | None: ...

    def checksums(self, entity: str, lower: int, upper: int, width: int) -> dict[int, tuple[int, int, int]]: ...

    def load_state(self, stream: str) -> dict[str, Any]: ...

    def batch(self, stream: str, lease_token: int | None) -> AbstractContextManager[StoreBatch]: ...

    def refresh_statistics(self, rows_changed: int) -> bool: ...
