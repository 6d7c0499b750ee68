"""The use cases: submit readings, send a message, ask for a data change, set e-invoice consent, and
list what was submitted. The portal's views and `ibok submit` both call these, nothing else writes
submissions.

Each call checks the input against the store inside one unit of work (one write transaction) and,
when nothing is wrong, writes the submissions and their outbox rows in it; bad input writes nothing.
The same form sent again (double click, back button, a retry) carries the same token, so it names
the same submission ids and nothing new is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from adapters.store.content import terms
from adapters.store.outbox import submitted as store
from adapters.store.unit_of_work import UnitOfWork
from config.clock import utcnow
from sync import failpoints
from sync.submissions import corrections
from sync.submissions.plausibility import (
    Implication,
    MeterFacts,
    OwnReading,
    PastReading,
    Usual,
    household_daily,
)
from sync.submissions.rules import (
    Problem,
    ReadingEntry,
    check_email,
    check_message,
    check_phone,
    check_readings,
    implications,
    normalize_phone,
    parse_state,
)
from sync.submissions.status import Status, status_of

_NAMESPACE = uuid.UUID("6f1c9a52-3f7e-4d2b-9a53-1b0e6c1d2f40")  # iBOK's submissions
CHANGE_FIELDS = {"email": "EMAIL", "phone": "TELEFON", "e_invoice": "E_FAKTURA"}
HOUSEHOLD_DAILY = Decimal("0.250")  # m³ a day: 2.5 people at 100 litres, when the store has no tariff averages


def new_token() -> str:
    """A form's idempotency token: put in the form when it is shown, sent back with it."""
    return uuid.uuid4().hex


def submission_id(customer_id: int, token: str, item: str) -> str:
    """The id (and billing's KLUCZ) of one item of one form: the same form, the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{customer_id}:{token}:{item}"))


@dataclass
class Submitted:
    """What became of a form: ids written (or found: ``created`` False), or why nothing was written."""

    ids: list[str] = field(default_factory=list)
    created: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # to confirm; nothing written until then
    implications: dict[int, Implication] = field(default_factory=dict)  # readings: what each line means

    @property
    def ok(self) -> bool:
        return bool(self.ids)


@dataclass(frozen=True)
class Context:
    """Who submits, through which store, on which day (billing's calendar)."""

    engine: Engine
    by: str  # the portal login, admin or operator acting
    timezone: str = "Europe/Warsaw"
    clock: Callable[[], datetime] = utcnow
    household_daily: Decimal = HOUSEHOLD_DAILY  # m³ a day of a household, when the tariff's average is unknown

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.timezone)).date()


Check = Callable[[Connection], tuple[list[Problem], list[Problem], list[dict[str, Any]]]]


def _submit(ctx: Context, customer_id: int, token: str, items: list[str], check: Check,
            also: Callable[[Connection, list[str]], None] | None = None,
            before: Callable[[Connection], list[Problem]] | None = None, dry_run: bool = False) -> Submitted:
    """The shape of every use case: an earlier send of the same form wins; else check, then write.

    ``items`` name the form's parts (a meter, "message", a field) so that a resent form maps to the
    same ids before anything is checked; ``check`` returns problems, warnings, and one row per item.
    ``also`` writes what belongs with the submissions (the record of a consent, say) in their own
    transaction: both are written, or neither. ``before`` runs first in the same transaction (a
    reading replaced is withdrawn): its problems, or the check's, roll it back. ``dry_run`` checks
    and rolls everything back: what would happen, with nothing written.
    """
    ids = [submission_id(customer_id, token, item) for item in items]
    with UnitOfWork(ctx.engine) as uow:
        conn = uow.conn
        if store.customer(conn, customer_id) is None:
            return Submitted(problems=[Problem("customer_unknown", "customer")])
        if ids and store.existing(conn, ids):
            return Submitted(ids=ids, created=False)
        first = before(conn) if before is not None else []
        if first:
            uow.rollback()
            return Submitted(problems=first)
        problems, warnings, rows = check(conn)
        if problems or warnings or dry_run:
            uow.rollback()
            return Submitted(problems=problems, warnings=warnings)
        now = ctx.clock()
        written = store.add(conn, [{"id": i, "customer_id": customer_id, "submitted_at": now,
                                    "submitted_by": ctx.by, **row} for i, row in zip(ids, rows, strict=True)])
        failpoints.hit("submit.after_write")
        if written and also is not None:
            also(conn, written)
    # The same form sent at the same instant from two tabs: one of the two wrote it.
    return Submitted(ids=ids, created=bool(written))


