"""What billing does between two syncs: invoicing runs, payments, corrections, meters, outages."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

import pyodbc
import structlog

from adapters.billing import quirks
from adapters.billing.retry import error_text, is_transient, retrying
from adapters.standin.ddl import ident
from adapters.standin.generator import LEGALIZATION_YEARS, add_years, invoice_sequence
from adapters.standin.inbox import process_inbox
from adapters.standin.names import OUTAGE_TEXTS, STREETS
from adapters.standin.office import Office, not_null
from adapters.standin.pricing import VAT_LABEL, Line, Tariff, price_line, service_lines

log = structlog.get_logger(__name__)

# How long the invoicing run's transaction has been open when it commits (< the vendor's 15 minutes).
RUN_LAG = timedelta(minutes=11)
# A unit of work that meets a busy database ("database is locked": SQLite's one writer, or a snapshot
# another writer has made stale) is rolled back and tried again this many times, waiting up to
# RETRY_MAX_WAIT_S between tries, before the office gives that event up and goes on with the next.
RETRY_ATTEMPTS = 8
RETRY_MAX_WAIT_S = 10.0


class _Plan(TypedDict):
    """One invoice of an invoicing run, planned before the run writes it."""

    contract: int
    customer: int
    start: date
    end: date
    company: bool
    readings: list[tuple[int, Decimal, Decimal]]  # (meter, state, usage) of the run's estimated readings
    lines: list[Line]


def _pick(office: Office, rng: random.Random, table: str, key: str, where: str = "1 = 1",
          *params: object) -> int | None:
    """A pseudo-random row id (deterministic for a seed and a database state)."""
    bounds = office.one(f"SELECT MIN({key}), MAX({key}) FROM {table} WHERE {where}", *params)  # nosec B608  # table, key and condition: the simulator's code, values bound
    if bounds is None or bounds[0] is None:
        return None
    start = rng.randint(int(bounds[0]), int(bounds[1]))
    row = office.first(f"SELECT MIN({key}) FROM {table} WHERE {key} >= ? AND {where}", start, *params)  # nosec B608  # table, key and condition: the simulator's code, values bound
    return int(row[0])


def book_payment(office: Office, rng: random.Random) -> str:
    """A bank transfer for an open invoice: usually the amount left, sometimes more or less."""
    invoice_id = _pick(office, rng, "ROZRACHUNKI", "ID_FAKT", "POZOSTALO > 0")
    if invoice_id is None:
        return "no open invoice"
    number, customer_id = office.first("SELECT NR_FAKTURY, ID_ODB FROM FAKTURY WHERE ID_FAKT = ?", invoice_id)
    left_row = office.first("SELECT POZOSTALO FROM ROZRACHUNKI WHERE ID_FAKT = ?", invoice_id)
    left = not_null(quirks.decimal(left_row[0], 2))
    amount = left if rng.random() < 0.8 else (left * Decimal(rng.choice(("0.5", "1.5")))).quantize(Decimal("0.01"))
    stamp = office.now()
    payment_id = office.next_ids("ID_WPL")
    office.insert("WPLATY", {"ID_WPL": payment_id, "ID_ODB": customer_id, "DATA_WPLATY": office.today(),
                             "KWOTA": amount, "FORMA": "P", "TYTUL": f"Faktura {quirks.text(number)}",
                             "DATA_MOD": stamp})
    office.resettle(customer_id, stamp)
    office.commit()
    return f"payment {payment_id} of {amount} zł for invoice {quirks.text(number)}"


def reverse_payment(office: Office, rng: random.Random) -> str:
    """A storno: the payment row is deleted."""
    payment_id = _pick(office, rng, "WPLATY", "ID_WPL")
    if payment_id is None:
        return "no payment to reverse"
    customer_id = office.first("SELECT ID_ODB FROM WPLATY WHERE ID_WPL = ?", payment_id)[0]
    office.execute("DELETE FROM WPLATY WHERE ID_WPL = ?", payment_id)
    office.resettle(customer_id, office.now())
    office.commit()
    return f"payment {payment_id} reversed (deleted)"


def _inner_reading(office: Office, rng: random.Random
                   ) -> tuple[int, int, list[tuple[int, date, Decimal, Decimal, str]]] | None:
    """A reading with neighbours on both sides, neither a meter exchange nor the customer's own."""
    for _ in range(20):
        reading_id = _pick(office, rng, "ODCZYTY", "ID_ODCZ", "ZRODLO NOT IN ('W', 'K')")
        if reading_id is None:
            return None
        meter_id = office.first("SELECT ID_WOD FROM ODCZYTY WHERE ID_ODCZ = ?", reading_id)[0]
        history = office.meter_readings(meter_id)
        pos = [r[0] for r in history].index(reading_id)
        if 0 < pos < len(history) - 1:
            return reading_id, meter_id, history
    return None


