"""The outbox relay: delivers customer submissions to billing's interface tables, exactly once.

One pass claims due outbox rows (oldest first, in batches), inserts each into its IBOK_* table
with the submission's id as KLUCZ, and marks the batch sent in one store transaction. What makes
it exactly once:

- KLUCZ is unique in billing: a second INSERT of one submission fails with an integrity error,
  after which the relay finds the row and marks it sent;
- a row that an earlier try or an earlier (perhaps killed) relay may have inserted is read back
  by KLUCZ before any new INSERT;
- when the outcome of an INSERT is unknown (the connection broke around it), the relay reads
  back on a new connection before it tries again;
- every row inserted or found is read back and compared with what was sent: a row billing holds
  with other values (a driver that garbled a long text, say) is a dead letter naming the
  difference, never "sent".

A transient error is tried again later with exponential backoff; after ``max_attempts`` tries,
or at once for a permanent error (billing refuses the row as it is), the row is a dead letter
for an admin to retry or cancel. When billing cannot be reached at all the pass ends, its claims
are given back, and no row is charged with a try.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Engine

from adapters.billing.interface import classify, differences
from adapters.billing.retry import error_text, sqlstate
from adapters.records import Delivery
from adapters.store.db import writer
from adapters.store.outbox import deliveries as outbox
from config.logs import redact_text
from config.settings import Settings
from sync import failpoints
from sync.engine import default_holder, holder_is_dead

log = structlog.get_logger(__name__)


class InterfaceTables(Protocol):
    """The billing side of delivery (``adapters.billing.interface.InterfaceWriter``)."""

    def insert(self, delivery: Delivery) -> None: ...

    def read(self, kind: str, key: str) -> tuple[Any, ...] | None: ...

    def sent(self, delivery: Delivery) -> tuple[Any, ...]: ...

    def find(self, kind: str, key: str) -> int | None: ...

    def close(self) -> None: ...


class BillingUnreachable(Exception):
    """Billing did not answer even a read-back: the pass ends, nothing is charged a try."""


@dataclass
class RelayReport:
    sent: int = 0
    found: int = 0  # already in billing (an earlier try got through): marked sent, not inserted again
    retried: int = 0
    dead: int = 0
    unreachable: str | None = None  # billing's error when the pass ended for it
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.sent or self.found or self.retried or self.dead)


def backoff(attempt: int, max_wait_s: float) -> timedelta:
    """The pause before try ``attempt + 1``: exponential with full jitter, at most ``max_wait_s``."""
    return timedelta(seconds=random.uniform(0, min(max_wait_s, 2.0 ** attempt)))


class Relay:
    def __init__(self, interface: InterfaceTables, engine: Engine, *, holder: str | None = None,
                 batch_size: int = 200, max_attempts: int = 10, retry_max_wait_s: float = 300.0,
                 claim_s: float = 60.0, stop: threading.Event | None = None,
                 is_dead: Callable[[str], bool] = holder_is_dead) -> None:
        self.interface = interface
        self.engine = writer(engine)
        self.holder = holder or default_holder()
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_max_wait_s = retry_max_wait_s
        self.claim_for = timedelta(seconds=claim_s)
        self.stop = stop or threading.Event()
        self.is_dead = is_dead
        self._inserting: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, interface: InterfaceTables, engine: Engine, *,
                      holder: str | None = None, stop: threading.Event | None = None,
                      is_dead: Callable[[str], bool] = holder_is_dead) -> Relay:
        config = settings.outbox
        return cls(interface, engine, holder=holder, batch_size=config.batch_size, max_attempts=config.max_attempts,
                   retry_max_wait_s=config.retry_max_wait_s, claim_s=config.claim_s, stop=stop, is_dead=is_dead)

    def run(self) -> RelayReport:
        """Deliver everything due now, batch after batch, until none is due or the relay is stopped."""
        report = RelayReport()
        started = time.monotonic()
        while not self.stop.is_set():
            with self.engine.begin() as conn:
                batch = outbox.claim(conn, self.holder, self.batch_size, self.claim_for, self.is_dead)
            if not batch:
                break
            try:
                self._deliver(batch, report)
            except BillingUnreachable as exc:
                report.unreachable = str(exc)
                log.warning("outbox_billing_unreachable", error=report.unreachable)
                break
        report.seconds = time.monotonic() - started
        if report:
            log.info("outbox_relayed", sent=report.sent, found=report.found, retried=report.retried,
                     dead=report.dead, seconds=round(report.seconds, 3))
        return report

    def _deliver(self, batch: list[tuple[Delivery, bool]], report: RelayReport) -> None:
        delivered: list[str] = []
        try:
            for n, (delivery, read_back) in enumerate(batch):
                if self.stop.is_set():
                    raise _Stopped(n)
                try:
                    outcome = self._deliver_one(delivery, read_back)
                except BillingUnreachable as exc:
                    raise _Stopped(n, str(exc)) from None
                if outcome == "sent":
                    report.sent += 1
                elif outcome == "found":
                    report.found += 1
                if outcome in ("sent", "found"):
                    delivered.append(delivery.key)
                else:
                    self._failed(delivery, *outcome, report=report)
        except _Stopped as stopped:
            self._mark(delivered)
            with self.engine.begin() as conn:
                outbox.release(conn, self.holder, [d.key for d, _ in batch[stopped.at:]],
                               uncertain=[self._inserting] if self._inserting else [])
            if not self.stop.is_set():
                raise BillingUnreachable(stopped.error or "billing unreachable") from None
            return
        self._mark(delivered)

    def _mark(self, keys: list[str]) -> None:
        if keys:
            with self.engine.begin() as conn:
                outbox.mark_sent(conn, keys)
            failpoints.hit("outbox.after_mark")
            log.debug("outbox_marked", rows=len(keys))

    def _deliver_one(self, delivery: Delivery, read_back: bool) -> str | tuple[str, str, bool]:
        """"sent", "found", or ("retry" | "dead", error, uncertain) for a failed try."""
        if read_back and self._find(delivery) is not None:
            log.info("outbox_found_in_billing", key=delivery.key, kind=delivery.kind)
            return self._checked(delivery, "found")
        failpoints.hit("outbox.before_insert")
        self._inserting = delivery.key  # from here until we know, the row may be in billing
        try:
            self.interface.insert(delivery)
        except Exception as exc:  # noqa: BLE001 - every driver error is classified below
            outcome = self._after_failed_insert(delivery, exc)
            self._inserting = None
            return outcome
        self._inserting = None
        log.debug("outbox_inserted", key=delivery.key, kind=delivery.kind)
        failpoints.hit("outbox.after_insert")
        return self._checked(delivery, "sent")

    def _checked(self, delivery: Delivery, outcome: str) -> str | tuple[str, str, bool]:
        """The row read back from billing and compared with what was sent: a difference (a driver that
        garbles text, a trigger that rewrites it) is a dead letter naming it, never "sent"."""
        try:
            stored = self.interface.read(delivery.kind, delivery.key)
        except Exception as exc:  # noqa: BLE001 - classified as any read-back
            self.interface.close()
            if classify(exc) == "unreachable":
                raise BillingUnreachable(redact_text(str(exc))) from None
            return "retry", redact_text(f"read-back failed: {error_text(exc).splitlines()[0]}"), True
        if stored is None:
            return "retry", "the row inserted is not in billing when read back", True
        found = differences(delivery.kind, self.interface.sent(delivery), stored)
        if found:
            error = "billing holds other values than were sent: " + "; ".join(found)
            log.error("outbox_read_back_differs", key=delivery.key, kind=delivery.kind, differences=found)
            return "dead", error, False
        return outcome

    def _after_failed_insert(self, delivery: Delivery, exc: Exception) -> str | tuple[str, str, bool]:
        kind = classify(exc)
        error = redact_text(f"[{sqlstate(exc) or type(exc).__name__}] {error_text(exc)}".splitlines()[0])
        if kind == "unreachable":
            raise BillingUnreachable(error)
        if kind == "permanent":
            return "dead", error, False
        # A conflict (our KLUCZ is there already) or a broken connection: look before anything else.
        self.interface.close()
        if self._find(delivery) is not None:
            log.info("outbox_found_in_billing", key=delivery.key, kind=delivery.kind, after=error)
            return self._checked(delivery, "found")
        if kind == "conflict":
            return "dead", error, False  # another unique key or a constraint: billing refuses the row
        return "retry", error, True

    def _find(self, delivery: Delivery) -> int | None:
        """Read back by KLUCZ, on a fresh connection if need be; BillingUnreachable if billing does not answer."""
        for attempt in range(3):
            try:
                return self.interface.find(delivery.kind, delivery.key)
            except Exception as exc:
                self.interface.close()
                kind = classify(exc)
                if kind == "unreachable":
                    raise BillingUnreachable(redact_text(str(exc))) from None
                if kind != "transient":
                    raise
                if attempt == 2 or self.stop.wait(0.2 * (attempt + 1)):
                    raise BillingUnreachable(redact_text(error_text(exc).splitlines()[0])) from None
        return None  # not reached

    def _failed(self, delivery: Delivery, verdict: str, error: str, uncertain: bool, *, report: RelayReport) -> None:
        with self.engine.begin() as conn:
            attempts = outbox.attempts_of(conn, delivery.key) + 1
            dead = verdict == "dead" or attempts >= self.max_attempts
            wait = None if dead else backoff(attempts, self.retry_max_wait_s)
            outbox.mark_failed(conn, delivery.key, error, retry_in=wait, uncertain=uncertain)
        if dead:
            report.dead += 1
            log.error("outbox_dead_letter", key=delivery.key, kind=delivery.kind, attempts=attempts, error=error)
        else:
            report.retried += 1
            log.warning("outbox_retry", key=delivery.key, kind=delivery.kind, attempt=attempts, error=error,
                        wait_s=round(wait.total_seconds(), 1) if wait else None)


class _Stopped(Exception):
    """The batch ends at row ``at``: the relay is stopping, or billing went away."""

    def __init__(self, at: int, error: str | None = None) -> None:
        super().__init__(at)
        self.at, self.error = at, error
