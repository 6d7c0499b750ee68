"""How fresh the mirror is, for people and for monitoring: freshness per stream, Prometheus metrics, a health check.

Freshness is read from the store (the last good run of each stream, whichever daemon ran it),
so every daemon of a failover pair answers the same. The HTTP server listens on a local port:
``/metrics`` in Prometheus' text format, ``/health`` as JSON, 200 when every stream is fresh
and billing answers, 503 otherwise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adapters.ports import PortalStore
from config.clock import utcnow
from sync.engine import RunResult
from sync.gate import BillingGate


@dataclass(frozen=True)
class Freshness:
    stream: str
    last_good_at: datetime | None  # UTC end of the stream's last good run
    age_s: float | None  # seconds since then; None: never synced
    limit_s: int
    stale: bool


def freshness(last_good: Mapping[str, datetime | None], limits: Mapping[str, int], now: datetime) -> list[Freshness]:
    """Each stream's age against its limit; a stream never synced is stale."""
    rows = []
    for stream, limit in limits.items():
        at = last_good.get(stream)
        age = None if at is None else max(0.0, (now - at).total_seconds())
        rows.append(Freshness(stream, at, age, limit, age is None or age > limit))
    return rows


class Metrics(Collector):
    """The daemon's metrics in their own registry (no process-global state)."""

    def __init__(self, store: PortalStore, limits: Mapping[str, int], gate: BillingGate) -> None:
        self.store, self.limits, self.gate = store, dict(limits), gate
        self.registry = CollectorRegistry()
        self.rows = Counter("ibok_sync_rows", "Rows read, written and deleted by sync runs of this daemon.",
                            ["stream", "kind"], registry=self.registry)
        self.runs = Counter("ibok_sync_runs", "Sync runs of this daemon by outcome (ok, failed, busy, ...).",
                            ["stream", "outcome"], registry=self.registry)
        self.seconds = Histogram("ibok_sync_run_seconds", "Duration of sync runs of this daemon.", ["stream"],
                                 buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 7200), registry=self.registry)
        self.registry.register(self)

    def observe(self, result: RunResult) -> None:
        self.runs.labels(result.stream, result.outcome).inc()
        if result.outcome == "busy":
            return
        self.seconds.labels(result.stream).observe(result.seconds)
        for kind, count in (("read", result.rows_read), ("written", result.rows_written),
                            ("deleted", result.rows_deleted)):
            self.rows.labels(result.stream, kind).inc(count)

    def freshness(self) -> list[Freshness]:
        return freshness(self.store.last_good_runs(list(self.limits)), self.limits, utcnow())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Read at every scrape: freshness from the store, billing from the gate."""
        age = GaugeMetricFamily("ibok_sync_lag_seconds", "Seconds since the stream's last good run ended "
                                "(any daemon); -1 if it never ran.", labels=["stream"])
        stale = GaugeMetricFamily("ibok_sync_stale", "1 when the stream is staler than its limit.", labels=["stream"])
        for row in self.freshness():
            age.add_metric([row.stream], -1.0 if row.age_s is None else row.age_s)
            stale.add_metric([row.stream], 1.0 if row.stale else 0.0)
        yield age
        yield stale
        yield GaugeMetricFamily("ibok_billing_up", "1 when this daemon can reach the billing database.",
                                value=1.0 if self.gate.is_open else 0.0)
        dirty_customers, dirty_meters = self.store.dirty_counts()
        queue = GaugeMetricFamily("ibok_outbox_submissions", "Customer submissions in the outbox by state "
                                  "(pending, sent, dead, cancelled).", labels=["state"])
        for state, count in self.store.outbox_counts().items():
            queue.add_metric([state], float(count))
        yield queue
        anomalies = GaugeMetricFamily("ibok_sync_anomalies", "Mirrored rows billing holds against its own rules: "
                                      "orphan (no parent in billing), ahead (stamped past billing's clock).",
                                      labels=["stream", "kind"])
        for (stream, kind), (count, _first) in sorted(self.store.anomaly_counts().items()):
            anomalies.add_metric([stream, kind], float(count))
        yield anomalies
        yield GaugeMetricFamily("ibok_derived_pending", "Customers and meters whose derived data waits for a "
                                "refresh.", value=float(dirty_customers + dirty_meters))

    def health(self) -> tuple[bool, dict[str, Any]]:
        rows = self.freshness()
        stale = [r.stream for r in rows if r.stale]
        healthy = not stale and self.gate.is_open
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "billing": "up" if self.gate.is_open else f"unreachable: {self.gate.last_error}",
            "stale": stale,
            "streams": {r.stream: {"age_s": None if r.age_s is None else round(r.age_s, 1), "limit_s": r.limit_s}
                        for r in rows},
        }


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # scrapes every few seconds are not worth a log line each


@dataclass
class Server:
    httpd: WSGIServer
    thread: threading.Thread

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def app(metrics: Metrics) -> Any:
    prometheus = make_wsgi_app(metrics.registry)

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/health":
            try:
                healthy, body = metrics.health()
            except Exception as exc:  # noqa: BLE001 - the store is down: that is unhealthy, not a crash
                healthy, body = False, {"status": "unhealthy", "store": f"unreachable: {type(exc).__name__}"}
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        return prometheus(environ, start_response)

    return dispatch


def serve(host: str, port: int, metrics: Metrics) -> Server:
    httpd = make_server(host, port, app(metrics), server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, name="metrics", daemon=True)
    thread.start()
    return Server(httpd, thread)