def meter_facts(conn: Connection, customer_id: int, today: date, household: Decimal = HOUSEHOLD_DAILY,
                ) -> dict[str, MeterFacts]:
    """The customer's meters as the reading rules see them, by serial number."""
    return {m["serial_number"]: meter_facts_of(m, household) for m in store.held_meters(conn, customer_id, today)}


def meter_facts_of(m: dict[str, Any], household: Decimal = HOUSEHOLD_DAILY) -> MeterFacts:
    """One meter of ``store.held_meters`` as the reading rules see it."""
    own = m["own"]
    tariff = household_daily(m["household"])
    fallback = Usual(tariff, "tariff") if tariff is not None else Usual(household, "household")
    return MeterFacts(m["id"], m["serial_number"], m["point_id"], True, m["mounted_on"], m["dismounted_on"],
                      tuple(PastReading(*r) for r in m["history"]),
                      OwnReading(own["id"], own["read_on"], own["state"], own["replaceable"]) if own else None,
                      fallback, m["price"])


def submit_readings(ctx: Context, customer_id: int, entries: list[ReadingEntry], *, token: str,
                    dry_run: bool = False) -> Submitted:
    """Readings of one or more meters of the customer's service points, each line on its own.

    A line that ``replaces`` one of the customer's own readings still waiting in the outbox
    withdraws it in the same transaction (``deliveries.withdraw``): either the old one stays and
    nothing is written (a relay took it meanwhile: ``correction_too_late``), or the new one
    replaces it. ``dry_run``: what the lines imply, problems and warnings, with nothing written.
    """
    today = ctx.today()
    implied: dict[int, Implication] = {}

    def withdraw(conn: Connection) -> list[Problem]:
        problems = []
        for n, entry in enumerate(entries):
            if entry.replaces is None:
                continue
            old = store.withdraw_reading(conn, customer_id, entry.replaces)
            if old is None:
                problems.append(Problem("submission_unknown", f"meters[{n}].value"))
            elif not old["withdrawn"]:
                problems.append(Problem("correction_too_late", f"meters[{n}].value", {
                    "meter": entry.meter.strip(), "last": old["state"], "date": old["read_on"],
                    "value": entry.value.strip(), "submission": old["id"]}))
        return problems

    def check(conn: Connection) -> tuple[list[Problem], list[Problem], list[dict[str, Any]]]:
        held = meter_facts(conn, customer_id, today, ctx.household_daily)
        implied.update(implications(entries, held, today))
        checked, problems, warnings = check_readings(entries, held, today)
        return problems, warnings, [{"kind": "reading", "meter_id": r.meter_id, "read_on": r.on, "state": r.state,
                                     "unusual": r.unusual} for r in checked]

    done = _submit(ctx, customer_id, token, [f"reading:{e.meter.strip()}" for e in entries], check,
                   before=withdraw, dry_run=dry_run)
    done.implications = implied
    return done


def withdraw_reading(ctx: Context, customer_id: int, key: str) -> Submitted:
    """Take back one of the customer's readings that no relay has had yet (``Submitted.ids``: it);
    ``withdraw_too_late`` once a relay has it, ``submission_unknown`` when it is not theirs."""
    with UnitOfWork(ctx.engine) as uow:
        old = store.withdraw_reading(uow.conn, customer_id, key)
        if old is None or not old["withdrawn"]:
            uow.rollback()
            return Submitted(problems=[Problem("submission_unknown" if old is None else "withdraw_too_late",
                                               "submission")])
    return Submitted(ids=[key], created=True)


def send_message(ctx: Context, customer_id: int, category: str, subject: str, body: str, *,
                 token: str) -> Submitted:
    """A message, complaint, request or failure report; billing's document flow gives it a case number."""
    subject, body = subject.strip(), body.strip()

    def check(_conn: Connection) -> tuple[list[Problem], list[Problem], list[dict[str, Any]]]:
        return check_message(category, subject, body), [], [
            {"kind": "message", "category": category, "subject": subject, "body": body}]

    return _submit(ctx, customer_id, token, ["message"], check)


