"""ODBC connections to the billing database: one factory, timeouts, dialect detection."""

from __future__ import annotations

from typing import Literal

import pyodbc

Dialect = Literal["sqlite", "mariadb", "postgresql"]

_DBMS_NAMES: dict[str, Dialect] = {
    "sqlite": "sqlite",
    "mariadb": "mariadb",
    "mysql": "mariadb",
    "postgresql": "postgresql",
}


def normalize_connection_string(dsn: str) -> str:
    """Return an ODBC connection string; a bare DSN name becomes ``DSN=name``."""
    dsn = dsn.strip()
    if not dsn:
        raise ValueError("empty ODBC connection string")
    return dsn if "=" in dsn else f"DSN={dsn}"



def connect(
    conn_str: str,
    *,
    login_timeout_s: int = 10,
    query_timeout_s: int = 0,
    autocommit: bool = False,
) -> pyodbc.Connection:
    """Open a pyodbc connection with a login timeout and a per-statement timeout."""
    conn = pyodbc.connect(
        normalize_connection_string(conn_str),
        autocommit=autocommit,
        timeout=login_timeout_s,
    )
    if query_timeout_s:
        set_query_timeout(conn, query_timeout_s)
    return conn


def close_quietly(conn: pyodbc.Connection | None) -> None:
    """Close a connection that may be broken already (which is often why it is being closed)."""
    if conn is not None:
        try:
            conn.close()
        except pyodbc.Error:
            pass


def set_query_timeout(conn: pyodbc.Connection, seconds: int) -> None:
    """Bound every statement's run time, the way each server honours it.

    MariaDB Connector/ODBC accepts the ODBC attribute but ignores it and psqlODBC rejects it, so
    those two are asked server-side; SQLite's driver ignores it too (it has no server to ask).
    """
    dialect = dialect_of(conn)
    if dialect == "mariadb":
        conn.cursor().execute(f"SET SESSION max_statement_time = {int(seconds)}")
    elif dialect == "postgresql":
        conn.cursor().execute(f"SET statement_timeout = {int(seconds) * 1000}")
    else:
        conn.timeout = seconds


def dialect_of(conn: pyodbc.Connection) -> Dialect:
    """Which of the supported database products this connection talks to."""
    name = str(conn.getinfo(pyodbc.SQL_DBMS_NAME)).strip().lower()
    for prefix, dialect in _DBMS_NAMES.items():
        if name.startswith(prefix):
            return dialect
    raise ValueError(f"unsupported billing database product: {name!r}")