def correct_reading(office: Office, rng: random.Random) -> str:
    found = _inner_reading(office, rng)
    if not found:
        return "no reading to correct"
    reading_id, meter_id, history = found
    pos = [r[0] for r in history].index(reading_id)
    low, high = history[pos - 1][2], history[pos + 1][2]
    new_state = (low + (high - low) * Decimal(str(round(rng.uniform(0.2, 0.8), 3)))).quantize(Decimal("0.001"))
    stamp = office.now()
    office.update("ODCZYTY", {"ID_ODCZ": reading_id}, {"STAN": new_state, "DATA_MOD": stamp})
    office.recompute_usage(meter_id, stamp)
    office.commit()
    return f"reading {reading_id} corrected to {new_state} m3"


def delete_reading(office: Office, rng: random.Random) -> str:
    found = _inner_reading(office, rng)
    if not found:
        return "no reading to delete"
    reading_id, meter_id, _ = found
    office.execute("DELETE FROM ODCZYTY WHERE ID_ODCZ = ?", reading_id)
    office.recompute_usage(meter_id, office.now())
    office.commit()
    return f"reading {reading_id} deleted"


def replace_meter(office: Office, rng: random.Random) -> str:
    """Exchange a mounted main meter, soonest-expiring first; meters carry no change stamp."""
    row = office.one("SELECT ID_WOD, ID_PKT, RODZAJ, SREDNICA, NR_FABRYCZNY FROM WODOMIERZE"
                     " WHERE DATA_DEMONTAZU IS NULL ORDER BY LEGALIZACJA_DO, ID_WOD")
    if row is None:
        return "no mounted meter"
    old_id, point_id, kind, diameter, serial = row
    today, stamp = office.today(), office.now()
    history = office.meter_readings(old_id)
    if history and history[-1][1] > today:
        return "meter already read today"
    last = history[-1][2] if history else None
    final = (last or Decimal("0.000")) + Decimal(str(round(rng.uniform(0.5, 8.0), 3)))
    office.add_reading(old_id, today, final, last, "W", stamp)
    office.update("WODOMIERZE", {"ID_WOD": old_id}, {"DATA_DEMONTAZU": today})
    new_id = office.next_ids("ID_WOD")
    office.insert("WODOMIERZE", {"ID_WOD": new_id, "NR_FABRYCZNY": f"ZEN{today.year % 100:02d}{new_id:07d}",
                                 "ID_PKT": point_id, "RODZAJ": quirks.text(kind), "SREDNICA": diameter,
                                 "DATA_MONTAZU": today, "DATA_DEMONTAZU": None,
                                 "LEGALIZACJA_DO": add_years(today, LEGALIZATION_YEARS)})
    office.add_reading(new_id, today, Decimal("0.000"), None, "W", stamp)
    office.commit()
    return f"meter {quirks.text(serial)} replaced by meter {new_id}"


def reverify_meter(office: Office, rng: random.Random) -> str:
    """A legalization renewed in place: only LEGALIZACJA_DO changes, with no stamp anywhere."""
    today = office.today()
    meter_id = _pick(office, rng, "WODOMIERZE", "ID_WOD", "DATA_DEMONTAZU IS NULL AND LEGALIZACJA_DO < ?",
                     office.value("WODOMIERZE", "LEGALIZACJA_DO", today + timedelta(days=90)))
    if meter_id is None:
        return "no meter due for verification"
    office.update("WODOMIERZE", {"ID_WOD": meter_id}, {"LEGALIZACJA_DO": add_years(today, LEGALIZATION_YEARS)})
    office.commit()
    return f"meter {meter_id} re-verified"


def register_outage(office: Office, rng: random.Random) -> str:
    district = office.first("SELECT REJON FROM PUNKTY WHERE ID_PKT = ?", _pick(office, rng, "PUNKTY", "ID_PKT"))
    now = office.now()
    outage_id = office.next_ids("ID_AWARII")
    office.insert("AWARIE", {"ID_AWARII": outage_id, "REJON": quirks.text(district[0]), "OD": now,
                             "DO": now + timedelta(hours=rng.randint(2, 10)) if rng.random() < 0.7 else None,
                             "OPIS": rng.choice(OUTAGE_TEXTS).format(street=rng.choice(STREETS)), "DATA_MOD": now})
    office.commit()
    return f"outage {outage_id} registered in district {quirks.text(district[0])}"


