"""One definition per stream: which entity, and how it is kept in step (its replication strategy).

- ``cursor``: rows carry billing's change stamp; read windows of it with an overlap, in keyset
  order; hard deletes and anything missed are caught by a key reconciliation.
- ``scan``: no change stamp at all; compare every key and content hash in key order.
- ``append``: rows only ever added, with keys increasing in commit order; read after the last key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from adapters.ports import Row
from adapters.records import Reading

Strategy = Literal["cursor", "scan", "append"]


@dataclass(frozen=True)
class Stream:
    name: str  # also the entity's name
    strategy: Strategy
    scan_every_run: bool = False  # scan streams: small enough to scan in every run, not only in reconciliations
    # Rows of another entity re-read with each batch: (entity, the field referencing it, keys to
    # refresh even when the store has them); referenced rows the store lacks are always read.
    follows: tuple[str, str, Callable[[Sequence[Row]], set[int]]] | None = None


def _exchanged_meters(readings: Sequence[Row]) -> set[int]:
    # A meter exchange writes readings (with a stamp) but the meters themselves carry none.
    return {r.meter_id for r in readings if isinstance(r, Reading) and r.source == "exchange"}


STREAMS: tuple[Stream, ...] = (
    Stream("sellers", "scan", scan_every_run=True),
    Stream("customers", "cursor"),
    Stream("points", "cursor"),
    Stream("contracts", "cursor"),
    Stream("meters", "scan"),
    Stream("readings", "cursor", follows=("meters", "meter_id", _exchanged_meters)),
    Stream("invoices", "cursor"),  # lines follow their invoice inside the record
    Stream("settlements", "cursor"),
    Stream("payments", "cursor"),
    Stream("outages", "cursor"),
    Stream("case_events", "append"),
    # Billing's office answers our submissions in the interface tables (with a change stamp).
    Stream("reading_replies", "cursor"),
    Stream("message_replies", "cursor"),
    Stream("change_replies", "cursor"),
)
BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}
# The streams whose rows belong to one customer, in order: what a per-customer refresh re-reads.
CUSTOMER_STREAMS: tuple[Stream, ...] = tuple(BY_NAME[n] for n in (
    "customers", "points", "contracts", "meters", "readings", "invoices", "settlements", "payments"))


def select_streams(names: tuple[str, ...] | list[str]) -> list[Stream]:
    """The named streams in dependency order (all when none are named); ValueError for unknown names."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown stream(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return [s for s in STREAMS if not names or s.name in names]
