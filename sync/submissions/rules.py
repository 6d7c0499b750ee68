"""What a submission must satisfy before it leaves for billing: pure checks, no I/O.

Each check returns ``Problem``s (refusals: nothing is written) or warnings (the customer must
confirm: billing accepts the value but orders a control reading on site). The texts customers
see are in ``sync.submissions.messages``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation

from sync.submissions.plausibility import SUBMITTED, Implication, MeterFacts, implication

MAX_STATE = Decimal("999999999.999")  # DECIMAL(12,3)
CATEGORIES = ("REK", "WNI", "INF", "AWA")
SUBJECT_CHARS = (3, 120)
BODY_CHARS = (10, 4000)
EMAIL_CHARS = 80
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{9,20}$")
# Only the ASCII digits are digits: Python's \d and Decimal() also take Arabic-Indic (٦٠١), full-width
# (６０２) and other scripts' digits, which billing's DECIMAL column and a person reading the number
# back would not.
_NUMBER = re.compile(r"^[0-9]+(?:[.,]([0-9]+))?$")
_SPACES = dict.fromkeys(map(ord, " \u00a0\u2009\u202f"), None)  # thousands apart: space, no-break, thin
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """One reason to refuse (or, as a warning, to ask for confirmation), with what its message needs."""

    code: str
    field: str  # the form field it belongs to, e.g. "value", "meters[1].date", "body"
    params: dict[str, object] = dataclass_field(default_factory=dict)  # ``field`` names the attribute above


@dataclass(frozen=True)
class ReadingEntry:
    """One meter's line of the reading form, as typed."""

    meter: str  # serial number
    value: str
    on: date | None = None  # None: today
    confirmed: bool = False  # the customer confirmed an unusual value
    replaces: str | None = None  # the id of the customer's own reading, not yet sent, this one replaces


@dataclass(frozen=True)
class CheckedReading:
    meter_id: int
    on: date
    state: Decimal
    unusual: bool
    below_estimate: bool = False  # below billing's estimate: accepted, billing corrects the estimate


def parse_state(text: str) -> tuple[Decimal | None, str | None]:
    """A meter's indication as typed ("1234,5", "1 234.567"): the value, or the code of what is wrong."""
    cleaned = (text or "").strip().translate(_SPACES)
    if not cleaned:
        return None, "value_required"
    if any(not ch.isascii() and (ch.isdigit() or ch.isnumeric()) for ch in cleaned):
        return None, "value_digits"
    if cleaned.startswith("-") and _NUMBER.match(cleaned[1:]):
        return None, "value_negative"
    match = _NUMBER.match(cleaned)
    if not match:
        return None, "value_not_number"
    if match.group(1) and len(match.group(1)) > 3:
        return None, "value_precision"
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None, "value_not_number"
    if value > MAX_STATE:
        return None, "value_too_large"
    return value.quantize(Decimal("0.001")), None


def _below_last(meter: MeterFacts, state: Decimal, where: str) -> Problem | None:
    """A value below the meter's last actual reading (billing refuses it), said with what to do:
    replace one's own reading still waiting here, or write to the office about one already sent."""
    last = meter.last_actual
    if last is None or state >= last.state:
        return None
    params: dict[str, object] = {"meter": meter.serial_number, "last": last.state, "date": last.on, "value": state}
    if last.source == SUBMITTED and meter.own is not None:
        params["submission"] = meter.own.id
        return Problem("value_below_own" if meter.own.replaceable else "value_below_sent", where, params)
    return Problem("value_below_last", where, {**params, "source": last.source})


