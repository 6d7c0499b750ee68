"""What every view reaches: the store (one read connection per request), the settings, and billing's
calendar day."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine

from adapters.store.pages import freshness
from adapters.store.unit_of_work import UnitOfWork
from config import clock
from config.settings import Settings

T = TypeVar("T")
SHARED_MAX = 512  # values kept by per_process in each process
FRESHNESS_TTL_S = 10.0  # how long a process reuses "data as of …": the same for every customer


def engine() -> Engine:
    return current_app.extensions["ibok"].engine


def unit_of_work() -> UnitOfWork:
    """A unit of work on the store, for the one use case a request runs (views never open a transaction)."""
    return UnitOfWork(engine())


def settings() -> Settings:
    return current_app.extensions["ibok"].settings


def now() -> datetime:
    return clock.utcnow()


def today() -> date:
    """Today in billing's time zone (the day a reading is dated, a payment is overdue)."""
    return clock.today(settings().billing.timezone)


@contextmanager
def reading() -> Iterator[Connection]:
    """The request's one read connection to the store (opened at first use, closed with the request):
    a page's few reads cost one pool checkout, not one each. Reads only: a change goes through a use
    case, in the unit of work it is given (``unit_of_work()``)."""
    conn = g.get("_ibok_reads")
    if conn is None:
        conn = engine().connect()
        if conn.dialect.name == "postgresql":
            # Each statement reads its own snapshot under READ COMMITTED anyway: without a transaction
            # around them a page saves the BEGIN and the ROLLBACK, two round trips.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        g._ibok_reads = conn
    yield conn


def per_process(key: Hashable, ttl_s: float, load: Callable[[Connection], T]) -> T:
    """A value every customer shares (``load`` read with the request's connection), read at most once
    every ``ttl_s`` by each process and kept on the app's ``Portal`` under ``key``."""
    shared = current_app.extensions["ibok"].shared
    cached = shared.get(key)
    if cached is None or time.monotonic() - cached[0] >= ttl_s:
        if len(shared) >= SHARED_MAX:  # keys that carry a period (tariff averages) are many: start afresh
            shared.clear()
        with reading() as conn:
            cached = shared[key] = (time.monotonic(), load(conn))
    return cached[1]


def forget(key: Hashable) -> None:
    """The next ``per_process`` of ``key`` reads it again (this process has just changed it)."""
    current_app.extensions["ibok"].shared.pop(key, None)


def fresh_at() -> datetime | None:
    """When the customer-facing mirror was last complete (``freshness.fresh_at``), read at most once
    every FRESHNESS_TTL_S by each process."""
    return per_process("fresh", FRESHNESS_TTL_S, freshness.fresh_at)


def install(app: Flask) -> None:
    @app.teardown_appcontext
    def close_reads(_exc: BaseException | None) -> None:
        conn = g.pop("_ibok_reads", None)
        if conn is not None:
            conn.close()
