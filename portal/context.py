"""What every view reaches: the store (one read connection per request), the settings, and billing's
calendar day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine

from config.settings import Settings


def engine() -> Engine:
    return current_app.extensions["ibok"].engine


def settings() -> Settings:
    return current_app.extensions["ibok"].settings


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in billing's time zone (the day a reading is dated, a payment is overdue)."""
    return now().astimezone(ZoneInfo(settings().billing.timezone)).date()


@contextmanager
def reading() -> Iterator[Connection]:
    """The request's one read connection to the store (opened at first use, closed with the request):
    a page's few reads cost one pool checkout, not one each."""
    conn = g.get("_ibok_reads")
    if conn is None:
        conn = g._ibok_reads = engine().connect()
    yield conn


def install(app: Flask) -> None:
    @app.teardown_appcontext
    def close_reads(_exc: BaseException | None) -> None:
        conn = g.pop("_ibok_reads", None)
        if conn is not None:
            conn.close()
