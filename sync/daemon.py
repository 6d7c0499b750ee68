"""`ibok daemon`: the scheduler process that keeps the mirror fresh, unattended.

APScheduler runs the jobs of ``sync.schedule`` in a small thread pool: each stream on its own
interval, the nightly reconciliation, manual requests, a billing probe with heartbeat, and the
pruning of old history. Every job is coalesced, runs one instance at a time and has a misfire
grace time. Several daemons may share one store: the stream leases decide who runs what.

The outbox relay runs in a thread of its own every ``outbox.every_s`` seconds, so a customer's
submission never waits behind a long sync run; while billing is unreachable it waits too.

Billing is asked a real query every ``daemon.probe_every_s`` seconds, on a connection of its own
and under ``daemon.probe_timeout_s`` (``adapters.billing.probe``): a server that stopped answering
without dropping its connections closes the gate with one log line, and /health says so.

SIGTERM or SIGINT sets one stop event: runs stop between batches (the batch in flight commits
or rolls back whole), leases are released, requests in progress go back to the queue, exit 0.
A job that does not end within ``daemon.shutdown_grace_s`` (one held by a frozen billing) is
named in a log line and left behind: the process exits anyway, as after a kill, which loses
nothing (its leases and claims are taken over, its batch in flight rolls back).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from adapters.billing.interface import InterfaceWriter
from adapters.billing.probe import BillingProbe
from adapters.billing.source import OdbcBillingSource
from adapters.mail.smtp import SmtpSender
from adapters.store.logins import audit, web_sessions
from adapters.store.mirror import averages
from adapters.store.store import Store
from adapters.store.sync_state import daemons, requests
from adapters.store.sync_state import streams as state
from config.clock import utcnow
from config.logs import redact_text
from config.settings import Settings
from sync import health, mailer, schedule
from sync.engine import RunResult, Syncer, default_holder
from sync.gate import BillingGate
from sync.notify import job as notify_job
from sync.relay import Relay
from sync.streams import BY_NAME, STREAMS, Stream, select_streams

log = structlog.get_logger(__name__)

HEARTBEAT_S = 10.0  # how often a daemon tells the store it is alive


class Daemon:
    """One daemon process: its scheduler, its billing gate, and per-thread billing connections."""

    def __init__(self, settings: Settings, *, holder: str | None = None,
                 source_factory: Callable[[threading.Event], OdbcBillingSource] | None = None) -> None:
        self.settings = settings
        self.config = settings.daemon
        self.holder = holder or default_holder()
        self.stop = threading.Event()
        self.gate = BillingGate(max_wait_s=self.config.probe_max_wait_s)
        self.store = Store.from_settings(settings)
        self.tz = ZoneInfo(settings.billing.timezone)
        self.intervals = schedule.intervals(self.config.intervals)
        self.metrics = health.Metrics(self.store, {
            name: schedule.stale_limit(every, self.config.stale_after_s) for name, every in self.intervals.items()},
            self.gate)
        self._make_source = source_factory or (lambda stop: OdbcBillingSource.from_settings(settings, stop=stop))
        self._local = threading.local()
        self._sources: list[OdbcBillingSource] = []
        self._sources_lock = threading.Lock()
        self._runs = itertools.count(1)
        self._last_heartbeat = 0.0
        self._server: health.Server | None = None
        self._interface: InterfaceWriter | None = None  # used by the relay's one thread only
        self._notify_off_said = False
        self._prober: BillingProbe | None = None
        self._next_check = 0.0  # when the open gate's next probe is due (monotonic)
        self._running: dict[str, float] = {}  # job id -> monotonic start, of jobs running now
        self._running_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            # Requests, the probe, the heartbeat and the relay never wait behind a long stream run.
            executors={"default": ThreadPoolExecutor(self.config.workers), "control": ThreadPoolExecutor(2),
                       "relay": ThreadPoolExecutor(1), "mail": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.config.misfire_grace_s},
            timezone=self.tz)
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)

    # ----- life cycle --------------------------------------------------------------------------
    def serve_forever(self) -> int:
        """Run until SIGTERM or SIGINT; 0 after a clean stop."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.start()
        while not self.stop.wait(1.0):
            pass
        if not self.shutdown():
            # Jobs held by billing past the grace: exit as a kill would (nothing is lost), without
            # the interpreter's wait for their threads.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        return 0

    def start(self) -> None:
        if self.config.metrics_port:  # first: a port in use stops the start before anything is recorded
            self._server = health.serve(self.config.metrics_host, self.config.metrics_port, self.metrics)
        with self.store.writer.begin() as conn:
            daemons.started(conn, self.holder)
        now = utcnow().astimezone(self.tz)
        for spec in schedule.jobs(self.config, self.settings.outbox.every_s, self.settings.mail.every_s,
                                  self.settings.mail.notify_every_s):
            trigger: Any
            if spec.daily_at is not None:
                trigger = CronTrigger(hour=spec.daily_at.hour, minute=spec.daily_at.minute, timezone=self.tz)
                first = None  # at its time, not at start
            else:
                trigger = IntervalTrigger(seconds=spec.every_s, timezone=self.tz)
                first = now  # streams start at once: a restarted daemon catches up first
            executor = {"requests": "control", "billing_probe": "control", "outbox": "relay",
                        "mail": "mail", "notify": "mail"}.get(spec.kind, "default")
            self.scheduler.add_job(self._job(spec), trigger, id=spec.id, name=spec.id, next_run_time=first,
                                   executor=executor)
        self.scheduler.start()
        log.info("daemon_started", holder=self.holder, jobs=len(self.scheduler.get_jobs()),
                 metrics=f"http://{self.config.metrics_host}:{self.config.metrics_port}/metrics"
                 if self.config.metrics_port else None)

    def shutdown(self) -> bool:
        """Stop the jobs and clean up; False when some job did not end within the grace period
        (it is left to its thread: the caller exits the process without waiting for it)."""
        self.stop.set()
        started = time.monotonic()
        self.scheduler.shutdown(wait=False)  # running jobs see the stop event between batches
        left = self._wait_for_jobs(started + self.config.shutdown_grace_s)
        with self.store.writer.begin() as conn:
            put_back = requests.release_unfinished(conn, self.holder)
            daemons.stopped(conn, self.holder)
        if self._server is not None:
            self._server.close()
        if not left:  # a job still running holds its connection: closing it would wait for the job
            with self._sources_lock:
                for source in self._sources:
                    source.close()
            if self._interface is not None:
                self._interface.close()
            if self._prober is not None:
                self._prober.close()
            self.store.dispose()
        log.info("daemon_stopped", holder=self.holder, seconds=round(time.monotonic() - started, 3),
                 requests_put_back=put_back, **({"jobs_left_running": left} if left else {}))
        return not left

    def _wait_for_jobs(self, deadline: float) -> list[str]:
        """Wait until no job runs or the deadline passes; one line says what it waits for, and why."""
        said = False
        while True:
            with self._running_lock:
                running = sorted(self._running)
            if not running or time.monotonic() >= deadline:
                break
            if not said and time.monotonic() - (deadline - self.config.shutdown_grace_s) >= 1.0:
                log.warning("daemon_stop_waiting", jobs=running, grace_s=self.config.shutdown_grace_s,
                            billing="up" if self.gate.is_open else f"unreachable: {self.gate.last_error}")
                said = True
            time.sleep(0.1)
        if running:
            log.error("daemon_stop_forced", jobs=running, grace_s=self.config.shutdown_grace_s,
                      billing="up" if self.gate.is_open else f"unreachable: {self.gate.last_error}")
        return running

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self.stop.is_set():
            log.info("daemon_stopping", signal=signal.Signals(signum).name)
        self.stop.set()

    @property
    def prober(self) -> BillingProbe:
        """The probe's own billing connection, made when first needed."""
        if self._prober is None:
            self._prober = BillingProbe(self.settings.billing_connection_string(),
                                        timeout_s=self.config.probe_timeout_s,
                                        login_timeout_s=self.settings.billing.connect_timeout_s)
        return self._prober

    # ----- jobs --------------------------------------------------------------------------------
    def _job(self, spec: schedule.JobSpec) -> Callable[[], None]:
        work: Callable[[], Any]
        if spec.kind == "stream":
            stream = spec.stream
            if stream is None:
                raise ValueError(f"job {spec.id} names no stream")
            work = lambda: self.run_streams([BY_NAME[stream]], "incremental")  # noqa: E731
        else:
            work = {"reconcile": lambda: self.run_streams(list(STREAMS), "reconcile"),
                    "requests": self.take_requests, "billing_probe": self.probe, "prune": self.prune,
                    "outbox": self.relay, "mail": self.send_mail, "notify": self.notify,
                    "tariff_averages": self.tariff_averages}[spec.kind]

        def tracked() -> None:  # so that a stop knows which jobs it waits for
            with self._running_lock:
                self._running[spec.id] = time.monotonic()
            try:
                work()
            finally:
                with self._running_lock:
                    self._running.pop(spec.id, None)
        return tracked

    def notify(self) -> None:
        """Queue customers' notifications from the store (billing may be down); the mail job sends them."""
        if self.stop.is_set():
            return
        secret = self.settings.portal.secret_key
        if secret is None:  # it signs the unsubscribe links: without it no optional e-mail may go out
            if not self._notify_off_said:
                log.warning("notifications_off", reason="portal.secret_key is not set")
                self._notify_off_said = True
            return
        notify_job.run(self.store.engine, secret=secret, tz=self.settings.billing.timezone,
                       due_days=self.settings.mail.due_days)

    def send_mail(self) -> None:
        """Send the e-mails due (they wait in the store while the SMTP server is down)."""
        if self.stop.is_set():
            return
        mailer.send_due(self.store.engine, SmtpSender.from_settings(self.settings),
                        base_url=self.settings.portal.base_url, max_attempts=self.settings.mail.max_attempts,
                        stop=self.stop)

    def relay(self) -> None:
        """Deliver the submissions due now; if billing does not answer, close the gate (they wait)."""
        if self.stop.is_set() or not self.gate.is_open:
            return
        if self._interface is None:
            self._interface = InterfaceWriter.from_settings(self.settings)
        report = Relay.from_settings(self.settings, self._interface, self.store.engine, stop=self.stop,
                                     holder=f"{self.holder}.relay").run()
        if report.unreachable:
            self._check_billing()

    def run_streams(self, streams: list[Stream], mode: str, requested_by: str | None = None,
                    lease_wait_s: float = 0.0) -> list[RunResult]:
        if self.stop.is_set() or not self.gate.is_open:
            return []  # billing is down: the probe reopens the gate, and the streams grow stale meanwhile
        results = self.syncer(requested_by=requested_by, lease_wait_s=lease_wait_s).run(streams, mode)
        for result in results:
            self.metrics.observe(result)
        if any(r.outcome == "failed" for r in results):
            self._check_billing()
        return results

    def syncer(self, *, requested_by: str | None = None, lease_wait_s: float = 0.0) -> Syncer:
        # A holder per run: two jobs of this daemon must not both take one stream's lease.
        return Syncer(self.source(), self.store, timezone=self.settings.billing.timezone,
                      batch_size=self.settings.sync.batch_size, holder=f"{self.holder}.{next(self._runs)}",
                      stop=self.stop, requested_by=requested_by, lease_wait_s=lease_wait_s,
                      clock_tolerance=timedelta(seconds=self.settings.sync.clock_tolerance_s))

    def source(self) -> OdbcBillingSource:
        """This worker thread's billing connection (pyodbc connections are not shared between threads)."""
        source = getattr(self._local, "source", None)
        if source is None:
            source = self._local.source = self._make_source(self.stop)
            with self._sources_lock:
                self._sources.append(source)
        return source

    def _check_billing(self) -> None:
        """After a failed run: is billing itself unreachable? Then close the gate (one log line)."""
        try:
            self.prober.check()
        except Exception as exc:  # noqa: BLE001 - any failure to answer SELECT 1 in time means unreachable
            self._close_gate(_first_line(exc))

    def _close_gate(self, error: str) -> None:
        if self.gate.close(time.monotonic(), error):
            log.error("billing_unreachable", error=error, next_try_s=self.gate.first_wait_s)
            self._heartbeat(force=True)

    def probe(self) -> None:
        """Every second: heartbeat now and then; while billing answers, a real query every
        ``probe_every_s`` (a frozen server closes the gate); while it is down, one attempt when due."""
        now = time.monotonic()
        if self.gate.is_open and now >= self._next_check and not self.stop.is_set():
            self._next_check = now + self.config.probe_every_s
            self._check_billing()
        elif self.gate.probe_due(now):
            try:
                self.prober.check()
            except Exception as exc:  # noqa: BLE001
                error = _first_line(exc)
                wait = self.gate.probe_failed(now, error)
                log.warning("billing_still_unreachable", attempt=self.gate.attempts, error=error,
                            next_try_s=round(wait, 1))
            else:
                lasted = self.gate.opened(now)
                log.info("billing_reachable_again", outage_s=round(lasted, 1))
                self._catch_up()
                self._heartbeat(force=True)
        self._heartbeat()

    def _catch_up(self) -> None:
        soon = utcnow().astimezone(self.tz)
        for job_id in ["outbox", *(f"stream:{stream.name}" for stream in STREAMS)]:
            job = self.scheduler.get_job(job_id)
            if job is not None:
                job.modify(next_run_time=soon)

    def _heartbeat(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_heartbeat < HEARTBEAT_S:
            return
        self._last_heartbeat = now
        down = None
        if self.gate.down_since is not None:
            down = utcnow() - timedelta(seconds=now - self.gate.down_since)
        with self.store.writer.begin() as conn:
            daemons.heartbeat(conn, self.holder, down, self.gate.last_error)

    def take_requests(self) -> None:
        """Run waiting manual requests, oldest first, until none waits or the daemon stops."""
        while not self.stop.is_set() and self.gate.is_open:
            with self.store.writer.begin() as conn:
                requests.release_abandoned(conn, timedelta(seconds=self.settings.sync.lease_s))
                request = requests.take(conn, self.holder)
            if request is None:
                return
            self.run_request(request)

    def run_request(self, request: dict[str, Any]) -> None:
        who = request["requested_by"]
        log.info("sync_request_started", request_id=request["id"], mode=request["mode"], requested_by=who,
                 streams=request["streams"] or "all", customer=request["customer_number"])
        try:
            if request["mode"] == "customer":
                counts = self.syncer(requested_by=who).refresh_customer(request["customer_number"])
                outcome, detail = "ok", ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "no changes"
            else:
                streams = select_streams(request["streams"].split())
                results = self.run_streams(streams, request["mode"], requested_by=who,
                                           lease_wait_s=self.settings.sync.lease_s)
                bad = [r for r in results if r.outcome != "ok"]
                if self.stop.is_set() and (bad or len(results) < len(streams)):
                    outcome = "interrupted"
                elif not results:
                    outcome = "failed"
                else:
                    outcome = "failed" if bad else "ok"
                detail = "; ".join(f"{r.stream}: {r.outcome}" + (f" ({r.error})" if r.error else "")
                                   for r in bad) or (f"{len(results)} stream(s) ok" if results
                                                     else "billing unreachable")
        except Exception as exc:
            outcome, detail = "failed", redact_text(f"{type(exc).__name__}: {exc}")
            log.error("sync_request_failed", request_id=request["id"], error=detail, exc_info=True)
        with self.store.writer.begin() as conn:
            if outcome == "interrupted":
                requests.release_unfinished(conn, self.holder)  # another daemon, or this one restarted, runs it
            else:
                requests.finish(conn, request["id"], outcome, detail)
        log.info("sync_request_finished", request_id=request["id"], outcome=outcome, detail=detail)

    def prune(self) -> None:
        now = utcnow()
        before = now - timedelta(days=self.config.history_days)
        with self.store.writer.begin() as conn:
            runs = state.prune_runs(conn, before)
            done = requests.prune(conn, before)
            gone = daemons.prune(conn, before)
            ended = web_sessions.prune(conn, now, now - timedelta(seconds=self.settings.portal.session_idle_s),
                                       now - timedelta(seconds=self.settings.admin.session_idle_s))
            audited = audit.prune(conn, self.settings.admin.audit_keep_days, now)
        log.info("history_pruned", before=before.isoformat(), runs=runs, requests=done, daemons=gone,
                 portal_sessions=ended, audit_entries=audited)

    def tariff_averages(self) -> None:
        """Recompute the average household of each tariff per month (the store only: billing may be down)."""
        with self.store.writer.begin() as conn:
            rows = averages.refresh(conn)
        log.info("tariff_averages_refreshed", rows=rows)

    def _job_failed(self, event: JobExecutionEvent) -> None:
        log.error("daemon_job_failed", job=event.job_id, error=redact_text(repr(event.exception)),
                  exc_info=(type(event.exception), event.exception, event.exception.__traceback__))


def _first_line(exc: BaseException) -> str:
    """An error as one log-friendly line, passwords masked."""
    text = str(exc)
    return redact_text(text.splitlines()[0] if text else type(exc).__name__)
