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
