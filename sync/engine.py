"""The sync engine: read a window -> plan -> apply with its checkpoint, one store transaction per batch.

Stream state (the bookmark, ``sync.state.StreamState``) is what the Singer SDK calls state: written
only in the transaction of the data it describes. A cursor stream's state is its checkpoint (the
stamp it is mirrored up to) between runs and also holds a ``window`` (lower, signpost, keyset
position) while a window is being read, or a ``scan`` while a full scan is under way, so a crash
at any instant resumes where the last batch ended.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from adapters.ports import BillingSource, Changes, Orphan, PortalStore, Position, Row
from adapters.records import INHERITED, key_of
from adapters.store.sync_state.streams import LeaseLost
from config.clock import utcnow
from config.logs import redact_text
from sync.compare import Comparison, Tally
from sync.plan import plan_snapshot, plan_upserts
from sync.state import Appended, Checkpoint, Scan, StreamState, Window
from sync.streams import CUSTOMER_STREAMS, Stream
from sync.windows import STAMP_STEP, as_text, window_lower

log = structlog.get_logger(__name__)

MODES = ("incremental", "full", "reconcile", "customer")
# How far a change stamp may lie ahead of billing's own clock before it is taken for a wrong clock.
CLOCK_TOLERANCE = timedelta(minutes=5)
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59)
SAMPLE_KEYS = 20  # keys named in a warning
MAX_ORPHAN_LINES = 100_000  # invoice lines of no invoice listed for admins (they are counted by the thousand)


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
    tally: Tally | None = None  # a reconciliation's findings
    orphans: int = 0  # rows whose parent billing lacks (after a reconciliation: all of them)
    ahead: int = 0  # rows stamped ahead of billing's clock


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

    def __init__(self, source: BillingSource, store: PortalStore, *, timezone: str = "Europe/Warsaw",
                 batch_size: int = 5000, holder: str | None = None,
                 observer: Callable[[str, RunResult], None] | None = None,
                 clock: Callable[[], datetime] = utcnow, stop: threading.Event | None = None,
                 requested_by: str | None = None, lease_wait_s: float = 0.0,
                 clock_tolerance: timedelta = CLOCK_TOLERANCE, rows_only: bool = False) -> None:
        self.source = source
        self.store = store
        self.tz = ZoneInfo(timezone)
        self.batch_size = batch_size
        self.holder = holder or default_holder()
        self.observer = observer  # called after every committed batch (progress, tests)
        self.clock = clock  # this host's time (UTC), which bounds how late a billing commit can be
        self.stop = stop or threading.Event()  # set: finish the batch in flight, then end the run
        self.requested_by = requested_by  # recorded with each run (manual requests)
        self.lease_wait_s = lease_wait_s  # how long to wait for a stream another runner holds
        self.clock_tolerance = clock_tolerance  # stamps further ahead of billing's clock are anomalies
        self.rows_only = rows_only  # reconcile by rows even where billing checksums key ranges
        self._billing_clock: tuple[datetime, float] | None = None  # billing's time, asked once a run

    # ----- runs --------------------------------------------------------------------------------
    def run(self, streams: list[Stream], mode: str = "incremental") -> list[RunResult]:
        """Run the streams in order, then bring derived data up to date."""
        self._billing_clock = None  # each run asks billing for its time anew
        results: list[RunResult] = []
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
        results = self.customer_results(number)
        for result in results:
            if result.outcome != "ok":
                raise RuntimeError(f"{result.stream}: {result.outcome}"
                                   + (f" ({result.error})" if result.error else ""))
        return {r.stream: r.rows_written + r.rows_deleted for r in results}

    def customer_results(self, number: str) -> list[RunResult]:
        """One customer's rows of every stream that has them, compared with billing's and repaired
        (a reconciliation of one customer); the first stream that fails ends it."""
        customer_id = self.source.customer_id(number)
        if customer_id is None:
            raise LookupError(f"billing has no customer number {number!r}")
        self._billing_clock = None
        results: list[RunResult] = []
        for stream in CUSTOMER_STREAMS:
            if self.stop.is_set():
                break
            results.append(self.run_stream(stream, "customer", customer_id))
            if results[-1].outcome != "ok":
                break
        self.refresh_derived()
        return results

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
            # An idle run (all well, nothing changed: at most the rows at the window's edge read again)
            # is a DEBUG line: a daemon makes thousands a day.
            quiet = result.outcome == "ok" and not (result.rows_written or result.rows_deleted) and (
                mode == "incremental" or not result.rows_read)
            (log.debug if quiet else log.info)(
                "sync_run_finished", mode=mode, outcome=result.outcome, rows_read=result.rows_read,
                rows_written=result.rows_written, rows_deleted=result.rows_deleted, seconds=round(result.seconds, 3))
            structlog.contextvars.unbind_contextvars("stream", "run_id")
        return result

    def _dispatch(self, stream: Stream, mode: str, token: int, result: RunResult) -> None:
        if mode == "reconcile":  # rows compared with billing's: the state is not read
            self._reconcile(stream, token, result)
            return
        state = StreamState.from_json(self.store.load_state(stream.name))
        if stream.strategy == "cursor":
            if mode == "full" or state.scan is not None or state.checkpoint is None:
                # Rows the scan had passed when they changed carry stamps after its start:
                # a window from there brings the run up to the moment it began.
                state = self._scan(stream, token, result, state, restart=mode == "full")
            self._cursor(stream, token, result, state)
        elif mode == "full" or state.scan is not None:
            self._scan(stream, token, result, state, restart=mode == "full")
        elif stream.strategy == "append":
            self._append(stream, token, result, state)
        elif stream.scan_every_run or state.empty:
            self._scan(stream, token, result, state)

    # ----- strategies -------------------------------------------------------------------------
    def billing_now(self) -> datetime:
        """Billing's wall-clock time: asked once a run, then counted on by this host's monotonic clock."""
        if self._billing_clock is None:
            self._billing_clock = (self.source.now_local(), time.monotonic())
        asked, at = self._billing_clock
        return asked + timedelta(seconds=time.monotonic() - at)

    def _signpost(self, stream: Stream) -> tuple[datetime | None, bool]:
        """The newest stamp visible, but never past billing's clock plus the tolerance; and whether a row
        lies past that (a stamp ahead: mirrored by ``_ahead``, never followed by the checkpoint)."""
        upper = self.source.signpost(stream.name)
        if upper is None:
            return None, False
        limit = (self.billing_now() + self.clock_tolerance).replace(microsecond=0)
        return min(upper, limit), upper > limit

    def _cursor(self, stream: Stream, token: int, result: RunResult, state: StreamState) -> None:
        window = state.window
        ahead_before = state.ahead
        if window is None:
            read_at = self.clock()  # before the signpost: whatever commits later, commits after this
            upper, ahead = self._signpost(stream)
            if upper is None:  # the table is empty
                if ahead_before:
                    self._ahead(stream, token, result, None, state)
                return
            if state.checkpoint is None:
                raise ValueError(f"{stream.name}: no checkpoint to start a window from (a full scan sets it)")
            lower = window_lower(state.checkpoint.cursor, self.tz, state.checkpoint.read_at)
            window = Window(lower, upper, read_at, ahead)
        result.window_from, result.window_to = as_text(window.lower), as_text(window.upper)
        while True:
            self._check_stop()
            batch = self.source.changed(stream.name, window.lower, window.upper, window.after, self.batch_size)
            records = [record for _, record in batch]
            changes = self._upserts(stream.name, records, batch.sums)
            done = len(batch) < self.batch_size
            if done:
                new_state = StreamState(checkpoint=Checkpoint(window.upper, window.read_at), ahead=ahead_before)
            else:
                window = replace(window, after=batch[-1][0])
                new_state = replace(state, window=window)
            self._commit(stream, token, result, len(batch), [changes, *self._followed(stream, records)],
                         new_state if new_state != state else None)
            state = new_state
            if done:
                if window.ahead or ahead_before:
                    self._ahead(stream, token, result, window.upper, state)
                return

    def _ahead(self, stream: Stream, token: int, result: RunResult, upper: datetime | None,
               state: StreamState) -> None:
        """Rows stamped after the window, past billing's clock: mirrored now, and listed as stamped ahead
        (a script run with a wrong clock), while the checkpoint stays at billing's time."""
        found: dict[int, str | None] = {}
        after: Position | None = None
        while upper is not None:
            self._check_stop()
            batch = self.source.changed(stream.name, upper + STAMP_STEP, FAR_FUTURE, after, self.batch_size)
            records = [record for _, record in batch]
            found.update((key, as_text(at)) for (at, key), _ in batch)
            changes = self._upserts(stream.name, records, batch.sums)
            self._commit(stream, token, result, len(batch), [changes, *self._followed(stream, records)], None)
            if len(batch) < self.batch_size:
                break
            after = batch[-1][0]
        with self.store.batch(stream.name, token) as store_batch:
            new = store_batch.replace_anomalies(stream.name, "ahead", found)
            store_batch.save_state(stream.name, replace(state, ahead=len(found)).to_json())
        result.ahead = len(found)
        if new:
            log.warning("sync_stamps_ahead", count=len(found), billing_now=as_text(self.billing_now()),
                        rows=[f"{k} {found[k]}" for k in sorted(new)[:SAMPLE_KEYS]])

    def _scan(self, stream: Stream, token: int, result: RunResult, state: StreamState,
              restart: bool = False) -> StreamState:
        """Every row in key order against the store's keys and hashes: full sync and reconciliation."""
        scan = None if restart else state.scan
        if scan is None:
            read_at = self.clock()
            signpost = self._signpost(stream)[0] if stream.strategy == "cursor" else None
            scan = Scan(signpost, read_at)
        result.window_to = as_text(scan.signpost)
        while True:
            self._check_stop()
            records = self.source.snapshot(stream.name, scan.after, self.batch_size)
            done = len(records) < self.batch_size
            upto = None if done else key_of(records[-1])
            changes = plan_snapshot(stream.name, records,
                                    self.store.hashes_between(stream.name, scan.after, upto), records.sums)
            if done:
                new_state = self._after_scan(stream, scan, records)
            else:
                scan = replace(scan, after=upto)
                new_state = replace(state, window=None, scan=scan)
            self._commit(stream, token, result, len(records), [changes, *self._followed(stream, records)],
                         new_state)
            state = new_state
            if done:
                return state

    @staticmethod
    def _after_scan(stream: Stream, scan: Scan, last_batch: Sequence[Row]) -> StreamState:
        if stream.strategy == "cursor":
            # Rows committed during the scan carry stamps after its start minus the overlap.
            return StreamState(checkpoint=Checkpoint(scan.signpost, scan.read_at))
        if stream.strategy == "append":
            last = key_of(last_batch[-1]) if last_batch else scan.after
            return StreamState(appended=Appended(last))
        return StreamState(scanned=True)

    def _append(self, stream: Stream, token: int, result: RunResult, state: StreamState) -> None:
        after = None if state.appended is None else state.appended.after
        while True:
            self._check_stop()
            records = self.source.snapshot(stream.name, after, self.batch_size)
            done = len(records) < self.batch_size
            changes = self._upserts(stream.name, records, records.sums)
            if records:
                after = key_of(records[-1])
            new_state = StreamState(appended=Appended(after))
            self._commit(stream, token, result, len(records), [changes], new_state if new_state != state else None)
            state = new_state
            if done:
                return

    def _reconcile(self, stream: Stream, token: int, result: RunResult) -> None:
        """Compare every row with billing by content (billing's range checksums first, where it has
        them) and repair what differs: changed and missing rows upserted, extra ones deleted, in
        batches under the lease, derived data marked; then recount the stream's orphans."""
        tally = Tally(stream.name)
        comparison = Comparison(self.source, self.store, batch_size=self.batch_size, rows_only=self.rows_only)
        renewed = time.monotonic()
        samples: dict[str, list[int | str]] = {}
        for part in comparison.parts(stream.name, tally):
            self._check_stop()
            for difference in part.differences:
                keys = samples.setdefault(difference.kind, [])
                if len(keys) < SAMPLE_KEYS:
                    keys.append(difference.key)
            if part.changes:
                self._commit(stream, token, result, 0,
                             [part.changes, *self._followed(stream, part.changes.upserts)], None)
                renewed = time.monotonic()
            elif time.monotonic() - renewed > self.store.lease_ttl.total_seconds() / 4:
                self.store.renew_lease(stream.name, token)
                renewed = time.monotonic()
        result.tally, result.rows_read = tally, tally.billing
        lines = self.source.orphan_lines(MAX_ORPHAN_LINES) if stream.name == "invoices" else []
        with self.store.batch(stream.name, token) as batch:
            result.orphans = batch.recount_orphans(stream.name)
            if stream.name == "invoices":  # lines are read with their invoice: those of none are only listed
                batch.replace_anomalies("invoice_lines", "orphan", {line: None for line, _ in lines}, "invoices",
                                        dict(lines))
        result.orphans += len(lines)
        if tally.differences:
            log.info("sync_reconcile_repaired", **{kind: keys for kind, keys in samples.items()})

    def _customer(self, stream: Stream, token: int, result: RunResult, customer_id: int | None) -> None:
        """One customer's rows: billing's as they are now; rows the store gives the customer and billing
        no longer has are deleted (rows that moved to another customer are rewritten, not deleted)."""
        assert customer_id is not None
        result.window_from = str(customer_id)
        keys = set(self.source.customer_keys(stream.name, customer_id))
        wanted = keys | self.store.customer_keys(stream.name, customer_id)
        records = self.source.by_keys(stream.name, sorted(wanted))
        found = {key_of(r) for r in records}
        stored = self.store.hashes(stream.name, wanted)
        changes = plan_upserts(stream.name, records, stored, records.sums)
        changes.deletes = sorted(wanted - found)
        result.tally = Tally(stream.name, billing=len(records), store=len(stored),
                             changed=len(changes.existing), missing=len(changes.upserts) - len(changes.existing),
                             extra=len(changes.deletes), read=len(records))
        self._commit(stream, token, result, len(records), [changes, *self._followed(stream, records)], None)

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted

    # ----- shared steps ------------------------------------------------------------------------
    def _followed(self, stream: Stream, records: list[Row]) -> list[Changes]:
        """Rows of another entity a batch points at, re-read from billing: those the store lacks, those
        ``always`` names (a meter exchange), and those whose field the batch's rows take from them differs
        from what they say (a meter moved to another point: its new readings say so first)."""
        if stream.follows is None or not records:
            return []
        entity, field_name, always = stream.follows
        referenced = {getattr(r, field_name) for r in records}
        keys = always(records)
        inherited = INHERITED.get(stream.name)
        if inherited and inherited[1] == entity:
            stored = self.store.values(entity, inherited[0], referenced)
            keys |= {getattr(r, field_name) for r in records
                     if getattr(r, field_name) in stored and stored[getattr(r, field_name)] != getattr(r, inherited[0])}
        else:
            stored = self.store.hashes(entity, referenced)
        keys |= referenced - set(stored)
        if not keys:
            return []
        rows = self.source.by_keys(entity, sorted(keys))
        return [self._upserts(entity, rows, rows.sums)]

    def _upserts(self, entity: str, records: list[Row], sums: dict[int, int]) -> Changes:
        """What of these billing rows the store lacks or holds otherwise (``plan_upserts`` on its digests)."""
        return plan_upserts(entity, records, self.store.hashes(entity, map(key_of, records)), sums)

    def _commit(self, stream: Stream, token: int, result: RunResult, read: int, changes: list[Changes],
                new_state: StreamState | None) -> None:
        orphans: list[Orphan] = []
        if any(changes) or new_state is not None:
            with self.store.batch(stream.name, token) as batch:
                for change in changes:
                    if change:
                        orphans += batch.apply(change)
                if new_state is not None:
                    batch.save_state(stream.name, new_state.to_json())
        if orphans:
            log.warning("sync_orphans_found", count=len(orphans),
                        rows=[f"{o.entity} {o.key}: no {o.parent} {o.parent_key}" for o in orphans[:SAMPLE_KEYS]])
            result.orphans += len(orphans)
        result.rows_read += read
        for change in changes:
            result.rows_written += len(change.upserts)
            result.rows_deleted += len(change.deletes)
        written, deleted = sum(len(c.upserts) for c in changes), sum(len(c.deletes) for c in changes)
        if changes[0] or read:
            (log.info if written or deleted else log.debug)(
                "sync_batch_applied", rows_read=read, rows_written=written, rows_deleted=deleted)
        if self.observer:
            self.observer(stream.name, result)


def lag_seconds(oldest_waiting: datetime | None, now_local: datetime) -> float | None:
    """How long the oldest change not mirrored yet has waited (billing's local times)."""
    return None if oldest_waiting is None else max(0.0, (now_local - oldest_waiting).total_seconds())
