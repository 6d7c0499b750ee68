"""Shared fixtures: throwaway billing databases on SQLite, MariaDB and PostgreSQL, through ODBC."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyodbc
import pytest

from adapters.billing.odbc import connect

# The test servers' admin accounts; scripts/test creates them and exports these variables.
MARIADB_ADMIN = os.environ.get(
    "IBOK_TEST_MARIADB_ODBC", "Driver=MariaDB Unicode;Server=127.0.0.1;Port=3306;UID=ibok_test;PWD=ibok_test")
POSTGRES_ADMIN = os.environ.get(
    "IBOK_TEST_POSTGRES_ODBC", "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=5432;UID=ibok_test;PWD=ibok_test")

AS_OF = date(2026, 11, 21)
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


@pytest.fixture
def make_billing_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Factory for extra empty databases of a given dialect within one test."""
    opened: list[Iterator[BillingDatabase]] = []

    def make(dialect: str) -> BillingDatabase:
        gen = _make_database(dialect, tmp_path_factory.mktemp(dialect))
        opened.append(gen)
        return next(gen)

    yield make
    for gen in opened:
        for _ in gen:
            pass
