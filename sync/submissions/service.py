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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from adapters.store.content import terms
from adapters.store.outbox import submitted as store
from adapters.store.unit_of_work import UnitOfWork
from config.clock import utcnow
from sync import failpoints
from sync.submissions.rules import (
    MeterFacts,
    Problem,
    ReadingEntry,
    check_email,
    check_message,
    check_phone,
    check_readings,
    normalize_phone,
)
from sync.submissions.status import Status, status_of

_NAMESPACE = uuid.UUID("6f1c9a52-3f7e-4d2b-9a53-1b0e6c1d2f40")  # iBOK's submissions
CHANGE_FIELDS = {"email": "EMAIL", "phone": "TELEFON", "e_invoice": "E_FAKTURA"}


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

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.timezone)).date()


Check = Callable[[Connection], tuple[list[Problem], list[Problem], list[dict[str, Any]]]]


def _submit(ctx: Context, customer_id: int, token: str, items: list[str], check: Check,
            also: Callable[[Connection, list[str]], None] | None = None) -> Submitted:
    """The shape of every use case: an earlier send of the same form wins; else check, then write.

    ``items`` name the form's parts (a meter, "message", a field) so that a resent form maps to the
    same ids before anything is checked; ``check`` returns problems, warnings, and one row per item.
    ``also`` writes what belongs with the submissions (the record of a consent, say) in their own
    transaction: both are written, or neither.
    """
    ids = [submission_id(customer_id, token, item) for item in items]
    with UnitOfWork(ctx.engine) as uow:
        conn = uow.conn
        if store.customer(conn, customer_id) is None:
            return Submitted(problems=[Problem("customer_unknown", "customer")])
        if ids and store.existing(conn, ids):
            return Submitted(ids=ids, created=False)
        problems, warnings, rows = check(conn)
        if problems or warnings:
            return Submitted(problems=problems, warnings=warnings)
        now = ctx.clock()
        written = store.add(conn, [{"id": i, "customer_id": customer_id, "submitted_at": now,
                                    "submitted_by": ctx.by, **row} for i, row in zip(ids, rows, strict=True)])
        failpoints.hit("submit.after_write")
        if written and also is not None:
            also(conn, written)
    # The same form sent at the same instant from two tabs: one of the two wrote it.
    return Submitted(ids=ids, created=bool(written))


def submit_readings(ctx: Context, customer_id: int, entries: list[ReadingEntry], *, token: str) -> Submitted:
    """Readings of one or more meters of one service point (main and sub-meters together)."""
    def check(conn: Connection) -> tuple[list[Problem], list[Problem], list[dict[str, Any]]]:
        today = ctx.today()
        held = {m["serial_number"]: MeterFacts(m["id"], m["serial_number"], m["point_id"], True, m["mounted_on"],
                                               m["dismounted_on"], m["last"], tuple(m["history"]))
                for m in store.held_meters(conn, customer_id, today)}
        checked, problems, warnings = check_readings(entries, held, today)
        return problems, warnings, [{"kind": "reading", "meter_id": r.meter_id, "read_on": r.on, "state": r.state,
                                     "unusual": r.unusual} for r in checked]

    return _submit(ctx, customer_id, token, [f"reading:{e.meter.strip()}" for e in entries], check)


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
