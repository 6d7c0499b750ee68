"""Store rows into notification events: each kind's key, template and parameters (pure).

Parameters are JSON-safe (amounts and dates as text); the templates format them in the
recipient's language. ``page`` is the portal page about it (the mailer makes it absolute).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sync.notify.plan import Event, issued_moment

Row = dict[str, Any]


def _one(customer_id: int) -> frozenset[int]:
    return frozenset((customer_id,))


def invoices(rows: Iterable[Row], tz: str) -> list[Event]:
    return [Event("invoice", f"invoice:{r['id']}", _one(r["customer_id"]), "notify_invoice",
                  {"number": r["number"], "gross": str(r["gross"]), "issued_on": r["issued_on"].isoformat(),
                   "due_on": r["due_on"].isoformat(), "page": f"/invoices/{r['id']}"},
                  at=issued_moment(r["issued_on"], r["modified_at"], tz)) for r in rows]


def due(rows: Iterable[Row], days: int) -> list[Event]:
    return [Event("due", f"due:{r['id']}", _one(r["customer_id"]), "notify_due",
                  {"number": r["number"], "remaining": str(r["remaining"]), "due_on": r["due_on"].isoformat(),
                   "days": days, "page": f"/invoices/{r['id']}"}) for r in rows]


def overdue(rows: Iterable[Row]) -> list[Event]:
    return [Event("overdue", f"overdue:{r['id']}", _one(r["customer_id"]), "notify_overdue",
                  {"number": r["number"], "remaining": str(r["remaining"]), "due_on": r["due_on"].isoformat(),
                   "page": f"/invoices/{r['id']}"}) for r in rows]


def outages(rows: Iterable[Row], tz: str) -> list[Event]:
    """One event per outage, for every customer with a point in its district."""
    by_id: dict[int, Row] = {}
    holders: dict[int, set[int]] = {}
    for r in rows:
        by_id.setdefault(r["id"], r)
        holders.setdefault(r["id"], set()).add(r["customer_id"])
    return [Event("outage", f"outage:{i}", frozenset(holders[i]), "notify_outage",
                  {"description": r["description"], "starts_at": r["starts_at"].isoformat(),
                   "ends_at": r["ends_at"].isoformat() if r["ends_at"] else None, "tz": tz, "page": "/outages"})
            for i, r in sorted(by_id.items())]


def legalizations(rows: Iterable[Row], today: date) -> list[Event]:
    """Once per meter and legalization date: a meter re-verified later gets a new date, and a new reminder."""
    found: dict[str, Event] = {}
    for r in rows:
        until = r["legalization_valid_until"]
        key = f"legalization:{r['id']}:{until.isoformat()}"
        address = f"{r['street']} {r['house_number']}" + (f"/{r['flat_number']}" if r["flat_number"] else "")
        previous = found.get(key)
        holders = (previous.customer_ids if previous else frozenset()) | {r["customer_id"]}
        found[key] = Event("legalization", key, holders, "notify_legalization",
                           {"serial": r["serial_number"], "valid_until": until.isoformat(), "expired": until < today,
                            "address": f"{address}, {r['city']}", "page": "/meters"})
    return list(found.values())


def readings(rows: Iterable[Row]) -> list[Event]:
    return [Event("reading", f"reading:{r['submission_id']}:{r['status']}", _one(r["customer_id"]),
                  "notify_reading",
                  {"serial": r["serial_number"] or "", "read_on": r["read_on"].isoformat(), "state": str(r["state"]),
                   "accepted": r["status"] == "accepted", "note": r["note"] or "", "page": "/submissions"},
                  at=r["modified_at"]) for r in rows]


def cases(rows: Iterable[Row]) -> list[Event]:
    return [Event("case", f"case:{r['id']}", _one(r["customer_id"]), "notify_case",
                  {"case_number": r["case_number"], "stage": r["stage"], "subject": r["subject"] or "",
                   "page": "/submissions"}, at=r["at"]) for r in rows]


def replies(rows: Iterable[Row]) -> list[Event]:
    return [Event("reply", f"reply:{r['id']}", _one(r["customer_id"]), "notify_reply",
                  {"case_number": r["case_number"] or "", "subject": r["subject"] or "", "answer": r["answer"],
                   "page": "/submissions"}, at=r["modified_at"]) for r in rows]