def request_change(ctx: Context, customer_id: int, what: str, value: str, *, token: str) -> Submitted:
    """A new e-mail address (``what`` "email") or phone number ("phone") for billing's records."""
    if what not in ("email", "phone"):
        raise ValueError(f"unknown field {what!r}")
    field_name = CHANGE_FIELDS[what]
    value = value.strip() if what == "email" else normalize_phone(value)

    def check(conn: Connection) -> tuple[list[Problem], list[Problem], list[dict[str, Any]]]:
        current = store.pending_change(conn, customer_id, field_name)
        if current is None:
            current = (store.customer(conn, customer_id) or {}).get(what)
        problems = (check_email if what == "email" else check_phone)(value, current)
        return problems, [], [{"kind": "change", "field": field_name, "value": value}]

    return _submit(ctx, customer_id, token, [f"change:{field_name}"], check)


def set_e_invoice(ctx: Context, customer_id: int, consent: bool, *, token: str, account_id: int | None = None,
                  terms_version: str | None = None) -> Submitted:
    """Consent to invoices by e-mail (True) or its withdrawal (False), sent to billing as a data change.

    Given by a portal login (``account_id``) under the terms in force (``terms_version``), the consent
    is recorded with its time in the same transaction as the submission that carries it to billing.
    """
    value = "T" if consent else "N"

    def check(conn: Connection) -> tuple[list[Problem], list[Problem], list[dict[str, Any]]]:
        current = store.pending_change(conn, customer_id, "E_FAKTURA")
        if current is None:
            current = "T" if (store.customer(conn, customer_id) or {}).get("e_invoice") else "N"
        problems = [Problem("e_invoice_unchanged", "e_invoice")] if current == value else []
        return problems, [], [{"kind": "change", "field": "E_FAKTURA", "value": value}]

    def record(conn: Connection, written: list[str]) -> None:
        if account_id is not None and terms_version is not None:
            terms.record_consent(conn, account_id=account_id, customer_id=customer_id, consent=consent,
                                 terms_version=terms_version, submission_id=written[0])

    return _submit(ctx, customer_id, token, ["change:E_FAKTURA"], check, also=record)


def correction_draft(ctx: Context, customer_id: int, locale: str, *, value: str, on: date | None,
                     reading: str | None = None, meter: str | None = None) -> corrections.Draft | None:
    """A message to the office asking to correct a reading: one of the customer's own (``reading``,
    already in billing) or billing's last reading of their ``meter``; None when neither is theirs."""
    state, _code = parse_state(value)
    on = on or ctx.today()
    with ctx.engine.connect() as conn:
        if reading is not None:
            rows = store.for_customer(conn, customer_id, ids=[reading], kind="reading", limit=1)
            if not rows or rows[0]["serial_number"] is None:
                return None
            row = rows[0]
            return corrections.correction(locale, row["serial_number"], corrections.address(row),
                                          (row["read_on"], row["state"], "submitted"), state, on, sent=True)
        found = [m for m in store.held_meters(conn, customer_id, ctx.today()) if m["serial_number"] == meter]
    if not found:
        return None
    facts = meter_facts_of(found[0])
    last = facts.last_actual or facts.last
    if last is None:
        return None
    return corrections.correction(locale, found[0]["serial_number"], corrections.address(found[0]),
                                  (last.on, last.state, last.source), state, on, sent=False)


@dataclass(frozen=True)
class SubmissionView:
    """One submission as its customer sees it."""

    row: dict[str, Any]
    status: Status
    stages: tuple[tuple[datetime, str], ...] = ()  # the case's stages, for a message


def submissions_of(ctx: Context, customer_id: int, *, ids: list[str] | None = None, kind: str | None = None,
                   limit: int = 100) -> list[SubmissionView]:
    """The customer's submissions, newest first, with where each one is."""
    with ctx.engine.connect() as conn:
        rows = store.for_customer(conn, customer_id, ids=ids, kind=kind, limit=limit)
        stages = store.case_stages(conn, [r["case_number"] for r in rows if r["case_number"]])
    return [SubmissionView(r, status_of(r), tuple(stages.get(r["case_number"] or "", ()))) for r in rows]
