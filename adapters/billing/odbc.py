"""ODBC connections to the billing database: one factory, timeouts, dialect detection."""

from __future__ import annotations

from typing import Literal

import pyodbc

Dialect = Literal["sqlite", "mariadb", "postgresql"]

UTF8_CHARSETS = ("utf8mb4", "utf8mb3", "utf8")

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



# How far past the server's own statement limit the client gives up waiting for an answer: the
# server's clean "statement timed out" comes first while it runs; the client's limit is for a
# server that stopped answering at all (a frozen process, a host gone silent).
CLIENT_MARGIN_S = 5


def with_client_timeouts(conn_str: str, driver: str | None, login_timeout_s: int, query_timeout_s: int) -> str:
    """The connection string with the driver's own client-side timeouts added, unless it sets them.

    Only MariaDB Connector/ODBC has them (CONN_TIMEOUT for the connect, READ_TIMEOUT and
    WRITE_TIMEOUT for every packet): it ignores ODBC's login timeout, and without them a frozen
    server holds a connect or a statement for as long as it stays frozen. ``driver`` is the
    driver's name (from the string's Driver= or the DSN's entry), None when it is not known.
    """
    if driver is None or not any(name in driver.lower() for name in ("mariadb", "mysql", "maodbc")):
        return conn_str
    present = {part.split("=", 1)[0].strip().upper() for part in conn_str.split(";") if "=" in part}
    wanted = {"CONN_TIMEOUT": login_timeout_s}
    if query_timeout_s:
        wanted |= {"READ_TIMEOUT": query_timeout_s + CLIENT_MARGIN_S,
                   "WRITE_TIMEOUT": query_timeout_s + CLIENT_MARGIN_S}
    extra = [f"{key}={value}" for key, value in wanted.items() if key not in present]
    return ";".join([conn_str.rstrip(";"), *extra]) if extra else conn_str


def with_busy_timeout(conn_str: str, driver: str | None, busy_timeout_ms: int) -> str:
    """The connection string with SQLite's busy timeout (``Timeout=``, in milliseconds) unless it sets one.

    SQLite allows one writer at a time: a connection that finds the database locked waits up to this
    long for the lock (the SQLite ODBC driver's default is 100 s, waited twice) before it answers
    "database is locked". Other drivers are left as they are.
    """
    if driver is None or "sqlite" not in driver.lower():
        return conn_str
    present = {part.split("=", 1)[0].strip().upper() for part in conn_str.split(";") if "=" in part}
    return conn_str if "TIMEOUT" in present else f"{conn_str.rstrip(';')};Timeout={int(busy_timeout_ms)}"


def driver_of(conn_str: str) -> str | None:
    """The ODBC driver a connection string names: its Driver=, or the driver of its DSN= entry."""
    parts = {k.strip().upper(): v.strip().strip("{}") for k, _, v in
             (part.partition("=") for part in conn_str.split(";")) if v}
    if "DRIVER" in parts:
        return parts["DRIVER"]
    if "DSN" in parts:
        driver: str | None = pyodbc.dataSources().get(parts["DSN"])  # DSN name -> driver name
        return driver
    return None


def connect(
    conn_str: str,
    *,
    login_timeout_s: int = 10,
    query_timeout_s: int = 0,
    autocommit: bool = False,
) -> pyodbc.Connection:
    """Open a pyodbc connection with a login timeout and a per-statement timeout, both kept by the
    server where it can and by the client where the driver can (see ``with_client_timeouts``)."""
    conn_str = normalize_connection_string(conn_str)
    conn = pyodbc.connect(
        with_client_timeouts(conn_str, driver_of(conn_str), login_timeout_s, query_timeout_s),
        autocommit=autocommit,
        timeout=login_timeout_s,
    )
    try:
        configure_text(conn, dialect_of(conn))
    except ValueError:
        conn.close()
        raise
    if query_timeout_s:
        set_query_timeout(conn, query_timeout_s)
    return conn


def configure_text(conn: pyodbc.Connection, dialect: Dialect) -> None:
    """Make text cross the driver exactly, both ways, at any length.

    MariaDB Connector/ODBC 3.1 takes pyodbc's default UTF-16 parameters badly: a text of exactly
    128 characters fails (HY001, SQLPutData), one of 129 or more is stored as mojibake, and some
    cp1250 letters (Ú ˘ ˙ ˛) are lost when read. Narrow UTF-8 both ways, on a utf8mb4 session,
    round-trip every length and every letter; the server converts to the tables' cp1250 (and
    refuses what cp1250 cannot hold). The driver's session must be UTF-8 (its default, or the
    DSN's CHARSET): a DSN set to another character set is refused with that advice, as text
    would be garbled otherwise. psqlODBC and the SQLite driver are exact as they are.
    """
    if dialect != "mariadb":
        return
    charset = conn.cursor().execute("SELECT @@character_set_client").fetchone()[0]
    if charset not in UTF8_CHARSETS:
        raise ValueError(f"the MariaDB connection's character set is {charset}: give the DSN CHARSET=utf8mb4")
    conn.setencoding(encoding="utf-8")
    conn.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
    conn.setdecoding(pyodbc.SQL_WCHAR, encoding="utf-8")


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
