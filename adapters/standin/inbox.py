"""The billing office processing the IBOK_* interface tables by the vendor's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from adapters.billing import quirks
from adapters.standin.names import CASE_STAGES
from adapters.standin.office import Office, not_null

CHANGEABLE = {"EMAIL": "EMAIL", "TELEFON": "TELEFON", "E_FAKTURA": "E_FAKTURA"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{9,20}$")
# Case progress in the document-flow system: (status, stage written when entering it)
NEXT_STAGE = {"R": ("W", CASE_STAGES[2]), "W": ("Z", CASE_STAGES[3])}
ANSWER = "Dziękujemy za zgłoszenie. Sprawa została rozpatrzona, szczegóły w historii sprawy."
SUSPICIOUS_FACTOR = Decimal(3)


@dataclass
class InboxReport:
    readings: dict[str, int] = field(default_factory=lambda: {"P": 0, "O": 0})
    changes: dict[str, int] = field(default_factory=lambda: {"P": 0, "O": 0})
    cases: dict[str, int] = field(default_factory=lambda: {"R": 0, "W": 0, "Z": 0})

    def summary(self) -> str:
        return (f"readings accepted {self.readings['P']}, rejected {self.readings['O']}; "
                f"data changes accepted {self.changes['P']}, rejected {self.changes['O']}; "
                f"cases registered {self.cases['R']}, in progress {self.cases['W']}, closed {self.cases['Z']}")


def _pl(value: Decimal) -> str:
    return f"{value:.3f}".replace(".", ",")


def judge_reading(on: date, state: Decimal, today: date, dismounted: date | None,
                  history: list[tuple[int, date, Decimal, Decimal, str]]) -> tuple[str, str | None]:
    """Billing's verdict on a submitted reading: ('P', note) accepted or ('O', reason) rejected.

    "Lower than the meter's last reading" means its last *actual* reading: an estimate ('S') is
    billing's own guess, and a real reading below it is accepted and the estimate corrected
    (``correct_estimates``)."""
    if dismounted is not None and dismounted <= today:
        return "O", f"Wodomierz zdemontowany {dismounted.isoformat()}."
    if on > today:
        return "O", "Data odczytu jest datą przyszłą."
    if history:
        _, last_on, last_state, _, _ = history[-1]
        if on < last_on:
            return "O", f"Data odczytu wcześniejsza niż ostatni odczyt z dnia {last_on.isoformat()}."
        actual = [h for h in history if h[4] != "S"]
        if actual and state < actual[-1][2]:
            return "O", (f"Stan {_pl(state)} m3 niższy niż ostatni odczyt {_pl(actual[-1][2])} m3"
                         f" z dnia {actual[-1][1].isoformat()}.")
        if state < last_state:
            return "P", (f"Stan niższy niż szacunek {_pl(last_state)} m3 z dnia {last_on.isoformat()}:"
                         " szacunek zostanie skorygowany.")
        first_on, first_state = history[0][1], history[0][2]
        days = (last_on - first_on).days
        if days > 0 and on > last_on:
            usual = (last_state - first_state) / days
            now = (state - last_state) / (on - last_on).days
            if now > usual * SUSPICIOUS_FACTOR or (now == 0 and usual > Decimal("0.05")):
                return "P", "Zużycie odbiega od dotychczasowego: zlecono odczyt kontrolny."
    return "P", None


def corrected_estimates(on: date, state: Decimal, history: list[tuple[int, date, Decimal, Decimal, str]],
                        ) -> dict[int, Decimal]:
    """New states of the estimates since the last actual reading, when a real reading (``on``,
    ``state``) shows one of them too high: all of them are put on a straight line from the last
    actual reading to the real one (from 0 m³ for a meter never read), so that the meter's states
    keep rising. By reading id; empty when no estimate is too high."""
    actual = [h for h in history if h[4] != "S"]
    start_on, start = (actual[-1][1], actual[-1][2]) if actual else (None, Decimal("0.000"))
    estimates = [h for h in history if h[4] == "S" and (start_on is None or h[1] >= start_on) and h[1] <= on]
    if not any(h[2] > state for h in estimates):
        return {}
    span = (on - start_on).days if start_on is not None else 0
    changes: dict[int, Decimal] = {}
    for reading_id, read_on, _estimate, _, _ in estimates:
        share = Decimal((read_on - start_on).days) / span if start_on is not None and span > 0 else Decimal(1)
        changes[reading_id] = (start + (state - start) * share).quantize(Decimal("0.001"))
    return changes


def _take(office: Office, table: str, where: dict[str, object], changes: dict[str, object]) -> bool:
    """Claim one interface row for this pass: an UPDATE that holds only while the row is still as the
    pass read it. Another pass that took it first (two office processes at once) leaves nothing to
    do: the transaction is rolled back and the row skipped, so nothing is booked twice."""
    if office.update(table, where, changes):
        return True
    office.rollback()
    return False


def process_readings(office: Office, report: InboxReport) -> None:
    today, stamp = office.today(), office.now()
    for row in office.rows("SELECT ID_ZGL, ID_WOD, DATA_ODCZYTU, STAN FROM IBOK_ODCZYTY"
                           " WHERE STATUS = 'N' ORDER BY ID_ZGL"):
        submission, meter_id, on, state = row[0], row[1], quirks.day(row[2]), quirks.decimal(row[3], 3)
        meter = office.one("SELECT DATA_DEMONTAZU FROM WODOMIERZE WHERE ID_WOD = ?", meter_id)
        history = office.meter_readings(meter_id) if meter else []
        note: str | None
        if meter is None:
            verdict, note = "O", "Nieznany wodomierz."
        else:
            verdict, note = judge_reading(not_null(on), not_null(state), today, quirks.day(meter[0]), history)
        if not _take(office, "IBOK_ODCZYTY", {"ID_ZGL": submission, "STATUS": "N"},
                     {"STATUS": verdict, "UWAGI": note, "DATA_MOD": stamp}):
            continue
        if verdict == "P":
            previous = history[-1][2] if history else None
            reading = office.add_reading(meter_id, not_null(on), not_null(state), previous, "K", stamp)
            office.update("IBOK_ODCZYTY", {"ID_ZGL": submission}, {"ID_ODCZ": reading})
            fixes = corrected_estimates(not_null(on), not_null(state), history)
            for estimate_id, corrected in fixes.items():
                office.update("ODCZYTY", {"ID_ODCZ": estimate_id}, {"STAN": corrected, "DATA_MOD": stamp})
            if fixes:
                office.recompute_usage(meter_id, stamp)
        office.commit()
        report.readings[verdict] += 1


def judge_change(field_name: str, value: str) -> str | None:
    """None when billing accepts the requested change, else the reason it rejects it."""
    if field_name not in CHANGEABLE:
        return f"Pole {field_name} nie może być zmienione przez e-BOK."
    if field_name == "EMAIL" and not EMAIL.match(value):
        return "Niepoprawny adres e-mail."
    if field_name == "TELEFON" and not PHONE.match(value):
        return "Niepoprawny numer telefonu."
    if field_name == "E_FAKTURA" and value not in ("T", "N"):
        return "Zgoda na e-fakturę musi mieć wartość T albo N."
    return None


def process_changes(office: Office, report: InboxReport) -> None:
    stamp = office.now()
    for row in office.rows("SELECT ID_ZM, ID_ODB, POLE, WARTOSC FROM IBOK_ZMIANY WHERE STATUS = 'N' ORDER BY ID_ZM"):
        change_id, customer_id, field_name, value = row[0], row[1], quirks.text(row[2]) or "", quirks.text(row[3]) or ""
        reason = judge_change(field_name, value)
        if reason is None and not office.one("SELECT 1 FROM ODBIORCY WHERE ID_ODB = ?", customer_id):
            reason = "Nieznany odbiorca."
        verdict = "O" if reason else "P"
        if not _take(office, "IBOK_ZMIANY", {"ID_ZM": change_id, "STATUS": "N"},
                     {"STATUS": verdict, "UWAGI": reason, "DATA_MOD": stamp}):
            continue
        if reason is None:
            office.update("ODBIORCY", {"ID_ODB": customer_id}, {CHANGEABLE[field_name]: value, "DATA_MOD": stamp})
        office.commit()
        report.changes[verdict] += 1


def _add_stage(office: Office, case_number: str, stage: str) -> None:
    office.insert("SPRAWY_HISTORIA", {"ID_HIST": office.next_ids("ID_HIST", in_transaction=True),
                                      "NR_SPRAWY": case_number, "DATA": office.now(), "ETAP": stage})


def process_cases(office: Office, report: InboxReport) -> None:
    """New messages get a case number; open cases move one stage on per pass."""
    stamp = office.now()
    for row in office.rows("SELECT ID_ZGL, STATUS, NR_SPRAWY FROM IBOK_ZGLOSZENIA"
                           " WHERE STATUS IN ('N', 'R', 'W') ORDER BY ID_ZGL"):
        message_id, status, case_number = row[0], quirks.text(row[1]), quirks.text(row[2])
        if not _take(office, "IBOK_ZGLOSZENIA", {"ID_ZGL": message_id, "STATUS": status}, {"DATA_MOD": stamp}):
            continue
        changes: dict[str, object] = {"DATA_MOD": stamp}
        if status == "N":
            case_number = f"EBOK/{stamp.year}/{office.next_ids('NR_SPRAWY_EBOK', in_transaction=True):06d}"
            changes.update(STATUS="R", NR_SPRAWY=case_number)
            _add_stage(office, case_number, CASE_STAGES[0])
        else:
            new_status, stage = NEXT_STAGE[status or ""]
            changes["STATUS"] = new_status
            _add_stage(office, case_number or "", stage)
            if new_status == "Z":
                changes["ODPOWIEDZ"] = ANSWER
                _add_stage(office, case_number or "", CASE_STAGES[4])
        office.update("IBOK_ZGLOSZENIA", {"ID_ZGL": message_id}, changes)
        office.commit()
        report.cases[str(changes["STATUS"])] += 1


def process_inbox(office: Office) -> InboxReport:
    """One pass of the office over every interface table."""
    report = InboxReport()
    process_readings(office, report)
    process_changes(office, report)
    process_cases(office, report)
    return report
