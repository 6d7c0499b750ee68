"""The legacy tables behind each canonical entity: the SELECT, its key, and the row mapper.

Every mapper takes a row in SELECT order and a function turning billing's local stamps into
UTC, and returns a canonical record with the quirks normalized (padding, 'T'/'N', zero dates,
REAL/TEXT money).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from adapters import records as r
from adapters.billing.quirks import day, decimal, flag, text

ToUtc = Callable[[object], datetime | None]
Row = tuple[Any, ...]  # a row as pyodbc returns it, its values untyped

# The quirk functions for NOT NULL columns: they return None only for a NULL or a zero date, which
# billing's schema rules out there (pyodbc's values are untyped: the schema is the only guarantee).
# A NOT NULL stamp's ``utc`` is cast where it is read, for the same reason.
_text = cast(Callable[[object], str], text)
_day = cast(Callable[[object], date], day)
_decimal = cast(Callable[[object, int], Decimal], decimal)

_READING_SOURCES = dict(zip("IKSZW", r.READING_SOURCES, strict=False))
_PAYMENT_METHODS = dict(zip("PGK", r.PAYMENT_METHODS, strict=False))


@dataclass(frozen=True)
class Entity:
    """How one entity is read: FROM clause (alias ``t`` for the main table), columns, keys."""

    name: str
    table: str
    key: str  # primary key column of the main table
    columns: str  # SELECT list; ``{do}`` stands for the reserved column name DO
    map: Callable[[Row, ToUtc], r.Record]
    joins: str = ""
    tracked: bool = True  # has DATA_MOD
    customer: str | None = None  # WHERE condition with one parameter, the customer's ID_ODB: its rows

    def column_list(self, quote_do: str) -> list[str]:
        return [c.strip() for c in self.columns.format(do=quote_do).split(",")]

    def select(self, quote_do: str, extra: str | None = None) -> str:
        """The SELECT of the entity's columns (and ``extra``, an expression after them) over its tables."""
        columns = self.columns.format(do=quote_do) + (f", {extra}" if extra else "")
        return f"SELECT {columns} FROM {self.table} t {self.joins}".rstrip()  # nosec B608  # columns, tables and joins: the Entity declarations below


def _customer(row: Row, utc: ToUtc) -> r.Customer:
    return r.Customer(row[0], _text(row[1]), _text(row[2]), text(row[3]) or None, _text(row[4]), _text(row[5]),
                      text(row[6]) or None, _text(row[7]), _text(row[8]), text(row[9]) or None,
                      text(row[10]) or None, flag(row[11]), cast(datetime, utc(row[12])))


def _seller(row: Row, utc: ToUtc) -> r.Seller:
    return r.Seller(row[0], _text(row[1]), _text(row[2]), _text(row[3]), _text(row[4]))


def _point(row: Row, utc: ToUtc) -> r.ServicePoint:
    return r.ServicePoint(row[0], _text(row[1]), _text(row[2]), text(row[3]) or None, _text(row[4]), _text(row[5]),
                          _text(row[6]), cast(datetime, utc(row[7])))


def _contract(row: Row, utc: ToUtc) -> r.Contract:
    return r.Contract(row[0], _text(row[1]), row[2], row[3], row[4], _text(row[5]), _text(row[6]), _day(row[7]),
                      _day(row[8]), day(row[9]), text(row[10]) == "A", cast(datetime, utc(row[11])))


def _meter(row: Row, utc: ToUtc) -> r.Meter:
    return r.Meter(row[0], _text(row[1]), row[2], text(row[3]) == "G", int(row[4]), _day(row[5]), day(row[6]),
                   _day(row[7]))


def _reading(row: Row, utc: ToUtc) -> r.Reading:
    return r.Reading(row[0], row[1], row[2], _day(row[3]), _decimal(row[4], 3), _decimal(row[5], 3),
                     _READING_SOURCES[_text(row[6])], cast(datetime, utc(row[7])))


def _invoice(row: Row, utc: ToUtc) -> r.Invoice:
    """An invoice without its lines; the source attaches them (they are read separately)."""
    return r.Invoice(row[0], _text(row[1]), row[2], row[3], text(row[4]) == "K", row[5], _day(row[6]), _day(row[7]),
                     _day(row[8]), _day(row[9]), _decimal(row[10], 2), _decimal(row[11], 2), _decimal(row[12], 2),
                     flag(row[13]), text(row[14]) or None, cast(datetime, utc(row[15])), ())


