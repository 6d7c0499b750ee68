"""The billing database's two integration accounts: read-only, and the IBOK_* interface writer."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyodbc

from adapters.billing.odbc import Dialect
from adapters.standin.schema import TABLES

# Account DDL cannot take bound parameters, so names and passwords are checked instead.
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")


@dataclass(frozen=True)
class Account:
    user: str
    password: str

    def __post_init__(self) -> None:
        if not _SAFE.match(self.user) or not _SAFE.match(self.password):
            raise ValueError("account names and passwords may hold only letters, digits and _ . -")


def current_database(conn: pyodbc.Connection, dialect: Dialect) -> str:
    sql = "SELECT DATABASE()" if dialect == "mariadb" else "SELECT current_database()"
    return str(conn.cursor().execute(sql).fetchone()[0])


def create_accounts(conn: pyodbc.Connection, dialect: Dialect, reader: Account, writer: Account) -> None:
    """(Re)create both accounts with exactly the rights the vendor gives them."""
    if dialect == "sqlite":
        raise ValueError("SQLite has no accounts")
    db = current_database(conn, dialect)
    interface = [t.name for t in TABLES if t.interface]
    cur = conn.cursor()
    if dialect == "mariadb":
        for acc in (reader, writer):
            cur.execute(f"DROP USER IF EXISTS '{acc.user}'@'%'")
            cur.execute(f"CREATE USER '{acc.user}'@'%' IDENTIFIED BY '{acc.password}'")
        cur.execute(f"GRANT SELECT ON `{db}`.* TO '{reader.user}'@'%'")
        for name in interface:
            cur.execute(f"GRANT SELECT, INSERT ON `{db}`.{name} TO '{writer.user}'@'%'")
    else:
        for acc in (reader, writer):
            exists = cur.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", acc.user).fetchone()
            verb = "ALTER" if exists else "CREATE"
            cur.execute(f'{verb} ROLE "{acc.user}" LOGIN PASSWORD \'{acc.password}\'')
            cur.execute(f'GRANT CONNECT ON DATABASE "{db}" TO "{acc.user}"')
            cur.execute(f'GRANT USAGE ON SCHEMA public TO "{acc.user}"')
        cur.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{reader.user}"')
        for name in interface:
            cur.execute(f'GRANT SELECT, INSERT ON {name} TO "{writer.user}"')
    conn.commit()


def drop_accounts(conn: pyodbc.Connection, dialect: Dialect, *users: str) -> None:
    cur = conn.cursor()
    for user in users:
        if not _SAFE.match(user):
            raise ValueError(f"unsafe account name {user!r}")
        if dialect == "mariadb":
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        elif dialect == "postgresql":
            if cur.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", user).fetchone():
                cur.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{user}"')
                cur.execute(f'REVOKE ALL ON SCHEMA public FROM "{user}"')
                db = current_database(conn, dialect)
                cur.execute(f'REVOKE ALL ON DATABASE "{db}" FROM "{user}"')
                cur.execute(f'DROP ROLE "{user}"')
    conn.commit()
