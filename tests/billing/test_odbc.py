"""The ODBC connection factory: statement timeouts that each server really enforces."""

from __future__ import annotations

import time

import pyodbc
import pytest

from adapters.billing.odbc import connect
from adapters.billing.retry import is_transient

SLOW = {"mariadb": "SELECT SLEEP(3)", "postgresql": "SELECT pg_sleep(3)"}


@pytest.mark.parametrize("dialect", ["mariadb", "postgresql"])
def test_a_statement_running_past_the_query_timeout_is_stopped_and_retryable(make_billing_db, dialect: str) -> None:  # noqa: ANN001
    db = make_billing_db(dialect)
    with connect(db.dsn, query_timeout_s=1, autocommit=True) as conn:
        started = time.monotonic()
        with pytest.raises(pyodbc.Error) as stopped:
            conn.cursor().execute(SLOW[dialect]).fetchall()
        assert time.monotonic() - started < 2.5
    assert is_transient(stopped.value)


def test_a_mariadb_dsn_with_another_character_set_is_refused_with_the_advice(make_billing_db) -> None:  # noqa: ANN001
    db = make_billing_db("mariadb")
    with pytest.raises(ValueError, match="character set is cp1250: give the DSN CHARSET=utf8mb4"):
        connect(f"{db.dsn};CHARSET=cp1250")
    with connect(f"{db.dsn};CHARSET=utf8mb4", autocommit=True) as conn:
        text = "Zażółć gęślą jaźń. " * 20  # 380 characters: past the 128 where the default garbles
        assert conn.cursor().execute("SELECT CAST(? AS CHAR(1000) CHARACTER SET cp1250)", text).fetchone()[0] == text
