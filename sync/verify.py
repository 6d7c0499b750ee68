"""Proof that the mirror equals the source: every stream compared by content, every balance by billing's formula.

The comparison is reconciliation's (``sync.compare``) without the repair: key range by key range,
by billing's own checksums where its database computes them, else (or with ``rows_only``) row by
row. Billing's rows are counted on its own tables, never through the joins the sync reads them
with, so a row no join reaches still counts. The write side too: every submission delivered is
compared with the row billing's interface table holds under its KLUCZ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapters.billing.interface import TARGETS, differences
from adapters.ports import BillingSource, PortalStore
from adapters.records import Delivery
from sync.compare import Comparison, Difference, Tally
from sync.streams import Stream

ZERO = Decimal("0.00")
SUBMISSIONS = "submissions"  # delivered submissions against billing's interface tables
ORPHAN_LINES_LISTED = 100_000

__all__ = ["Difference", "VerifyReport", "verify"]


@dataclass
class VerifyReport:
    tallies: dict[str, Tally] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)  # the first ones
    total: int = 0
    limit: int = 20
    orphans: dict[str, int] = field(default_factory=dict)  # stream -> rows whose parent billing lacks
    balances: int = 0  # customers whose derived balance is not billing's formula over their rows

    def add(self, difference: Difference) -> None:
        self.total += 1
        if len(self.differences) < self.limit:
            self.differences.append(difference)

    @property
    def counts(self) -> dict[str, tuple[int, int]]:
        """stream -> (billing's rows, the store's rows)."""
        return {name: (t.billing, t.store) for name, t in self.tallies.items()}

    @property
    def clean(self) -> bool:
        return self.total == 0


def verify(source: BillingSource, store: PortalStore, streams: list[Stream], *, batch_size: int = 5000,
           limit: int = 20, rows_only: bool = False) -> VerifyReport:
    report = VerifyReport(limit=limit)
    comparison = Comparison(source, store, batch_size=batch_size, rows_only=rows_only)
    names = {s.name for s in streams}
    for stream in streams:
        tally = Tally(stream.name)
        for part in comparison.parts(stream.name, tally):
            for difference in part.differences:
                report.add(difference)
        report.tallies[stream.name] = tally
    listed = {stream: n for (stream, kind), (n, _) in store.anomaly_counts().items() if kind == "orphan"}
    report.orphans = {name: listed.get(name, 0) for name in report.tallies}
    if "invoices" in names:
        report.orphans["invoice_lines"] = len(source.orphan_lines(ORPHAN_LINES_LISTED))
    if {"invoices", "payments"} <= names:
        _verify_balances(store, report, batch_size)
    _verify_submissions(source, store, report, batch_size)
    return report


def _verify_submissions(source: BillingSource, store: PortalStore, report: VerifyReport, batch_size: int) -> None:
    """Every delivered submission against the row billing's interface table holds under its KLUCZ:
    there, and with the values the customer sent (text character for character)."""
    tally = report.tallies[SUBMISSIONS] = Tally(SUBMISSIONS)
    after = None
    while True:
        batch = store.sent_after(after, batch_size)
        by_kind: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in batch:
            by_kind[delivery.kind].append(delivery)
        for kind, deliveries in by_kind.items():
            held = source.interface_rows(kind, [d.key for d in deliveries])
            tally.store += len(deliveries)
            tally.billing += len(held)
            for delivery in deliveries:
                stored = held.get(delivery.key)
                if stored is None:
                    tally.missing += 1
                    report.add(Difference(SUBMISSIONS, delivery.key, "missing", f"no {kind} row in billing"))
                elif found := differences(kind, TARGETS[kind].values(delivery), stored):
                    tally.changed += 1
                    report.add(Difference(SUBMISSIONS, delivery.key, "different", "; ".join(found)))
        if len(batch) < batch_size:
            return
        after = batch[-1].key


def _batches(fetch: Callable[[int | None, int], list[tuple[Any, ...]]], size: int) -> Iterator[tuple[Any, ...]]:
    after = None
    while True:
        batch = fetch(after, size)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1][0]


def _verify_balances(store: PortalStore, report: VerifyReport, batch_size: int) -> None:
    """Billing's formula over the mirrored rows (which the comparison has just shown to be billing's)
    against the store's derived balance, customer by customer."""
    invoiced, paid = store.totals()
    expected: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for customer_id, gross in invoiced.items():
        expected[customer_id] += gross
    for customer_id, amount in paid.items():
        expected[customer_id] -= amount
    seen: set[int] = set()
    for customer_id, balance in _batches(store.balances_after, batch_size):
        seen.add(customer_id)
        want = expected.get(customer_id, ZERO)
        if balance != want:
            report.balances += 1
            report.add(Difference("balances", customer_id, "balance", f"billing {want}, store {balance}"))
    for customer_id in sorted(set(expected) - seen):
        if expected[customer_id] != ZERO:
            report.balances += 1
            report.add(Difference("balances", customer_id, "missing", f"billing {expected[customer_id]}"))
