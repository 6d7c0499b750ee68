"""The ODBC connection factory: statement timeouts that each server really enforces."""

from __future__ import annotations

import time

import pyodbc
import pytest

from adapters.billing.odbc import connect, driver_of, with_client_timeouts
from adapters.billing.retry import is_transient

SLOW = {"mariadb": "SELECT SLEEP(3)", "postgresql": "SELECT pg_sleep(3)"}


@pytest.mark.parametrize("dialect", ["mariadb", "postgresql"])
def test_a_statement_running_past_the_query_timeout_is_stopped_and_retryable(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    with connect(db.dsn, query_timeout_s=1, autocommit=True) as conn:
        started = time.monotonic()
        with pytest.raises(pyodbc.Error) as stopped:
            conn.cursor().execute(SLOW[dialect]).fetchall()
        assert time.monotonic() - started < 2.5
    assert is_transient(stopped.value)


def test_a_mariadb_dsn_with_another_character_set_is_refused_with_the_advice(make_billing_db) -> None:
    db = make_billing_db("mariadb")
    with pytest.raises(ValueError, match="character set is cp1250: give the DSN CHARSET=utf8mb4"):
        connect(f"{db.dsn};CHARSET=cp1250")
    with connect(f"{db.dsn};CHARSET=utf8mb4", autocommit=True) as conn:
        text = "Zażółć gęślą jaźń. " * 20  # 380 characters: past the 128 where the default garbles
        assert conn.cursor().execute("SELECT CAST(? AS CHAR(1000) CHARACTER SET cp1250)", text).fetchone()[0] == text


def test_mariadb_connections_get_client_side_timeouts_unless_the_dsn_sets_its_own() -> None:
    maria = "Driver=MariaDB Unicode;Server=db;UID=u"
    assert with_client_timeouts(maria, driver_of(maria), 10, 120) == (
        maria + ";CONN_TIMEOUT=10;READ_TIMEOUT=125;WRITE_TIMEOUT=125")
    assert with_client_timeouts(maria + ";read_timeout=7;", "MariaDB Unicode", 10, 120) == (
        maria + ";read_timeout=7;CONN_TIMEOUT=10;WRITE_TIMEOUT=125")
    assert with_client_timeouts(maria, "MariaDB Unicode", 10, 0) == maria + ";CONN_TIMEOUT=10"  # no limit asked
    for other in ("Driver={PostgreSQL Unicode};Server=db", "Driver=SQLite3;Database=x.db"):
        assert with_client_timeouts(other, driver_of(other), 10, 120) == other
    assert with_client_timeouts("DSN=nowhere", driver_of("DSN=nowhere"), 10, 120) == "DSN=nowhere"

