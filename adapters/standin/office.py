"""The billing office's own writes: sequences, readings, settlements, as the billing application does them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import pyodbc

from adapters.billing import quirks
from adapters.billing.odbc import (
    Dialect,
    close_quietly,
    connect,
    dialect_of,
    driver_of,
    normalize_connection_string,
    with_busy_timeout,
)
from adapters.standin.build import prepare_session
from adapters.standin.clock import warsaw_now
from adapters.standin.ddl import ident
from adapters.standin.loader import db_value
from adapters.standin.schema import BY_NAME
from adapters.standin.settlement import Invoice, Payment, settle

Clock = Callable[[], datetime]
T = TypeVar("T")
# How long a clerk waits for SQLite's write lock (held by the relay, a script, another clerk) before the
# statement answers "database is locked" and the office's unit of work is retried (simulator.py).
BUSY_TIMEOUT_MS = 5000


def not_null(value: T | None) -> T:
    """A normalized value of a NOT NULL column (the quirks functions give None only for NULL or a zero date)."""
    assert value is not None
    return value


class Office:
    """A billing-application session: one working connection, one for sequences, one clock."""

    def __init__(self, conn_str: str, clock: Clock = warsaw_now) -> None:
        normalized = normalize_connection_string(conn_str)
        self.conn_str = with_busy_timeout(normalized, driver_of(normalized), BUSY_TIMEOUT_MS)
        self.clock = clock
        self._open()

    def _open(self) -> None:
        self.conn = connect(self.conn_str)
        self.dialect: Dialect = dialect_of(self.conn)
        prepare_session(self.conn, self.dialect)
        # Sequences are not transactional in billing: on server databases they get their own
        # connection, so an open long transaction never holds them (hence IDs out of commit order).
        self.seq_conn = self.conn if self.dialect == "sqlite" else connect(self.conn_str)

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for c in {id(self.conn): self.conn, id(self.seq_conn): self.seq_conn}.values():
            c.close()

    def second_session(self) -> Office:
        """Another clerk at another desk, with the same clock."""
        return Office(self.conn_str, self.clock)

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()

    # ----- SQL helpers -------------------------------------------------------------------------
    def value(self, table: str, column: str, value: object) -> object:
        col = next(c for c in BY_NAME[table].columns if c.name == column)
        return db_value(value, col, self.dialect)

    def rows(self, sql: str, *params: object) -> list[pyodbc.Row]:
        rows: list[pyodbc.Row] = self.conn.cursor().execute(sql, *params).fetchall()
        return rows

    def one(self, sql: str, *params: object) -> pyodbc.Row | None:
        return self.conn.cursor().execute(sql, *params).fetchone()

    def first(self, sql: str, *params: object) -> pyodbc.Row:
        """The first row of a query that always has one (an aggregate, a row that a key points at)."""
        row = self.one(sql, *params)
        assert row is not None
        return row

    def execute(self, sql: str, *params: object) -> int:
        count: int = self.conn.cursor().execute(sql, *params).rowcount
        return count

    def insert(self, table: str, row: dict[str, object]) -> None:
        cols = list(row)
        names = ", ".join(ident(c, self.dialect) for c in cols)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"  # nosec B608  # table and columns: the simulator's code, values bound
        self.execute(sql, *[self.value(table, c, row[c]) for c in cols])

    def update(self, table: str, key: dict[str, object], changes: dict[str, object]) -> int:
        sets = ", ".join(f"{ident(c, self.dialect)} = ?" for c in changes)
        where = " AND ".join(f"{c} = ?" for c in key)
        params = [self.value(table, c, v) for c, v in changes.items()]
        params += [self.value(table, c, v) for c, v in key.items()]
        return self.execute(f"UPDATE {table} SET {sets} WHERE {where}", *params)  # nosec B608  # table and columns: the simulator's code, values bound

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def recover(self) -> None:
        """After a failed unit of work: its transaction rolled back, or, when the connection itself is
        broken (a server restarted), fresh connections, so that the next try starts clean."""
        try:
            self.conn.rollback()
            self.seq_conn.rollback()
        except pyodbc.Error:
            for c in {id(self.conn): self.conn, id(self.seq_conn): self.seq_conn}.values():
                close_quietly(c)
            self._open()

    # ----- sequences ---------------------------------------------------------------------------
    def next_ids(self, key: str, count: int = 1, *, in_transaction: bool = False) -> int:
        """Reserve ``count`` values of sequence ``key``; returns the first.

        ``in_transaction`` allocates on the working connection, so that values follow
        commit order (SPRAWY_HISTORIA.ID_HIST, the vendor's one exception).
        """
        conn = self.conn if in_transaction else self.seq_conn
        cur = conn.cursor()
        if not cur.execute("UPDATE SEKWENCJE SET WARTOSC = WARTOSC + ? WHERE NAZWA = ?", count, key).rowcount:
            cur.execute("INSERT INTO SEKWENCJE (NAZWA, WARTOSC) VALUES (?, ?)", key, count)
        last = int(cur.execute("SELECT WARTOSC FROM SEKWENCJE WHERE NAZWA = ?", key).fetchone()[0])
        if conn is not self.conn:
            conn.commit()
        return last - count + 1

    # ----- readings ----------------------------------------------------------------------------
    def meter_readings(self, meter_id: int) -> list[tuple[int, date, Decimal, Decimal, str]]:
        """(id, date, state, usage, source) of one meter, oldest first."""
        return [
            (r[0], not_null(quirks.day(r[1])), not_null(quirks.decimal(r[2], 3)), not_null(quirks.decimal(r[3], 3)),
             not_null(quirks.text(r[4])))
            for r in self.rows(
                "SELECT ID_ODCZ, DATA_ODCZYTU, STAN, ZUZYCIE, ZRODLO FROM ODCZYTY"
                " WHERE ID_WOD = ? ORDER BY DATA_ODCZYTU, ID_ODCZ", meter_id)
        ]

    def add_reading(self, meter_id: int, on: date, state: Decimal, previous: Decimal | None, source: str,
                    stamp: datetime) -> int:
        """Insert a reading after the meter's last one (``previous`` state; None for a new meter)."""
        usage = state - previous if previous is not None else Decimal("0.000")
        reading_id = self.next_ids("ID_ODCZ")
        self.insert("ODCZYTY", {"ID_ODCZ": reading_id, "ID_WOD": meter_id, "DATA_ODCZYTU": on,
                                "STAN": state, "ZUZYCIE": usage, "ZRODLO": source, "DATA_MOD": stamp})
        return reading_id

    def recompute_usage(self, meter_id: int, stamp: datetime) -> int:
        """Make every ZUZYCIE equal STAN minus the previous STAN again; returns rows changed."""
        changed = 0
        previous: Decimal | None = None
        for reading_id, _, state, usage, _ in self.meter_readings(meter_id):
            expected = Decimal("0.000") if previous is None else state - previous
            if expected != usage:
                changed += self.update("ODCZYTY", {"ID_ODCZ": reading_id}, {"ZUZYCIE": expected, "DATA_MOD": stamp})
            previous = state
        return changed

    # ----- settlements -------------------------------------------------------------------------
    def resettle(self, customer_id: int, stamp: datetime) -> int:
        """Recompute ROZRACHUNKI of one customer; rows whose values change get ``stamp``."""
        invoices = [
            Invoice(r[0], not_null(quirks.decimal(r[1], 2)), not_null(quirks.day(r[2])), not_null(quirks.day(r[3])),
                    quirks.flag(r[4]), not_null(quirks.stamp(r[5])))
            for r in self.rows("SELECT ID_FAKT, BRUTTO, DATA_WYSTAWIENIA, TERMIN_PLATNOSCI, ANULOWANA, DATA_MOD"
                               " FROM FAKTURY WHERE ID_ODB = ? ORDER BY ID_FAKT", customer_id)
        ]
        payments = [
            Payment(r[0], not_null(quirks.decimal(r[1], 2)), not_null(quirks.day(r[2])), not_null(quirks.stamp(r[3])))
            for r in self.rows("SELECT ID_WPL, KWOTA, DATA_WPLATY, DATA_MOD FROM WPLATY WHERE ID_ODB = ?", customer_id)
        ]
        current = {
            r[0]: (quirks.decimal(r[1], 2), quirks.decimal(r[2], 2), quirks.day(r[3]))
            for r in self.rows("SELECT r.ID_FAKT, r.ZAPLACONO, r.POZOSTALO, r.DATA_ROZLICZENIA FROM ROZRACHUNKI r"
                               " JOIN FAKTURY f ON f.ID_FAKT = r.ID_FAKT WHERE f.ID_ODB = ?", customer_id)
        }
        changed = 0
        for s in settle(invoices, payments):
            values = {"ZAPLACONO": s.paid, "POZOSTALO": s.left, "DATA_ROZLICZENIA": s.settled_on}
            if s.invoice_id not in current:
                self.insert("ROZRACHUNKI", {"ID_FAKT": s.invoice_id, **values, "DATA_MOD": stamp})
                changed += 1
            elif current[s.invoice_id] != (s.paid, s.left, s.settled_on):
                changed += self.update("ROZRACHUNKI", {"ID_FAKT": s.invoice_id}, {**values, "DATA_MOD": stamp})
        return changed
