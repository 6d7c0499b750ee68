"""Proof that the mirror equals the source: counts, per-row content hashes, per-customer balances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from adapters.ports import BillingSource
from adapters.records import content_hash, key_of
from adapters.store.store import Store
from sync.streams import Stream

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Difference:
    stream: str
    key: int
    kind: str  # missing (in the store) | extra (in the store) | different | balance
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.stream} {self.key}: {self.kind}{' (' + self.detail + ')' if self.detail else ''}"


@dataclass
class VerifyReport:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # stream -> (billing, store)
    differences: list[Difference] = field(default_factory=list)  # the first ones
    total: int = 0
    limit: int = 20

    def add(self, difference: Difference) -> None:
        self.total += 1
        if len(self.differences) < self.limit:
            self.differences.append(difference)

    @property
    def clean(self) -> bool:
        return self.total == 0


def _batches(fetch: Callable[[int | None, int], list], size: int) -> Iterator:
    after = None
    while True:
        batch = fetch(after, size)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1][0]


def _merge(left: Iterator, right: Iterator) -> Iterator[tuple[tuple | None, tuple | None]]:
    """Pairs of rows with equal keys from two key-ordered iterators; None where one side lacks it."""
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a, None
            a = next(left, None)
        elif a is None or b[0] < a[0]:
            yield None, b
            b = next(right, None)
        else:
            yield a, b
            a, b = next(left, None), next(right, None)


def verify(source: BillingSource, store: Store, streams: list[Stream], *, batch_size: int = 5000,
           limit: int = 20) -> VerifyReport:
    report = VerifyReport(limit=limit)
    invoiced: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names = {s.name for s in streams}
    for stream in streams:
        billing_rows = store_rows = 0
        legacy = _batches(lambda after, n, s=stream.name: source.snapshot(s, after, n), batch_size)
        mirrored = _batches(lambda after, n, s=stream.name: store.records_after(s, after, n), batch_size)
        for ours, theirs in _merge(legacy, mirrored):
            billing_rows += ours is not None
            store_rows += theirs is not None
            if ours is None:
                report.add(Difference(stream.name, key_of(theirs), "extra"))
                continue
            if stream.name == "invoices" and not ours.cancelled:
                invoiced[ours.customer_id] += ours.gross
            elif stream.name == "payments":
                paid[ours.customer_id] += ours.amount
            if theirs is None:
                report.add(Difference(stream.name, key_of(ours), "missing"))
            elif content_hash(ours) != content_hash(theirs):
                fields = [f for f, x, y in zip(ours._fields, ours, theirs) if x != y]
                report.add(Difference(stream.name, key_of(ours), "different", ", ".join(fields)))
        report.counts[stream.name] = (billing_rows, store_rows)
    if {"invoices", "payments"} <= names:
        _verify_balances(store, invoiced, paid, report, batch_size)
    return report


def _verify_balances(store: Store, invoiced: dict[int, Decimal], paid: dict[int, Decimal], report: VerifyReport,
                     batch_size: int) -> None:
    """Billing's formula over billing's rows against the store's derived balance, customer by customer."""
    expected = {c: invoiced[c] - paid[c] for c in set(invoiced) | set(paid)}
    seen: set[int] = set()
    for customer_id, balance in _batches(store.balances_after, batch_size):
        seen.add(customer_id)
        want = expected.get(customer_id, ZERO)
        if balance != want:
            report.add(Difference("balances", customer_id, "balance", f"billing {want}, store {balance}"))
    for customer_id in sorted(set(expected) - seen):
        if expected[customer_id] != ZERO:
            report.add(Difference("balances", customer_id, "missing", f"billing {expected[customer_id]}"))
