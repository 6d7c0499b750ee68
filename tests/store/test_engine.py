"""The store engine's pool: a connection that died while idle in the pool is replaced before use;
one used a moment ago is handed out without a ping (a busy portal would pay a round trip per page),
so its death fails one request, and the pool is renewed for the next."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.store import db
from adapters.store.db import create_store_engine

pytestmark = pytest.mark.integration


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(make_store_url: Callable[[str], str], pid: int) -> None:
    other = create_store_engine(make_store_url("postgresql"))
    try:
        with other.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one() is True
    finally:
        other.dispose()


def test_a_connection_killed_while_idle_is_replaced_before_a_page_uses_it(
        make_store_url: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_store_engine(make_store_url("postgresql"), pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        _kill(make_store_url, first)
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had waited in the pool a while
        assert _backend_pid(engine) != first  # no error: found dead at checkout, and replaced
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged_so_its_death_fails_one_request_only(
        make_store_url: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_store_engine(make_store_url("postgresql"), pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        _kill(make_store_url, first)
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # used "a moment ago": handed out unchecked
        with pytest.raises(DBAPIError) as failed:
            _backend_pid(engine)
        assert failed.value.connection_invalidated
        assert _backend_pid(engine) != first  # the next request gets a new connection
    finally:
        engine.dispose()


def test_a_ping_leaves_no_transaction_open(make_store_url: Callable[[str], str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every checkout pings
    engine = create_store_engine(make_store_url("postgresql"), pool_size=1, max_overflow=0)
    try:
        _backend_pid(engine)
        with engine.connect() as conn:  # AUTOCOMMIT can only be set outside a transaction
            reads = conn.execution_options(isolation_level="AUTOCOMMIT")
            assert reads.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
