"""Shared fixtures: throwaway billing databases (through ODBC) and portal stores (through SQLAlchemy),
and the suite's three lanes.

Lanes: every test is marked ``unit``, ``integration`` or ``browser``. A test is ``browser`` when it
serves the portal for Chromium (the ``live`` fixture), ``integration`` when it reaches a database (a billing database
or a store, even through another fixture), ``unit`` otherwise; a marker written on the test decides instead. A unit
test that opens a database anyway fails, naming the rule. ``scripts/test --fast`` runs the unit lane.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import psycopg
import pyodbc
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from adapters.billing.odbc import connect
from config.logs import configure_logging, reset_logging

# The test servers' admin accounts; scripts/test creates them and exports these variables.
MARIADB_ADMIN = os.environ.get(
    "IBOK_TEST_MARIADB_ODBC", "Driver=MariaDB Unicode;Server=127.0.0.1;Port=3306;UID=ibok_test;PWD=ibok_test")
POSTGRES_ADMIN = os.environ.get(
    "IBOK_TEST_POSTGRES_ODBC", "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=5432;UID=ibok_test;PWD=ibok_test")

AS_OF = date(2026, 11, 21)
LANES = ("unit", "integration", "browser")
# Fixtures that reach a database or a browser: a test using one, even through another fixture, is
# not a unit test.
_INTEGRATION_FIXTURES = {"billing_db", "make_billing_db", "store_url", "make_store_url", "own_mariadb"}
_BROWSER_FIXTURES = {"live"}  # the portal served on a port, for Chromium to visit
T = TypeVar("T")
DIALECTS = ("sqlite", "mariadb", "postgresql")


@dataclass(frozen=True)
class BillingDatabase:
    """A fresh, empty database and the admin connection string that reaches it."""

    dialect: str
    dsn: str
    name: str

    def connect(self) -> pyodbc.Connection:
        return connect(self.dsn)

    def dsn_as(self, user: str, password: str) -> str:
        """The same database reached with another account."""
        parts = [p for p in self.dsn.split(";") if p and p.split("=")[0].upper() not in ("UID", "PWD")]
        return ";".join(parts + [f"UID={user}", f"PWD={password}"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(lane) for lane in LANES):
            continue
        used = set(getattr(item, "fixturenames", ()))
        lane = "browser" if used & _BROWSER_FIXTURES else "integration" if used & _INTEGRATION_FIXTURES else "unit"
        item.add_marker(lane)


@pytest.fixture(autouse=True)
def _unit_tests_open_no_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit lane's promise, kept: no connection to any database (SQLite files included)."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a unit test opened a database: use a database fixture, or mark it integration")

    for module in (pyodbc, sqlite3, sqlite3.dbapi2, psycopg):
        monkeypatch.setattr(module, "connect", refused)


def _server_database(dialect: str, admin: str) -> Iterator[BillingDatabase]:
    name = f"ibok_t_{uuid.uuid4().hex[:10]}"
    with connect(admin, autocommit=True) as conn:
        conn.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield BillingDatabase(dialect, f"{admin};Database={name}", name)
    finally:
        with connect(admin, autocommit=True) as conn:
            if dialect == "postgresql":  # a connection a test left open would block the drop
                conn.cursor().execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", name).fetchall()
            conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(params=DIALECTS)
def billing_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BillingDatabase]:
    """An empty billing database on each of the three products in turn."""
    yield from _make_database(request.param, tmp_path)


def _make_database(dialect: str, tmp_path: Path) -> Iterator[BillingDatabase]:
    if dialect == "sqlite":
        path = tmp_path / "billing.sqlite"
        yield BillingDatabase("sqlite", f"Driver=SQLite3;Database={path};Timeout=10000", str(path))
    elif dialect == "mariadb":
        yield from _server_database("mariadb", MARIADB_ADMIN)
    else:
        yield from _server_database("postgresql", POSTGRES_ADMIN)


def _factory(make_one: Callable[[str, Path], Iterator[T]], tmp_path_factory: pytest.TempPathFactory,
             ) -> Iterator[Callable[[str], T]]:
    """A fixture's factory of extra resources of a given kind, all torn down after the test."""
    opened: list[Iterator[T]] = []

    def make(kind: str) -> T:
        gen = make_one(kind, tmp_path_factory.mktemp(kind))
        opened.append(gen)
        return next(gen)

    yield make
    for gen in opened:
        for _ in gen:
            pass


@pytest.fixture
def make_billing_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], BillingDatabase]]:
    """Factory for extra empty databases of a given dialect within one test."""
    yield from _factory(_make_database, tmp_path_factory)


# ----- the portal store (SQLAlchemy URLs) ---------------------------------------------------------
STORE_KINDS = ("sqlite", "postgresql")
POSTGRES_ADMIN_URL = os.environ.get(
    "IBOK_TEST_POSTGRES_URL", "postgresql+psycopg://ibok_test:ibok_test@127.0.0.1:5432/postgres")


def _postgres_admin() -> psycopg.Connection:
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")  # libpq's own URL form
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _make_store_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    name = f"ibok_s_{uuid.uuid4().hex[:10]}"
    with _postgres_admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _postgres_admin() as conn:  # a connection a test left open would block the drop
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty store on SQLite and on PostgreSQL in turn."""
    yield from _make_store_url(request.param, tmp_path)


@pytest.fixture
def make_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Factory for extra empty store URLs of a given kind within one test."""
    yield from _factory(_make_store_url, tmp_path_factory)


# ----- log lines ------------------------------------------------------------------------------------------
@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The JSON log lines written meanwhile, as production writes them."""
    buffer = io.StringIO()
    configure_logging("INFO", "json", buffer)
    yield buffer
    reset_logging()


def log_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]
