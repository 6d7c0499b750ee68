"""The two integration accounts on MariaDB and PostgreSQL have exactly the vendor's rights."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pyodbc
import pytest

from adapters.billing.odbc import connect
from adapters.standin.accounts import Account, drop_accounts
from adapters.standin.build import build_standin
from adapters.standin.schema import TABLES
from tests.conftest import AS_OF, BillingDatabase

NOT_INTERFACE = [t.name for t in TABLES if not t.interface]
INTERFACE = [t.name for t in TABLES if t.interface]
NEW_READING = ("INSERT INTO IBOK_ODCZYTY (KLUCZ, ID_WOD, DATA_ODCZYTU, STAN, DATA_ZGLOSZENIA, STATUS, DATA_MOD)"
               " VALUES (?, 1, '2026-11-20', 12.5, '2026-11-20 10:00:00', 'N', '2026-11-20 10:00:00')")


@pytest.fixture(params=["mariadb", "postgresql"])
def with_accounts(
        request: pytest.FixtureRequest, make_billing_db) -> Iterator[tuple[BillingDatabase, Account, Account]]:
    db = make_billing_db(request.param)
    suffix = uuid.uuid4().hex[:6]
    reader, writer = Account(f"r_{suffix}", "Reader-Pass.1"), Account(f"w_{suffix}", "Writer-Pass.1")
    with db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF, accounts=(reader, writer))
    yield db, reader, writer
    with db.connect() as conn:
        drop_accounts(conn, db.dialect, reader.user, writer.user)


def _refused(conn: pyodbc.Connection, sql: str, *params: object) -> bool:
    try:
        conn.cursor().execute(sql, *params)
        conn.commit()
    except pyodbc.Error:
        conn.rollback()
        return True
    return False


def _changes(table: str) -> list[str]:
    key = next(t for t in TABLES if t.name == table).pk
    return [
        f"UPDATE {table} SET {key} = {key} WHERE {key} = 1",
        f"DELETE FROM {table} WHERE {key} = 1",
        f"INSERT INTO {table} ({key}) VALUES (999999)",
    ]


def test_reader_reads_every_table_and_changes_none(with_accounts) -> None:
    db, reader, _ = with_accounts
    with connect(db.dsn_as(reader.user, reader.password)) as conn:
        for table in NOT_INTERFACE + INTERFACE:
            conn.cursor().execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        for table in NOT_INTERFACE + INTERFACE:
            for sql in _changes(table):
                assert _refused(conn, sql), sql
        assert _refused(conn, NEW_READING, str(uuid.uuid4()))
        assert _refused(conn, "CREATE TABLE EXTRA_T (A INTEGER)")
        assert _refused(conn, "DROP TABLE ODBIORCY")


def test_writer_inserts_and_reads_interface_tables_only(with_accounts) -> None:
    db, _, writer = with_accounts
    key = str(uuid.uuid4())
    with connect(db.dsn_as(writer.user, writer.password)) as conn:
        conn.cursor().execute(NEW_READING, key)
        conn.commit()
        assert conn.cursor().execute("SELECT STATUS FROM IBOK_ODCZYTY WHERE KLUCZ = ?", key).fetchone()[0] == "N"
        assert _refused(conn, NEW_READING, key), "a second row with the same KLUCZ"
        for table in INTERFACE:
            assert not _refused(conn, f"SELECT COUNT(*) FROM {table}")
            assert _refused(conn, _changes(table)[0]), f"update {table}"
            assert _refused(conn, _changes(table)[1]), f"delete {table}"
        for table in NOT_INTERFACE:
            assert _refused(conn, f"SELECT COUNT(*) FROM {table}"), f"select {table}"
            for sql in _changes(table):
                assert _refused(conn, sql), sql
        assert _refused(conn, "CREATE TABLE EXTRA_T (A INTEGER)")
