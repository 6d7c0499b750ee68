"""Transient billing-database errors, provoked for real on each driver, and the retry policy around them."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import pyodbc
import pytest

from adapters.billing.odbc import connect
from adapters.billing.retry import is_transient, retrying, sqlstate
from tests.conftest import BillingDatabase, log_lines

SERVERS = ("mariadb", "postgresql")
SERVER_ID = {"mariadb": "SELECT CONNECTION_ID()", "postgresql": "SELECT pg_backend_pid()"}
KILL = {"mariadb": "KILL ?", "postgresql": "SELECT pg_terminate_backend(?)"}
SLEEP_3_S = {"mariadb": "SELECT SLEEP(3)", "postgresql": "SELECT pg_sleep(3)"}
LOCK_WAIT_1_S = {"mariadb": "SET SESSION innodb_lock_wait_timeout = 1", "postgresql": "SET lock_timeout = 1000"}
LOCK_WAIT_5_S = {"mariadb": "SET SESSION innodb_lock_wait_timeout = 5", "postgresql": "SET lock_timeout = 5000"}
IDLE_TIMEOUT_1_S = {"mariadb": "SET SESSION wait_timeout = 1", "postgresql": "SET idle_session_timeout = 1000"}


def with_option(dsn: str, key: str, value: str) -> str:
    """The connection string with one option set, replacing any earlier value."""
    parts = [p for p in dsn.split(";") if p and p.split("=")[0].strip().upper() != key.upper()]
    return ";".join([*parts, f"{key}={value}"])


def error_from(action: Callable[[], object]) -> pyodbc.Error:
    with pytest.raises(pyodbc.Error) as raised:
        action()
    return raised.value


def two_rows(db: BillingDatabase) -> None:
    with closing(connect(db.dsn, autocommit=True)) as conn:
        conn.cursor().execute("CREATE TABLE lock_probe (id INT PRIMARY KEY, v INT NOT NULL)")
        conn.cursor().execute("INSERT INTO lock_probe (id, v) VALUES (1, 0), (2, 0)")


# --- connection lost or never made ------------------------------------------------------------


@pytest.mark.parametrize("dialect", SERVERS)
def test_killed_server_connection_is_transient_and_stays_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    with closing(connect(db.dsn, autocommit=True)) as victim, closing(connect(db.dsn, autocommit=True)) as admin:
        server_id = victim.cursor().execute(SERVER_ID[dialect]).fetchval()
        admin.cursor().execute(KILL[dialect], server_id)
        time.sleep(0.2)  # let the server finish closing the socket
        first = error_from(lambda: victim.cursor().execute("SELECT 1").fetchall())
        second = error_from(lambda: victim.cursor().execute("SELECT 1").fetchall())
    assert is_transient(first), first
    assert is_transient(second), second


@pytest.mark.parametrize("dialect", SERVERS)
def test_connection_killed_during_a_query_is_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    with closing(connect(db.dsn, autocommit=True)) as victim, closing(connect(db.dsn, autocommit=True)) as admin:
        server_id = victim.cursor().execute(SERVER_ID[dialect]).fetchval()
        killer = threading.Timer(0.5, lambda: admin.cursor().execute(KILL[dialect], server_id))
        killer.start()
        error = error_from(lambda: victim.cursor().execute(SLEEP_3_S[dialect]).fetchall())
        killer.join()
    assert is_transient(error), error


@pytest.mark.parametrize("dialect", SERVERS)
def test_connection_closed_by_the_servers_idle_timeout_is_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    with closing(connect(db.dsn, autocommit=True)) as conn:
        conn.cursor().execute(IDLE_TIMEOUT_1_S[dialect])
        time.sleep(2.5)
        error = error_from(lambda: conn.cursor().execute("SELECT 1").fetchall())
    assert is_transient(error), error


@pytest.mark.parametrize("dialect", SERVERS)
def test_server_that_refuses_the_connection_is_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    nothing_listens = with_option(db.dsn, "Port", "1")
    error = error_from(lambda: connect(nothing_listens, login_timeout_s=3))
    assert is_transient(error), error


def test_closed_connection_is_transient_because_a_reconnect_fixes_it(make_billing_db) -> None:
    db = make_billing_db("sqlite")
    conn = connect(db.dsn)
    cursor = conn.cursor()
    conn.close()
    from_connection = error_from(conn.cursor)
    from_cursor = error_from(lambda: cursor.execute("SELECT 1"))
    assert sqlstate(from_connection) is None
    assert is_transient(from_connection), from_connection
    assert is_transient(from_cursor), from_cursor


# --- timeouts, lock waits, deadlocks -----------------------------------------------------------


def test_postgresql_query_timeout_is_transient(make_billing_db) -> None:
    db = make_billing_db("postgresql")
    with closing(connect(db.dsn, autocommit=True, query_timeout_s=1)) as conn:
        error = error_from(lambda: conn.cursor().execute(SLEEP_3_S["postgresql"]).fetchall())
    assert is_transient(error), error


def test_mariadb_max_statement_time_is_transient(make_billing_db) -> None:
    # Connector/ODBC 3.1 ignores the ODBC query timeout; max_statement_time is the server's own bound.
    db = make_billing_db("mariadb")
    with closing(connect(db.dsn, autocommit=True)) as conn:
        conn.cursor().execute("SET SESSION max_statement_time = 1")
        error = error_from(lambda: conn.cursor().execute(SLEEP_3_S["mariadb"]).fetchall())
    assert is_transient(error), error


@pytest.mark.parametrize("dialect", SERVERS)
def test_lock_wait_timeout_is_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    two_rows(db)
    with closing(connect(db.dsn)) as holder, closing(connect(db.dsn)) as waiter:
        holder.cursor().execute("UPDATE lock_probe SET v = 1 WHERE id = 1")
        waiter.cursor().execute(LOCK_WAIT_1_S[dialect])
        error = error_from(lambda: waiter.cursor().execute("UPDATE lock_probe SET v = 2 WHERE id = 1"))
        waiter.rollback()
        holder.rollback()
    assert is_transient(error), error


@pytest.mark.parametrize("dialect", SERVERS)
def test_deadlock_victim_error_is_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    two_rows(db)
    both_hold_one_row = threading.Barrier(2)
    errors: list[BaseException] = []

    def lock_in_order(conn: pyodbc.Connection, first: int, second: int) -> None:
        try:
            cursor = conn.cursor()
            cursor.execute(LOCK_WAIT_5_S[dialect])
            cursor.execute("UPDATE lock_probe SET v = v + 1 WHERE id = ?", first)
            both_hold_one_row.wait(5)
            cursor.execute("UPDATE lock_probe SET v = v + 1 WHERE id = ?", second)
            conn.commit()
        except BaseException as exc:  # noqa: BLE001 - the thread's error is the test's evidence
            errors.append(exc)
            conn.rollback()

    with closing(connect(db.dsn)) as a, closing(connect(db.dsn)) as b:
        threads = [threading.Thread(target=lock_in_order, args=(a, 1, 2)),
                   threading.Thread(target=lock_in_order, args=(b, 2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    (victim,) = errors
    assert is_transient(victim), victim


def test_postgresql_serialization_failure_is_transient(make_billing_db) -> None:
    db = make_billing_db("postgresql")
    two_rows(db)
    with closing(connect(db.dsn)) as reader, closing(connect(db.dsn)) as writer:
        reader.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        reader.cursor().execute("SELECT v FROM lock_probe").fetchall()
        writer.cursor().execute("UPDATE lock_probe SET v = 1 WHERE id = 1")
        writer.commit()
        error = error_from(lambda: reader.cursor().execute("UPDATE lock_probe SET v = 2 WHERE id = 1"))
        reader.rollback()
    assert is_transient(error), error


def test_locked_sqlite_database_is_transient(make_billing_db) -> None:
    db = make_billing_db("sqlite")
    with closing(connect(db.dsn)) as holder, closing(connect(with_option(db.dsn, "Timeout", "100"))) as writer:
        holder.cursor().execute("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY)")
        holder.commit()
        holder.cursor().execute("INSERT INTO lock_probe (id) VALUES (1)")  # uncommitted: holds the write lock
        error = error_from(lambda: writer.cursor().execute("INSERT INTO lock_probe (id) VALUES (2)"))
        writer.rollback()
        holder.rollback()
    assert is_transient(error), error


# --- errors a retry cannot fix -----------------------------------------------------------------


def test_syntax_error_is_not_transient(billing_db: BillingDatabase) -> None:
    with closing(billing_db.connect()) as conn:
        error = error_from(lambda: conn.cursor().execute("SELEC 1"))
    assert not is_transient(error), error


def test_missing_table_is_not_transient(billing_db: BillingDatabase) -> None:
    with closing(billing_db.connect()) as conn:
        error = error_from(lambda: conn.cursor().execute("SELECT id FROM no_such_table").fetchall())
    assert not is_transient(error), error


def test_unique_key_violation_is_not_transient(billing_db: BillingDatabase) -> None:
    with closing(billing_db.connect()) as conn:
        conn.cursor().execute("CREATE TABLE unique_probe (id INT PRIMARY KEY)")
        conn.cursor().execute("INSERT INTO unique_probe (id) VALUES (1)")
        error = error_from(lambda: conn.cursor().execute("INSERT INTO unique_probe (id) VALUES (1)"))
        conn.rollback()
    assert not is_transient(error), error


@contextmanager
def select_only_user(db: BillingDatabase) -> Iterator[str]:
    """A throwaway account that may read lock_probe and nothing more; yields its connection string."""
    user, password = f"ibok_ro_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with closing(connect(db.dsn, autocommit=True)) as admin:
        cursor = admin.cursor()
        # Account DDL takes no bound parameters; both values are generated right here.
        if db.dialect == "mariadb":
            cursor.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
            cursor.execute(f"GRANT SELECT ON {db.name}.lock_probe TO '{user}'@'127.0.0.1'")
        else:
            cursor.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
            cursor.execute(f"GRANT SELECT ON lock_probe TO {user}")
        try:
            yield db.dsn_as(user, password)
        finally:
            if db.dialect == "mariadb":
                cursor.execute(f"DROP USER '{user}'@'127.0.0.1'")
            else:
                cursor.execute(f"DROP OWNED BY {user}")
                cursor.execute(f"DROP ROLE {user}")


@pytest.mark.parametrize("dialect", SERVERS)
def test_permission_denied_is_not_transient(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    two_rows(db)
    with select_only_user(db) as dsn, closing(connect(dsn)) as conn:
        assert conn.cursor().execute("SELECT COUNT(*) FROM lock_probe").fetchval() == 2
        error = error_from(lambda: conn.cursor().execute("UPDATE lock_probe SET v = 1 WHERE id = 1"))
        conn.rollback()
    assert not is_transient(error), error


def test_mariadb_rejecting_a_character_outside_cp1250_is_not_transient(make_billing_db) -> None:
    db = make_billing_db("mariadb")
    with closing(connect(db.dsn, autocommit=True)) as conn:
        conn.cursor().execute("CREATE TABLE cp1250_probe (x VARCHAR(10)) CHARACTER SET cp1250")
        error = error_from(lambda: conn.cursor().execute("INSERT INTO cp1250_probe (x) VALUES (?)", "\U0001F600"))
    assert sqlstate(error) == "22007"
    assert not is_transient(error), error


def test_mariadb_query_killed_by_an_operator_is_not_transient(make_billing_db) -> None:
    # KILL QUERY is a person stopping the work on purpose; running it again would defy them.
    db = make_billing_db("mariadb")
    with closing(connect(db.dsn, autocommit=True)) as conn, closing(connect(db.dsn, autocommit=True)) as admin:
        server_id = conn.cursor().execute(SERVER_ID["mariadb"]).fetchval()
        killer = threading.Timer(0.5, lambda: admin.cursor().execute("KILL QUERY ?", server_id))
        killer.start()
        error = error_from(lambda: conn.cursor().execute(SLEEP_3_S["mariadb"]).fetchall())
        killer.join()
    assert not is_transient(error), error


def test_errors_that_are_not_from_the_driver_are_not_transient() -> None:
    assert not is_transient(TimeoutError("08S01"))
    assert not is_transient(ValueError("database is locked"))
    assert sqlstate(ValueError("08S01", "msg")) is None


# Messages seen from the drivers here, plus the ones they document for cases hard to provoke on demand
# (MariaDB's 2006 "gone away", libpq's texts under psqlODBC); the last ones guard against over-matching.
RECORDED = [
    ("HY000", "[HY000] [ma-3.1.15][10.11.19-MariaDB]MySQL server has gone away (2006) (SQLExecDirectW)", True),
    ("HY000", "[HY000] [ma-3.1.15][10.11.19-MariaDB]Write error: Connection reset by peer (104) (5014) "
              "(SQLExecDirectW)", True),
    ("HY000", "[HY000] [ma-3.1.15]Can't connect to server on '127.0.0.1' (115) (2002) (SQLDriverConnect)", True),
    ("HY000", "[HY000] [ma-3.1.15][10.11.19-MariaDB]Lock wait timeout exceeded; try restarting transaction (1205) "
              "(SQLExecDirectW)", True),
    ("HY018", "[HY018] [ma-3.1.15][10.11.19-MariaDB]Query execution was interrupted (max_statement_time exceeded) "
              "(1969) (SQLExecDirectW)", True),
    ("HY018", "[HY018] [ma-3.1.15][10.11.19-MariaDB]Query execution was interrupted (1317) (SQLExecDirectW)", False),
    ("HY000", "[HY000] [ma-3.1.15][10.11.19-MariaDB]Unknown thread id: 2006 (1094) (SQLExecDirectW)", False),
    ("HY000", "[HY000] server closed the connection unexpectedly;\nNo response from the backend (35) "
              "(SQLExecDirectW)", True),
    ("HY000", "[HY000] no connection to the server\n (101) (SQLDriverConnect)", True),
    ("HY000", "[HY000] [SQLite]database is locked (5) (5) (SQLExecDirectW)", True),
    ("HY000", "[HY000] [SQLite]UNIQUE constraint failed: t.id (19) (19) (SQLExecDirectW)", False),
    ("HY000", "[HY000] [SQLite]near \"SELEC\": syntax error (1) (1) (SQLExecDirectW)", False),
    ("23505", "[23505] ERROR: duplicate key value violates unique constraint \"u_pkey\"\nDETAIL: Key (id)=(2006) "
              "already exists.;\nError while executing the query (1) (SQLExecDirectW)", False),
]


@pytest.mark.parametrize(("state", "message", "transient"), RECORDED)
def test_recorded_driver_messages_are_classified_by_sqlstate_then_driver_hints(
        state: str, message: str, transient: bool) -> None:
    error = pyodbc.Error(state, message)
    assert sqlstate(error) == state
    assert is_transient(error) is transient


# --- the retry policy --------------------------------------------------------------------------


class Work:
    """A unit of work that raises the given errors in turn, then returns result; counts its calls."""

    def __init__(self, errors: list[BaseException], result: object = "done") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


LOST = pyodbc.OperationalError("08S01", "[08S01] Lost connection to server during query (2013) (SQLExecDirectW)")


def test_retrying_retries_a_transient_error_up_to_attempts_then_reraises_it() -> None:
    work = Work([LOST] * 5)
    with pytest.raises(pyodbc.OperationalError) as raised:
        retrying(attempts=3, max_wait_s=0.001)(work)
    assert raised.value is LOST
    assert work.calls == 3


def test_retrying_returns_the_result_once_a_try_succeeds() -> None:
    work = Work([LOST, LOST], result=42)
    assert retrying(attempts=3, max_wait_s=0.001)(work) == 42
    assert work.calls == 3


def test_retrying_does_not_retry_an_error_that_is_not_transient() -> None:
    syntax = pyodbc.ProgrammingError("42000", "[42000] You have an error in your SQL syntax (1064) (SQLExecDirectW)")
    work = Work([syntax])
    with pytest.raises(pyodbc.ProgrammingError) as raised:
        retrying(attempts=5, max_wait_s=0.001)(work)
    assert raised.value is syntax
    assert work.calls == 1


def test_retrying_logs_one_redacted_warning_per_retry(json_log: io.StringIO) -> None:
    leaky = pyodbc.OperationalError(
        "08001", "[08001] cannot connect with PWD=hunter2;UID=ibok (2003) (SQLDriverConnect)")
    work = Work([leaky, LOST])
    retrying(attempts=3, max_wait_s=0.001)(work)
    # Read from the JSON lines as production writes them (structlog's capture_logs misses cached loggers).
    logs = [e for e in log_lines(json_log) if e["event"] == "billing_retry"]
    assert [(e["event"], e["level"], e["attempt"], e["sqlstate"]) for e in logs] == [
        ("billing_retry", "warning", 1, "08001"),
        ("billing_retry", "warning", 2, "08S01"),
    ]
    assert "hunter2" not in logs[0]["error"]
    assert "cannot connect" in logs[0]["error"]
    assert all(0 <= e["wait_s"] <= 0.001 for e in logs)


def test_retrying_calls_on_retry_before_each_new_try() -> None:
    seen: list[int] = []
    work = Work([LOST, LOST, LOST])
    with pytest.raises(pyodbc.OperationalError):
        retrying(attempts=3, max_wait_s=0.001, on_retry=lambda state: seen.append(state.attempt_number))(work)
    assert seen == [1, 2]