def check_readings(entries: list[ReadingEntry], meters: dict[str, MeterFacts], today: date,
                   ) -> tuple[list[CheckedReading], list[Problem], list[Problem]]:
    """(readings to submit, problems, warnings not yet confirmed); readings only when neither is left.

    Each line stands on its own: meters of several service points go together (a property
    manager's whole account in one form), and a line is judged by its meter's facts only.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    checked: list[CheckedReading] = []
    if not entries:
        return [], [Problem("readings_required", "meters")], []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        where = f"meters[{n}]"
        serial = entry.meter.strip()
        meter = meters.get(serial)
        if meter is None or not meter.held:
            problems.append(Problem("meter_not_yours", f"{where}.meter", {"meter": serial}))
            continue
        if serial in seen:
            problems.append(Problem("meter_twice", f"{where}.meter", {"meter": serial}))
            continue
        seen.add(serial)
        if meter.dismounted_on is not None and meter.dismounted_on <= today:
            problems.append(Problem("meter_dismounted", f"{where}.meter",
                                    {"meter": serial, "date": meter.dismounted_on}))
            continue
        state, code = parse_state(entry.value)
        on = entry.on or today
        found = len(problems)
        if code is not None:
            problems.append(Problem(code, f"{where}.value", {"meter": serial}))
        last = meter.last
        if on > today:
            problems.append(Problem("date_future", f"{where}.date", {"meter": serial, "date": on}))
        elif on < meter.mounted_on:
            problems.append(Problem("date_before_mounting", f"{where}.date",
                                    {"meter": serial, "date": meter.mounted_on}))
        elif last is not None and on < last.on:
            problems.append(Problem("date_before_last", f"{where}.date",
                                    {"meter": serial, "date": last.on, "source": last.source}))
        below = _below_last(meter, state, f"{where}.value") if state is not None else None
        if below is not None:
            problems.append(below)
        if len(problems) > found or state is None:
            continue
        implied = implication(meter, on, state)
        if implied.unusual is not None and not entry.confirmed:
            warnings.append(Problem(implied.unusual, f"{where}.value", _warning_params(serial, state, implied)))
        checked.append(CheckedReading(meter.id, on, state, implied.unusual is not None,
                                      implied.below_estimate is not None))
    if problems or warnings:
        return [], problems, warnings
    return checked, [], []


def _warning_params(serial: str, state: Decimal, implied: Implication) -> dict[str, object]:
    return {"meter": serial, "value": state, "consumption": implied.consumption or Decimal(0),
            "date": implied.since.on, "days": max(implied.days, 1)}


def implications(entries: list[ReadingEntry], meters: dict[str, MeterFacts], today: date) -> dict[int, Implication]:
    """What each well-formed line of the form implies, by its index: shown before anything is sent."""
    found: dict[int, Implication] = {}
    for n, entry in enumerate(entries):
        meter = meters.get(entry.meter.strip())
        state, code = parse_state(entry.value)
        on = entry.on or today
        if meter is None or not meter.held or state is None or code is not None or on > today:
            continue
        last = meter.last_actual
        if last is None or state >= last.state:
            found[n] = implication(meter, on, state)
    return found


def _text_problems(name: str, value: str, limits: tuple[int, int]) -> list[Problem]:
    if not value:
        return [Problem(f"{name}_required", name)]
    if len(value) < limits[0] or len(value) > limits[1]:
        return [Problem(f"{name}_length", name, {"min": limits[0], "max": limits[1], "length": len(value)})]
    return _encodable(name, value)


def _encodable(name: str, value: str) -> list[Problem]:
    """Billing keeps text in the Polish Windows code page: what it cannot hold is refused here, named."""
    if _CONTROL.search(value):
        return [Problem("text_control", name)]
    bad = sorted({ch for ch in value if not _fits_cp1250(ch)})
    return [Problem("text_characters", name, {"characters": " ".join(bad)})] if bad else []


def _fits_cp1250(ch: str) -> bool:
    try:
        ch.encode("cp1250")
    except UnicodeEncodeError:
        return False
    return True


def check_message(category: str, subject: str, body: str) -> list[Problem]:
    problems = [] if category in CATEGORIES else [Problem("category_unknown", "category")]
    return problems + _text_problems("subject", subject, SUBJECT_CHARS) + _text_problems("body", body, BODY_CHARS)


def normalize_phone(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip())


def check_email(value: str, current: str | None) -> list[Problem]:
    if not value:
        return [Problem("email_required", "email")]
    if len(value) > EMAIL_CHARS or not EMAIL.match(value) or not value.isascii() or not value.isprintable():
        return [Problem("email_invalid", "email")]
    if current is not None and value.lower() == current.strip().lower():
        return [Problem("email_unchanged", "email")]
    return []


def check_phone(value: str, current: str | None) -> list[Problem]:
    if not value:
        return [Problem("phone_required", "phone")]
    if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 9:
        return [Problem("phone_invalid", "phone")]
    if current is not None and _national(value) == _national(current):
        return [Problem("phone_unchanged", "phone")]
    return []


def _national(phone: str) -> str:
    """A phone number's digits without Poland's country code: "+48 600 100 200" and "600100200" are one."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if len(digits) == 11 and digits.startswith("48") else digits