def close_outage(office: Office, rng: random.Random) -> str:
    row = office.one(f"SELECT MIN(ID_AWARII) FROM AWARIE WHERE {ident('DO', office.dialect)} IS NULL")  # nosec B608  # a fixed statement; ident() quotes the reserved word DO
    if row is None or row[0] is None:
        return "no open outage"
    now = office.now()
    office.update("AWARIE", {"ID_AWARII": row[0]}, {"DO": now, "DATA_MOD": now})
    office.commit()
    return f"outage {row[0]} closed"


def update_customer(office: Office, rng: random.Random) -> str:
    customer_id = _pick(office, rng, "ODBIORCY", "ID_ODB")
    phone = f"{rng.randint(500, 899)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    office.update("ODBIORCY", {"ID_ODB": customer_id}, {"TELEFON": phone, "DATA_MOD": office.now()})
    office.commit()
    return f"customer {customer_id} phone changed at the counter"


def invoicing_run(office: Office, rng: random.Random, limit: int = 500) -> str:
    """Readings and invoices for active contracts, all stamped with the second the run started,
    committed after other, later-stamped changes are already visible."""
    run_stamp = office.now() - RUN_LAG
    today = office.today()
    contracts = office.rows(
        "SELECT u.ID_UMOWY, u.ID_ODB, u.ID_PKT, u.RODZAJ, u.TARYFA, MAX(f.OKRES_DO) FROM UMOWY u"
        " JOIN FAKTURY f ON f.ID_UMOWY = u.ID_UMOWY WHERE u.STATUS = 'A'"
        " GROUP BY u.ID_UMOWY, u.ID_ODB, u.ID_PKT, u.RODZAJ, u.TARYFA ORDER BY u.ID_UMOWY")
    due = [c for c in contracts if not_null(quirks.day(c[5])) < today][:limit]
    planned = [_plan_invoice(office, c, today) for c in due]
    plans = [p for p in planned if p]
    if not plans:
        return "invoicing run: nothing to invoice"
    clerk = office.second_session()
    try:
        if office.dialect == "sqlite":  # one writer at a time: the effect on readers is the same
            office.commit()  # end the planning reads first
            concurrent = book_payment(clerk, rng)
            rows = _write_run(office, plans, run_stamp)
        else:
            rows = _write_run(office, plans, run_stamp)
            concurrent = book_payment(clerk, rng)
        office.commit()
        # Settle the new invoices against credit already held, in a fresh transaction that sees
        # the clerk's payment (a snapshot from before it would undo its settlement).
        for customer_id in sorted({p["customer"] for p in plans}):
            office.resettle(customer_id, office.now())
        office.commit()
    finally:
        clerk.close()
    return f"invoicing run stamped {run_stamp}: {len(plans)} invoices, {rows} rows; meanwhile {concurrent}"


def _plan_invoice(office: Office, contract: pyodbc.Row, today: date) -> _Plan | None:
    contract_id, customer_id, point_id, kind, tariff_code, last_end = contract
    period_start = not_null(quirks.day(last_end)) + timedelta(days=1)
    meters = office.rows("SELECT ID_WOD, RODZAJ FROM WODOMIERZE WHERE ID_PKT = ? AND DATA_DEMONTAZU IS NULL"
                         " ORDER BY ID_WOD", point_id)
    readings: list[tuple[int, Decimal, Decimal]] = []
    water, garden = Decimal("0.000"), Decimal("0.000")
    for meter_id, meter_kind in meters:
        history = office.meter_readings(meter_id)
        if not history or history[-1][1] >= today:
            continue
        first, last = history[0], history[-1]
        days = max(1, (last[1] - first[1]).days)
        rate = (last[2] - first[2]) / days
        usage = (rate * (today - last[1]).days).quantize(Decimal("0.001"))
        readings.append((meter_id, last[2] + usage, usage))
        if quirks.text(meter_kind) == "P":
            garden += usage
        else:
            water += usage
    months = max(1, round((today - period_start).days / 30))
    tariff = Tariff.for_year(today.year, quirks.text(tariff_code) == "P1")
    lines = service_lines(quirks.text(kind) or "WK", water, max(water - garden, Decimal("0.000")), months, tariff)
    return {"contract": contract_id, "customer": customer_id, "start": period_start, "end": today,
            "company": quirks.text(tariff_code) == "P1", "readings": readings, "lines": lines}


