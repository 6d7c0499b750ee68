"""The rules billing's data always obeys; a list of violations, empty when the database is sound."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from adapters.billing import quirks
from adapters.standin.office import Office, not_null
from adapters.standin.settlement import Invoice, Payment, balance, settle


def usage_violations(office: Office) -> list[str]:
    """ZUZYCIE is STAN minus the meter's previous STAN; the first reading has none."""
    out = []
    previous: dict[int, Decimal] = {}
    for reading_id, meter_id, state, usage in office.rows(
            "SELECT ID_ODCZ, ID_WOD, STAN, ZUZYCIE FROM ODCZYTY ORDER BY ID_WOD, DATA_ODCZYTU, ID_ODCZ"):
        state, usage = not_null(quirks.decimal(state, 3)), not_null(quirks.decimal(usage, 3))
        expected = state - previous[meter_id] if meter_id in previous else Decimal("0.000")
        if usage != expected:
            out.append(f"reading {reading_id}: ZUZYCIE {usage}, expected {expected}")
        previous[meter_id] = state
    return out


def settlement_violations(office: Office) -> list[str]:
    """ROZRACHUNKI equal billing's settlement of the customer's invoices and payments."""
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for r in office.rows("SELECT ID_FAKT, ID_ODB, BRUTTO, DATA_WYSTAWIENIA, TERMIN_PLATNOSCI, ANULOWANA, DATA_MOD"
                         " FROM FAKTURY"):
        invoices[r[1]].append(Invoice(r[0], not_null(quirks.decimal(r[2], 2)), not_null(quirks.day(r[3])),
                                      not_null(quirks.day(r[4])), quirks.flag(r[5]), not_null(quirks.stamp(r[6]))))
    payments: dict[int, list[Payment]] = defaultdict(list)
    for r in office.rows("SELECT ID_WPL, ID_ODB, KWOTA, DATA_WPLATY, DATA_MOD FROM WPLATY"):
        payments[r[1]].append(Payment(r[0], not_null(quirks.decimal(r[2], 2)), not_null(quirks.day(r[3])),
                                      not_null(quirks.stamp(r[4]))))
    stored = {r[0]: (not_null(quirks.decimal(r[1], 2)), not_null(quirks.decimal(r[2], 2)))
              for r in office.rows("SELECT ID_FAKT, ZAPLACONO, POZOSTALO FROM ROZRACHUNKI")}
    out = []
    for customer_id, own in invoices.items():
        pays = payments.get(customer_id, [])
        rows = settle(own, pays)
        for s in rows:
            if stored.get(s.invoice_id) != (s.paid, s.left):
                out.append(f"invoice {s.invoice_id}: ROZRACHUNKI {stored.get(s.invoice_id)},"
                           f" expected {(s.paid, s.left)}")
        credit = (sum((p.amount for p in pays), Decimal(0))
                  + sum((-i.gross for i in own if not i.cancelled and i.gross < 0), Decimal(0)))
        kept = [stored.get(i.id, (Decimal(0), Decimal(0))) for i in own]
        allocated = sum((k[0] for k, i in zip(kept, own, strict=False) if not i.cancelled and i.gross > 0), Decimal(0))
        left = sum((k[1] for k in kept), Decimal(0))
        if balance(own, pays) != left - (credit - allocated):
            out.append(f"customer {customer_id}: balance formula does not match the settlements")
    return out


def interface_violations(office: Office) -> list[str]:
    """Accepted readings exist in ODCZYTY as customer readings; rejections say why; cases have stages."""
    out = []
    for zgl, meter_id, on, state, status, note, reading_id in office.rows(
            "SELECT ID_ZGL, ID_WOD, DATA_ODCZYTU, STAN, STATUS, UWAGI, ID_ODCZ FROM IBOK_ODCZYTY WHERE STATUS <> 'N'"):
        if quirks.text(status) == "O" and not quirks.text(note):
            out.append(f"IBOK_ODCZYTY {zgl}: rejected without a reason")
        if quirks.text(status) == "P":
            row = office.one("SELECT ID_WOD, DATA_ODCZYTU, STAN, ZRODLO FROM ODCZYTY WHERE ID_ODCZ = ?", reading_id)
            if row is None or (row[0], quirks.day(row[1]), quirks.decimal(row[2], 3), quirks.text(row[3])) != (
                    meter_id, quirks.day(on), quirks.decimal(state, 3), "K"):
                out.append(f"IBOK_ODCZYTY {zgl}: accepted but ODCZYTY {reading_id} does not hold it")
    for zgl, case in office.rows("SELECT ID_ZGL, NR_SPRAWY FROM IBOK_ZGLOSZENIA WHERE STATUS <> 'N'"):
        if not case or not office.one("SELECT 1 FROM SPRAWY_HISTORIA WHERE NR_SPRAWY = ?", case):
            out.append(f"IBOK_ZGLOSZENIA {zgl}: no case number or no case history")
    return out


def meter_violations(office: Office) -> list[str]:
    """A service point has at most one mounted main meter."""
    return [f"point {r[0]}: {r[1]} mounted main meters" for r in office.rows(
        "SELECT ID_PKT, COUNT(*) FROM WODOMIERZE WHERE RODZAJ = 'G' AND DATA_DEMONTAZU IS NULL"
        " GROUP BY ID_PKT HAVING COUNT(*) > 1")]


def violations(office: Office) -> list[str]:
    """Every broken rule in the database behind ``office``."""
    found = (usage_violations(office) + settlement_violations(office) + interface_violations(office)
             + meter_violations(office))
    office.rollback()
    return found
