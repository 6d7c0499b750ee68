"""Create the stand-in billing database: schema, generated data, indexes, accounts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pyodbc

from adapters.billing.odbc import Dialect, dialect_of
from adapters.standin import ddl
from adapters.standin.accounts import Account, create_accounts
from adapters.standin.generator import generate
from adapters.standin.loader import BulkWriter
from adapters.standin.schema import TABLES

MARIADB_SESSION_MODE = "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"


class StandinExists(Exception):
    """The target database already holds billing tables and replacing was not asked for."""


@dataclass
class BuildReport:
    dialect: Dialect
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def prepare_session(conn: pyodbc.Connection, dialect: Dialect) -> None:
    """Session settings billing's own clients use (MariaDB: zero dates allowed)."""
    if dialect == "mariadb":
        conn.cursor().execute(MARIADB_SESSION_MODE)


_CATALOG = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "mariadb": "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    "postgresql": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
}


def existing_tables(conn: pyodbc.Connection, dialect: Dialect) -> list[str]:
    """The schema's tables already present in the connection's own database."""
    present = {str(row[0]).upper() for row in conn.cursor().execute(_CATALOG[dialect]).fetchall()}
    return [t.name for t in TABLES if t.name in present]


def build_standin(
    conn: pyodbc.Connection,
    *,
    size: str,
    seed: int,
    as_of: date,
    replace: bool = False,
    accounts: tuple[Account, Account] | None = None,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> BuildReport:
    """Build the whole stand-in in the database behind ``conn`` (an admin connection)."""
    started = time.monotonic()
    dialect = dialect_of(conn)
    prepare_session(conn, dialect)
    present = existing_tables(conn, dialect)
    if present and not replace:
        raise StandinExists(", ".join(present))
    cur = conn.cursor()
    if dialect == "sqlite":  # readers (the sync) and the office's writers must not block each other
        conn.autocommit = True
        cur.execute("PRAGMA journal_mode=WAL")
        conn.autocommit = False
    for table in reversed(TABLES):
        if table.name in present:
            cur.execute(ddl.drop_table(table))
    for table in TABLES:
        cur.execute(ddl.create_table(table, dialect))
    conn.commit()
    writer = BulkWriter(conn, dialect, on_commit=progress)
    counts = writer.load(generate(size, seed, as_of))
    for table in TABLES:
        for statement in ddl.create_indexes(table):
            cur.execute(statement)
    conn.commit()
    if accounts and dialect != "sqlite":
        create_accounts(conn, dialect, *accounts)
    report = BuildReport(dialect, {t.name: counts.get(t.name, 0) for t in TABLES})
    report.seconds = time.monotonic() - started
    return report