def _write_run(office: Office, plans: list[_Plan], stamp: datetime) -> int:
    today = office.today()
    rows = 0
    invoice_id = office.next_ids("ID_FAKT", len(plans))
    line_id = office.next_ids("ID_POZ", sum(len(p["lines"]) for p in plans))
    reading_id = office.next_ids("ID_ODCZ", sum(len(p["readings"]) for p in plans))
    number = office.next_ids(invoice_sequence("FV", today), len(plans))
    for plan in plans:
        for meter_id, state, usage in plan["readings"]:
            office.insert("ODCZYTY", {"ID_ODCZ": reading_id, "ID_WOD": meter_id, "DATA_ODCZYTU": today,
                                      "STAN": state, "ZUZYCIE": usage, "ZRODLO": "S", "DATA_MOD": stamp})
            reading_id += 1
            rows += 1
        totals = [Decimal("0.00")] * 3
        for lp, (name, amount, unit, price) in enumerate(plan["lines"], start=1):
            net, vat, gross = price_line(amount, price)
            office.insert("POZYCJE_FAKTURY", {"ID_POZ": line_id, "ID_FAKT": invoice_id, "LP": lp, "NAZWA": name,
                                              "ILOSC": amount, "JM": unit, "CENA_NETTO": price,
                                              "STAWKA_VAT": VAT_LABEL, "NETTO": net, "VAT": vat, "BRUTTO": gross})
            totals = [totals[0] + net, totals[1] + vat, totals[2] + gross]
            line_id += 1
            rows += 1
        nr = f"FV/{today:%Y/%m}/{number:06d}"
        office.insert("FAKTURY", {
            "ID_FAKT": invoice_id, "NR_FAKTURY": nr, "ID_ODB": plan["customer"], "ID_UMOWY": plan["contract"],
            "TYP": "F", "ID_FAKT_KORYG": None, "DATA_WYSTAWIENIA": today, "OKRES_OD": plan["start"],
            "OKRES_DO": plan["end"], "TERMIN_PLATNOSCI": today + timedelta(days=21 if plan["company"] else 14),
            "NETTO": totals[0], "VAT": totals[1], "BRUTTO": totals[2], "ANULOWANA": "N",
            "SCIEZKA_PDF": f"{today:%Y/%m}/{nr.replace('/', '_')}.pdf", "DATA_MOD": stamp})
        office.insert("ROZRACHUNKI", {"ID_FAKT": invoice_id, "ZAPLACONO": Decimal("0.00"), "POZOSTALO": totals[2],
                                      "DATA_ROZLICZENIA": None, "DATA_MOD": stamp})
        invoice_id += 1
        number += 1
        rows += 2
    return rows


EVENTS: dict[str, tuple[int, Callable[[Office, random.Random], str]]] = {
    "book_payment": (30, book_payment),
    "reverse_payment": (4, reverse_payment),
    "correct_reading": (8, correct_reading),
    "delete_reading": (4, delete_reading),
    "replace_meter": (4, replace_meter),
    "reverify_meter": (4, reverify_meter),
    "register_outage": (4, register_outage),
    "close_outage": (4, close_outage),
    "update_customer": (6, update_customer),
    "process_inbox": (10, lambda office, rng: process_inbox(office).summary()),
    "invoicing_run": (2, invoicing_run),
}


def run_event(office: Office, event: Callable[[Office, random.Random], str], rng: random.Random, *,
              attempts: int = RETRY_ATTEMPTS, max_wait_s: float = RETRY_MAX_WAIT_S) -> str:
    """One office event as one unit of work: committed whole, or rolled back whole and tried again on a
    transient error (a busy or locked database, a lost connection), with the same random choices."""
    state = rng.getstate()

    def attempt() -> str:
        rng.setstate(state)
        try:
            outcome = event(office, rng)
            # An event that only looked ("no payment to reverse") still began a transaction: end it,
            # or on SQLite its stale snapshot would refuse the office's next write once another
            # writer (the relay, a script) has committed meanwhile.
            office.commit()
        except Exception:
            office.recover()
            raise
        return outcome

    return str(retrying(attempts=attempts, max_wait_s=max_wait_s)(attempt))


def simulate(office: Office, seed: int, events: int, *, attempts: int = RETRY_ATTEMPTS,
             max_wait_s: float = RETRY_MAX_WAIT_S) -> Iterator[tuple[str, str]]:
    """Run ``events`` office events (0: forever), yielding (event, what happened) after each.

    An event still failing on a transient error after its retries is logged and given up (its work
    rolled back); the office goes on with the next one, as a clerk would. Other errors stop it."""
    rng = random.Random(f"ibok-office:{seed}")
    names = list(EVENTS)
    weights = [EVENTS[n][0] for n in names]
    done = 0
    while events == 0 or done < events:
        name = rng.choices(names, weights)[0]
        try:
            outcome = run_event(office, EVENTS[name][1], rng, attempts=attempts, max_wait_s=max_wait_s)
        except pyodbc.Error as exc:
            if not is_transient(exc):
                raise
            log.warning("billing_office_event_given_up", step=name, attempts=attempts,
                        error=error_text(exc))
            outcome = f"given up after {attempts} tries: {error_text(exc)}"
        yield name, outcome
        done += 1