def invoice_line(row: Row, customer_id: int) -> r.InvoiceLine:
    return r.InvoiceLine(row[0], row[1], customer_id, int(row[2]), _text(row[3]), _decimal(row[4], 3), _text(row[5]),
                         _decimal(row[6], 4), _text(row[7]), _decimal(row[8], 2), _decimal(row[9], 2),
                         _decimal(row[10], 2))


def _payment(row: Row, utc: ToUtc) -> r.Payment:
    return r.Payment(row[0], row[1], _day(row[2]), _decimal(row[3], 2), _PAYMENT_METHODS[_text(row[4])],
                     _text(row[5]), cast(datetime, utc(row[6])))


def _settlement(row: Row, utc: ToUtc) -> r.Settlement:
    return r.Settlement(row[0], row[1], _decimal(row[2], 2), _decimal(row[3], 2), day(row[4]),
                        cast(datetime, utc(row[5])))


def _outage(row: Row, utc: ToUtc) -> r.Outage:
    return r.Outage(row[0], _text(row[1]), cast(datetime, utc(row[2])), utc(row[3]), _text(row[4]),
                    cast(datetime, utc(row[5])))


def _case_event(row: Row, utc: ToUtc) -> r.CaseEvent:
    return r.CaseEvent(row[0], _text(row[1]), cast(datetime, utc(row[2])), _text(row[3]))


def _status(value: object) -> str:
    return r.REPLY_STATUSES[_text(value)]


def _reading_reply(row: Row, utc: ToUtc) -> r.ReadingReply:
    return r.ReadingReply(row[0], _text(row[1]), row[2], _day(row[3]), _decimal(row[4], 3), _status(row[5]),
                          text(row[6]) or None, row[7], cast(datetime, utc(row[8])))


def _message_reply(row: Row, utc: ToUtc) -> r.MessageReply:
    return r.MessageReply(row[0], _text(row[1]), row[2], _text(row[3]), text(row[4]) or None, _status(row[5]),
                          text(row[6]) or None, cast(datetime, utc(row[7])))


def _change_reply(row: Row, utc: ToUtc) -> r.ChangeReply:
    return r.ChangeReply(row[0], _text(row[1]), row[2], _text(row[3]), _status(row[4]), text(row[5]) or None,
                         cast(datetime, utc(row[6])))


