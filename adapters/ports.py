"""The two interfaces the sync layer works against: a billing source and the portal store.

A utility with another billing product writes another ``BillingSource``; the engine and the
store do not change. Positions and bookmarks are the billing system's own values (its local
change stamps and keys), which the engine stores opaquely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from adapters.records import Delivery

# (change stamp as billing wrote it, primary key): the keyset order of a cursor read.
Position = tuple[datetime, int]
# A canonical record (``adapters.records``) where any of them will do: its first field is the billing key.
Row = tuple[Any, ...]
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
                limit: int) -> Rows[tuple[Position, Row]]:
        """Rows stamped within [lower, upper], after ``after`` in (stamp, key) order."""

    def snapshot(self, entity: str, after: int | None, limit: int, upto: int | None = None) -> Rows[Row]:
        """Rows in key order after ``after`` and up to ``upto`` (full scans, comparisons)."""

    def by_keys(self, entity: str, keys: Sequence[int]) -> Rows[Row]:
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

    def interface_rows(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """KLUCZ -> a delivered submission's columns as billing's interface table holds them."""

    def customer_id(self, number: str) -> int | None:
        """Billing's key of the customer with this customer number (None: billing has none)."""

    def customer_keys(self, entity: str, customer_id: int) -> list[int]:
        """Keys of the entity's rows that belong to the customer (ValueError for an entity of nobody's rows)."""

    def oldest_after(self, entity: str, checkpoint: datetime) -> datetime | None:
        """The oldest change stamp after ``checkpoint`` (None: no change after it)."""

    def close(self) -> None:
        """Release connections."""


@dataclass
class Changes:
    """What one batch writes to the store (the plan's output, the store's input)."""

    entity: str
    upserts: list[Row] = field(default_factory=list)
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

    def save_state(self, stream: str, state: dict[str, Any]) -> None:
        """The stream's state as JSON (``sync.state.StreamState.to_json``), committed with the batch."""


class PortalStore(Protocol):
    """What the sync layer needs from the portal store."""

    lease_ttl: timedelta  # how long a lease lasts unless renewed

    # ----- the mirrored rows ------------------------------------------------------------------------
    def hashes(self, entity: str, keys: Iterable[int]) -> dict[int, str]: ...

    def hashes_between(self, entity: str, after: int | None, upto: int | None) -> dict[int, str]: ...

    def values(self, entity: str, field: str, keys: Iterable[int]) -> dict[int, Any]: ...

    def rows_between(self, entity: str, after: int | None, upto: int | None,
                     limit: int) -> list[tuple[Row, str]]: ...

    def bounds(self, entity: str) -> tuple[int, int] | None: ...

    def checksums(self, entity: str, lower: int, upper: int, width: int) -> dict[int, tuple[int, int, int]]: ...

    def customer_keys(self, entity: str, customer_id: int) -> set[int]:
        """Keys of the entity's stored rows that the store gives the customer."""

    # ----- stream state, leases and run history ----------------------------------------------------
    def load_state(self, stream: str) -> dict[str, Any]:
        """The stream's state as saved (``{}`` when none was)."""

    def all_states(self) -> dict[str, tuple[dict[str, Any], datetime]]:
        """stream -> (its state, when it was saved), for the streams that have one."""

    def batch(self, stream: str, lease_token: int | None) -> AbstractContextManager[StoreBatch]:
        """A transaction for one batch; with a lease token, it commits only while the lease is ours."""

    def acquire_lease(self, stream: str, holder: str, is_dead: Callable[[str], bool] | None = None) -> int | None:
        """A fencing token of the stream's lease, or None while another live runner holds it."""

    def renew_lease(self, stream: str, token: int) -> None:
        """Keep the lease (``LeaseLost`` when it was taken)."""

    def release_lease(self, stream: str, token: int) -> None: ...

    def start_run(self, stream: str, mode: str, holder: str, requested_by: str | None = None) -> int:
        """A run recorded as started; its id."""

    def finish_run(self, run_id: int, **values: Any) -> None: ...

    def last_runs(self, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...

    def last_good_runs(self, streams: Iterable[str]) -> dict[str, datetime | None]:
        """stream -> when its last good run ended (None: never)."""

    # ----- derived data and upkeep -------------------------------------------------------------------
    def refresh_derived(self, chunk: int = 500, should_stop: Callable[[], bool] = ...) -> tuple[int, int]:
        """Recompute stale derived data; (meters, customers) refreshed."""

    def refresh_statistics(self, rows_changed: int) -> bool:
        """Fresh planner statistics after a bulk change; True when they were refreshed."""

    def dirty_counts(self) -> tuple[int, int]:
        """(customers, meters) whose derived data waits for a refresh."""

    # ----- anomalies, verification, the outbox -----------------------------------------------------
    def anomaly_counts(self) -> dict[tuple[str, str], tuple[int, datetime]]:
        """(stream, kind) -> (rows listed, since when)."""

    def anomalies(self, stream: str, kind: str, limit: int = 10) -> list[dict[str, Any]]: ...

    def totals(self) -> tuple[dict[int, Any], dict[int, Any]]:
        """Billing's balance formula over the mirrored rows: (gross invoiced, paid) by customer."""

    def balances_after(self, after: int | None, limit: int) -> list[tuple[Any, ...]]:
        """(customer id, derived balance) in customer order."""

    def sent_after(self, after: str | None, limit: int) -> list[Delivery]:
        """Delivered submissions in key order."""

    def outbox_counts(self) -> dict[str, int]:
        """Submissions in the outbox by state."""
