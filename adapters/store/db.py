"""The store's SQLAlchemy engine: one factory, SQLite tuned for one writer and many readers."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

WRITER = "ibok_writer"  # execution option marking transactions that will write
PING_AFTER_IDLE_S = 1.0  # a pooled connection unused this long is checked before it is handed out


def writer(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that write: on SQLite they BEGIN IMMEDIATE."""
    return engine.execution_options(**{WRITER: True})


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the store URL; SQLite gets WAL, a busy timeout and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the one PostgreSQL driver we ship
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, **kwargs)
        _ping_when_idle(engine)
        return engine

    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (the pysqlite recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the lock at BEGIN, so two writers queue instead of failing to upgrade a
        # read lock; readers begin deferred and never wait for a writer (WAL).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITER) else "BEGIN")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle a while (a server restarted or a
    firewall dropped it meanwhile): SQLAlchemy's ``pool_pre_ping`` pessimism, minus the round trip
    on every checkout of a busy pool, where each page would pay it. A dead connection is replaced
    before the page sees it; one that dies in the second after its last use fails that one request,
    and SQLAlchemy then renews the whole pool."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _still_there(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not getattr(dbapi_conn, "autocommit", True):
                dbapi_conn.rollback()  # end the transaction the ping began (the driver's, not ours)
        except Exception as error:
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error