# The points a customer holds (any contract, past or present): its points, meters and readings.
_HELD_BY = "{point} IN (SELECT u.ID_PKT FROM UMOWY u WHERE u.ID_ODB = ?)"
_ADDRESS = "t.ULICA, t.NR_DOMU, t.NR_LOKALU, t.KOD_POCZTOWY, t.MIEJSCOWOSC"

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("sellers", "ODDZIALY", "ID_ODDZ", "t.ID_ODDZ, t.NAZWA, t.NIP, t.ADRES, t.NR_KONTA", _seller,
           tracked=False),
    Entity("customers", "ODBIORCY", "ID_ODB",
           f"t.ID_ODB, t.NR_KLIENTA, t.NAZWA, t.NIP, {_ADDRESS}, t.EMAIL, t.TELEFON, t.E_FAKTURA, t.DATA_MOD",
           _customer, customer="t.ID_ODB = ?"),
    Entity("points", "PUNKTY", "ID_PKT", f"t.ID_PKT, {_ADDRESS}, t.REJON, t.DATA_MOD", _point,
           customer=_HELD_BY.format(point="t.ID_PKT")),
    Entity("contracts", "UMOWY", "ID_UMOWY",
           "t.ID_UMOWY, t.NR_UMOWY, t.ID_ODB, t.ID_PKT, t.ID_ODDZ, t.RODZAJ, t.TARYFA, t.DATA_ZAWARCIA, t.DATA_OD,"
           " t.DATA_DO, t.STATUS, t.DATA_MOD", _contract, customer="t.ID_ODB = ?"),
    Entity("meters", "WODOMIERZE", "ID_WOD",
           "t.ID_WOD, t.NR_FABRYCZNY, t.ID_PKT, t.RODZAJ, t.SREDNICA, t.DATA_MONTAZU, t.DATA_DEMONTAZU,"
           " t.LEGALIZACJA_DO", _meter, tracked=False, customer=_HELD_BY.format(point="t.ID_PKT")),
    Entity("readings", "ODCZYTY", "ID_ODCZ",
           "t.ID_ODCZ, t.ID_WOD, w.ID_PKT, t.DATA_ODCZYTU, t.STAN, t.ZUZYCIE, t.ZRODLO, t.DATA_MOD", _reading,
           joins="LEFT JOIN WODOMIERZE w ON w.ID_WOD = t.ID_WOD", customer=_HELD_BY.format(point="w.ID_PKT")),
    Entity("invoices", "FAKTURY", "ID_FAKT",
           "t.ID_FAKT, t.NR_FAKTURY, t.ID_ODB, t.ID_UMOWY, t.TYP, t.ID_FAKT_KORYG, t.DATA_WYSTAWIENIA, t.OKRES_OD,"
           " t.OKRES_DO, t.TERMIN_PLATNOSCI, t.NETTO, t.VAT, t.BRUTTO, t.ANULOWANA, t.SCIEZKA_PDF, t.DATA_MOD",
           _invoice, customer="t.ID_ODB = ?"),
    Entity("settlements", "ROZRACHUNKI", "ID_FAKT",
           "t.ID_FAKT, f.ID_ODB, t.ZAPLACONO, t.POZOSTALO, t.DATA_ROZLICZENIA, t.DATA_MOD", _settlement,
           joins="LEFT JOIN FAKTURY f ON f.ID_FAKT = t.ID_FAKT", customer="f.ID_ODB = ?"),
    Entity("payments", "WPLATY", "ID_WPL",
           "t.ID_WPL, t.ID_ODB, t.DATA_WPLATY, t.KWOTA, t.FORMA, t.TYTUL, t.DATA_MOD", _payment,
           customer="t.ID_ODB = ?"),
    Entity("outages", "AWARIE", "ID_AWARII", "t.ID_AWARII, t.REJON, t.OD, t.{do}, t.OPIS, t.DATA_MOD", _outage),
    Entity("case_events", "SPRAWY_HISTORIA", "ID_HIST", "t.ID_HIST, t.NR_SPRAWY, t.DATA, t.ETAP", _case_event,
           tracked=False),
    # The interface tables as billing's office leaves them: status and reply of each submission.
    Entity("reading_replies", "IBOK_ODCZYTY", "ID_ZGL",
           "t.ID_ZGL, t.KLUCZ, t.ID_WOD, t.DATA_ODCZYTU, t.STAN, t.STATUS, t.UWAGI, t.ID_ODCZ, t.DATA_MOD",
           _reading_reply),
    Entity("message_replies", "IBOK_ZGLOSZENIA", "ID_ZGL",
           "t.ID_ZGL, t.KLUCZ, t.ID_ODB, t.KATEGORIA, t.NR_SPRAWY, t.STATUS, t.ODPOWIEDZ, t.DATA_MOD",
           _message_reply),
    Entity("change_replies", "IBOK_ZMIANY", "ID_ZM",
           "t.ID_ZM, t.KLUCZ, t.ID_ODB, t.POLE, t.STATUS, t.UWAGI, t.DATA_MOD", _change_reply),
)}

# Invoice lines, read with their invoices (``{extra}``: ", " and a checksum expression, or nothing).
LINE_COLUMNS = ["p.ID_POZ", "p.ID_FAKT", "p.LP", "p.NAZWA", "p.ILOSC", "p.JM", "p.CENA_NETTO", "p.STAWKA_VAT",
                "p.NETTO", "p.VAT", "p.BRUTTO"]
LINES_SELECT = (f"SELECT {', '.join(LINE_COLUMNS)}{{extra}} FROM POZYCJE_FAKTURY p WHERE p.ID_FAKT IN ({{marks}})"
                " ORDER BY p.ID_FAKT, p.LP, p.ID_POZ")  # nosec B608  # constant columns; {marks} become ? marks

# How each product spells the vendor's column DO, a reserved word (PostgreSQL folded it to lower case).
QUOTED_DO = {"sqlite": '"DO"', "mariadb": "`DO`", "postgresql": '"do"'}
