"""The sync engine: read a window -> plan -> apply with its checkpoint, one store transaction per batch.

Stream state (the bookmark) is what the Singer SDK calls state: written only in the transaction
of the data it describes. A cursor stream's state is ``{"cursor": stamp}`` between runs and also
holds ``window`` (lower, signpost, keyset position) while a window is being read, or ``scan``
while a full scan is under way, so a crash at any instant resumes where the last batch ended.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from adapters.ports import BillingSource, Changes
from adapters.records import content_hash, key_of
from adapters.store.state import LeaseLost
from adapters.store.store import Store
from config.logs import redact_text
from sync.plan import compare_keys, plan_snapshot, plan_upserts
from sync.streams import CUSTOMER_STREAMS, Stream
from sync.windows import as_text, from_text, window_lower

log = structlog.get_logger(__name__)

MODES = ("incremental", "full", "reconcile", "customer")


class Interrupted(Exception):
    """The process is stopping (SIGTERM, SIGINT): the run ends between two batches."""


@dataclass
class RunResult:
    stream: str
    mode: str
    outcome: str = "ok"  # ok | failed | busy | lost | interrupted
    rows_read: int = 0
    rows_written: int = 0
    rows_deleted: int = 0
    window_from: str | None = None
    window_to: str | None = None
    error: str | None = None
    seconds: float = 0.0


def default_holder() -> str:
    """host:pid:nonce, so that a lease left by a killed process on this host can be recognized."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_is_dead(holder: str) -> bool:
    """True when the holder is a process of this host that no longer exists (killed, crashed)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class Syncer:
    """Runs streams from a billing source into the store."""

    def __init__(self, source: BillingSource, store: Store, *, timezone: str = "Europe/Warsaw",
                 batch_size: int = 5000, key_batch_size: int = 50_000, holder: str | None = None,
                 observer: Callable[[str, RunResult], None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), stop: threading.Event | None = None,
                 requested_by: str | None = None, lease_wait_s: float = 0.0) -> None:
        self.source = source
        self.store = store
        self.tz = ZoneInfo(timezone)
        self.batch_size = batch_size
        self.key_batch_size = key_batch_size
        self.holder = holder or default_holder()
        self.observer = observer  # called after every committed batch (progress, tests)
        self.clock = clock  # this host's time (UTC), which bounds how late a billing commit can be
        self.stop = stop or threading.Event()  # set: finish the batch in flight, then end the run
        self.requested_by = requested_by  # recorded with each run (manual requests)
        self.lease_wait_s = lease_wait_s  # how long to wait for a stream another runner holds

    # ----- runs --------------------------------------------------------------------------------
    def run(self, streams: list[Stream], mode: str = "incremental") -> list[RunResult]:
        """Run the streams in order, then bring derived data up to date."""
        results = []
        for stream in streams:
            if self.stop.is_set():
                break
            results.append(self.run_stream(stream, mode))
        self.refresh_derived()
        changed = sum(r.rows_written + r.rows_deleted for r in results)
        if self.store.refresh_statistics(changed):
            log.info("store_statistics_refreshed", rows_changed=changed)
        return results

    def refresh_derived(self) -> None:
        meters, customers = self.store.refresh_derived(should_stop=self.stop.is_set)
        if meters or customers:
            log.info("derived_data_refreshed", meters=meters, customers=customers)

    def refresh_customer(self, number: str) -> dict[str, int]:
        """Re-read one customer's rows of every stream that has them; rows written or deleted per stream."""
        customer_id = self.source.customer_id(number)
        if customer_id is None:
            raise LookupError(f"billing has no customer number {number!r}")
        counts = {}
        for stream in CUSTOMER_STREAMS:
            if self.stop.is_set():
                break
            result = self.run_stream(stream, "customer", customer_id)
            if result.outcome != "ok":
                raise RuntimeError(f"{stream.name}: {result.outcome}" + (f" ({result.error})" if result.error else ""))
            counts[stream.name] = result.rows_written + result.rows_deleted
        self.refresh_derived()
        return counts

    def _acquire(self, stream: Stream) -> int | None:
        deadline = time.monotonic() + self.lease_wait_s
        while True:
            token = self.store.acquire_lease(stream.name, self.holder, holder_is_dead)
            if token is not None or time.monotonic() >= deadline or self.stop.wait(0.5):
                return token

    def run_stream(self, stream: Stream, mode: str, customer_id: int | None = None) -> RunResult:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        result = RunResult(stream.name, mode)
        token = self._acquire(stream)
        if token is None:
            result.outcome = "busy"
            log.info("sync_stream_busy", stream=stream.name, mode=mode)
            return result
        started = time.monotonic()
        run_id = self.store.start_run(stream.name, mode, self.holder, self.requested_by)
        structlog.contextvars.bind_contextvars(stream=stream.name, run_id=run_id)
        try:
            if mode == "customer":
                self._customer(stream, token, result, customer_id)
            else:
                self._dispatch(stream, mode, token, result)
        except LeaseLost as exc:
            result.outcome, result.error = "lost", str(exc)
        except Interrupted:
            result.outcome, result.error = "interrupted", "stopped between two batches"
        except KeyboardInterrupt:
            result.outcome, result.error = "interrupted", "interrupted by the operator"
            raise
        except Exception as exc:  # recorded in the run history; the next run resumes from the checkpoint
            if self.stop.is_set():  # a retry pause cut short, say: stopping, not failing
                result.outcome, result.error = "interrupted", redact_text(f"{type(exc).__name__}: {exc}")
            else:
                result.outcome, result.error = "failed", redact_text(f"{type(exc).__name__}: {exc}")
                log.error("sync_run_failed", mode=mode, error=result.error, exc_info=True)
        finally:
            result.seconds = time.monotonic() - started
            self.store.finish_run(run_id, outcome=result.outcome, rows_read=result.rows_read,
                                  rows_written=result.rows_written, rows_deleted=result.rows_deleted,
                                  window_from=result.window_from, window_to=result.window_to,
                                  error=result.error)
            self.store.release_lease(stream.name, token)
            # An idle run (nothing read, all well) is a DEBUG line: a daemon makes thousands a day.
            quiet = result.outcome == "ok" and not (result.rows_read or result.rows_written or result.rows_deleted)
            (log.debug if quiet else log.info)(
                "sync_run_finished", mode=mode, outcome=result.outcome, rows_read=result.rows_read,
                rows_written=result.rows_written, rows_deleted=result.rows_deleted, seconds=round(result.seconds, 3))
            structlog.contextvars.unbind_contextvars("stream", "run_id")
        return result

    def _dispatch(self, stream: Stream, mode: str, token: int, result: RunResult) -> None:
        state = self.store.load_state(stream.name)
        if mode == "reconcile":
            if stream.strategy == "scan":
                self._scan(stream, token, result, state)
            else:
                self._reconcile_keys(stream, token, result)
        elif stream.strategy == "cursor":
            if mode == "full" or "scan" in state or "cursor" not in state:
                # Rows the scan had passed when they changed carry stamps after its start:
                # a window from there brings the run up to the moment it began.
                state = self._scan(stream, token, result, state, restart=mode == "full")
            self._cursor(stream, token, result, state)
        elif mode == "full" or "scan" in state:
            self._scan(stream, token, result, state, restart=mode == "full")
        elif stream.strategy == "append":
            self._append(stream, token, result, state)
        elif stream.scan_every_run or not state:
            self._scan(stream, token, result, state)

    # ----- strategies -------------------------------------------------------------------------
    def _cursor(self, stream: Stream, token: int, result: RunResult, state: dict[str, Any]) -> None:
        window = state.get("window")
        if window is None:
            read_at = self.clock()  # before the signpost: whatever commits later, commits after this
            upper = self.source.signpost(stream.name)
            if upper is None:  # the table is empty
                return
            lower = window_lower(from_text(state["cursor"]), self.tz, _instant(state.get("read_at")))
            window = {"lower": as_text(lower), "upper": as_text(upper), "after": None,
                      "read_at": read_at.isoformat()}
        result.window_from, result.window_to = window["lower"], window["upper"]
        lower, upper = from_text(window["lower"]), from_text(window["upper"])
        while True:
            self._check_stop()
            after = window["after"]
            position = (from_text(after[0]), after[1]) if after else None
            batch = self.source.changed(stream.name, lower, upper, position, self.batch_size)
            records = [record for _, record in batch]
            changes = plan_upserts(stream.name, records, self.store.hashes(stream.name, map(key_of, records)))
            done = len(batch) < self.batch_size
            if done:
                new_state = {"cursor": window["upper"], "read_at": window.get("read_at")}
            else:
                last = batch[-1][0]
                window = {**window, "after": [as_text(last[0]), last[1]]}
                new_state = {**{k: v for k, v in state.items() if k != "window"}, "window": window}
            self._commit(stream, token, result, len(batch), [changes, *self._followed(stream, records)],
                         new_state if new_state != state else None)
            state = new_state
            if done:
                return

    def _scan(self, stream: Stream, token: int, result: RunResult, state: dict[str, Any],
              restart: bool = False) -> dict[str, Any]:
        """Every row in key order against the store's keys and hashes: full sync and reconciliation."""
        scan = None if restart else state.get("scan")
        if scan is None:
            read_at = self.clock()
            signpost = self.source.signpost(stream.name) if stream.strategy == "cursor" else None
            scan = {"after": None, "signpost": as_text(signpost), "read_at": read_at.isoformat()}
        result.window_to = scan["signpost"]
        while True:
            self._check_stop()
            records = self.source.snapshot(stream.name, scan["after"], self.batch_size)
            done = len(records) < self.batch_size
            upto = None if done else key_of(records[-1])
            changes = plan_snapshot(stream.name, records,
                                    self.store.hashes_between(stream.name, scan["after"], upto))
            if done:
                new_state = self._after_scan(stream, scan, records)
            else:
                scan = {**scan, "after": upto}
                new_state = {**{k: v for k, v in state.items() if k != "window"}, "scan": scan}
            self._commit(stream, token, result, len(records), [changes, *self._followed(stream, records)],
                         new_state)
            state = new_state
            if done:
                return state

    @staticmethod
    def _after_scan(stream: Stream, scan: dict[str, Any], last_batch: list[tuple]) -> dict[str, Any]:
        if stream.strategy == "cursor":
            # Rows committed during the scan carry stamps after its start minus the overlap.
            return {"cursor": scan["signpost"], "read_at": scan.get("read_at")}
        if stream.strategy == "append":
            last = key_of(last_batch[-1]) if last_batch else scan["after"]
            return {"after": last}
        return {"scanned": True}

    def _append(self, stream: Stream, token: int, result: RunResult, state: dict[str, Any]) -> None:
        after = state.get("after")
        while True:
            self._check_stop()
            records = self.source.snapshot(stream.name, after, self.batch_size)
            done = len(records) < self.batch_size
            changes = plan_upserts(stream.name, records, self.store.hashes(stream.name, map(key_of, records)))
            if records:
                after = key_of(records[-1])
            new_state = {"after": after}
            self._commit(stream, token, result, len(records), [changes], new_state if new_state != state else None)
            state = new_state
            if done:
                return

    def _reconcile_keys(self, stream: Stream, token: int, result: RunResult) -> None:
        """Compare keys only: delete what billing deleted, fetch what the store lacks."""
        after = None
        while True:
            self._check_stop()
            keys = self.source.keys(stream.name, after, self.key_batch_size)
            done = len(keys) < self.key_batch_size
            upto = None if done else keys[-1]
            missing, extra = compare_keys(keys, self.store.keys_between(stream.name, after, upto))
            records = self.source.by_keys(stream.name, missing) if missing else []
            changes = Changes(stream.name, records, [content_hash(r) for r in records], extra)  # all new
            self._commit(stream, token, result, len(keys), [changes, *self._followed(stream, records)], None)
            if done:
                return
            after = upto

    def _customer(self, stream: Stream, token: int, result: RunResult, customer_id: int | None) -> None:
        """One customer's rows: billing's as they are now; rows the store gives the customer and billing
        no longer has are deleted (rows that moved to another customer are rewritten, not deleted)."""
        assert customer_id is not None
        result.window_from = str(customer_id)
        keys = set(self.source.customer_keys(stream.name, customer_id))
        wanted = keys | self.store.customer_keys(stream.name, customer_id)
        records = self.source.by_keys(stream.name, sorted(wanted))
        found = {key_of(r) for r in records}
        changes = plan_upserts(stream.name, records, self.store.hashes(stream.name, found))
        changes.deletes = sorted(wanted - found)
        self._commit(stream, token, result, len(records), [changes, *self._followed(stream, records)], None)

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted

    # ----- shared steps ------------------------------------------------------------------------
    def _followed(self, stream: Stream, records: list[tuple]) -> list[Changes]:
        """Rows of another entity a batch points at, re-read from billing (a meter exchange, say)."""
        if stream.follows is None or not records:
            return []
        entity, field_name, always = stream.follows
        referenced = {getattr(r, field_name) for r in records}
        keys = always(records) | self.store.missing(entity, referenced)
        if not keys:
            return []
        rows = self.source.by_keys(entity, sorted(keys))
        return [plan_upserts(entity, rows, self.store.hashes(entity, keys))]

    def _commit(self, stream: Stream, token: int, result: RunResult, read: int, changes: list[Changes],
                new_state: dict[str, Any] | None) -> None:
        if any(changes) or new_state is not None:
            with self.store.batch(stream.name, token) as batch:
                for change in changes:
                    if change:
                        batch.apply(change)
                if new_state is not None:
                    batch.save_state(stream.name, new_state)
        result.rows_read += read
        for change in changes:
            result.rows_written += len(change.upserts)
            result.rows_deleted += len(change.deletes)
        if changes[0] or read:
            log.info("sync_batch_applied", rows_read=read, rows_written=sum(len(c.upserts) for c in changes),
                     rows_deleted=sum(len(c.deletes) for c in changes))
        if self.observer:
            self.observer(stream.name, result)


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def lag_seconds(oldest_waiting: datetime | None, now_local: datetime) -> float | None:
    """How long the oldest change not mirrored yet has waited (billing's local times)."""
    return None if oldest_waiting is None else max(0.0, (now_local - oldest_waiting).total_seconds())
