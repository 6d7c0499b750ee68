"""Store rows into notification events: each kind's key, template and parameters (pure).

Parameters are JSON-safe (amounts and dates as text); the templates format them in the
recipient's language. ``page`` is the portal page about it (the mailer makes it absolute).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sync import outages as matching
from sync import transfer
from sync.notify.plan import Event, issued_moment

Row = dict[str, Any]


def _one(customer_id: int) -> frozenset[int]:
    return frozenset((customer_id,))


def _transfer(r: Row, amount: Decimal | None) -> dict[str, Any] | None:
    """How to pay what is left of the invoice (``sync.transfer``), None when nothing is or billing's row
    names no seller; the account is None when billing's number fails its check (the e-mail then sends
    the customer to the office)."""
    if amount is None or amount <= 0 or r.get("seller_name") is None:
        return None
    return transfer.for_invoice(r, r.get("customer_number") or "", amount).mail_params()


def invoices(rows: Iterable[Row], tz: str) -> list[Event]:
    return [Event("invoice", f"invoice:{r['id']}", _one(r["customer_id"]), "notify_invoice",
                  {"number": r["number"], "gross": str(r["gross"]), "issued_on": r["issued_on"].isoformat(),
                   "due_on": r["due_on"].isoformat(), "page": f"/invoices/{r['id']}",
                   "transfer": _transfer(r, r.get("remaining", r["gross"]))},
                  at=issued_moment(r["issued_on"], r["modified_at"], tz)) for r in rows]


def due(rows: Iterable[Row], days: int) -> list[Event]:
    return [Event("due", f"due:{r['id']}", _one(r["customer_id"]), "notify_due",
                  {"number": r["number"], "remaining": str(r["remaining"]), "due_on": r["due_on"].isoformat(),
                   "days": days, "page": f"/invoices/{r['id']}", "transfer": _transfer(r, r["remaining"])})
            for r in rows]


def overdue(rows: Iterable[Row]) -> list[Event]:
    return [Event("overdue", f"overdue:{r['id']}", _one(r["customer_id"]), "notify_overdue",
                  {"number": r["number"], "remaining": str(r["remaining"]), "due_on": r["due_on"].isoformat(),
                   "page": f"/invoices/{r['id']}", "transfer": _transfer(r, r["remaining"])}) for r in rows]


def outages(rows: Iterable[Row], places: Iterable[Row], towns_of: Mapping[str, frozenset[str]], tz: str
            ) -> list[Event]:
    """One event per outage, for every customer with a point in its district or on a street its text names
    (in that point's town: billing files some points under a neighbouring district; ``sync.outages``)."""
    held = [(r["customer_id"], matching.Place(r["id"], r["street"], r["house_number"], r["city"], r["district"]))
            for r in places]
    found = []
    for r in sorted(rows, key=lambda r: r["id"]):
        outage = matching.Outage(r["id"], r["district"], r["starts_at"], r["ends_at"], r["description"])
        holders = frozenset(customer for customer, place in held
                            if place.district.strip() == outage.district.strip()
                            or matching.concerns(outage, place, towns_of))
        if holders:
            found.append(Event("outage", f"outage:{r['id']}", holders, "notify_outage",
                               {"description": r["description"], "starts_at": r["starts_at"].isoformat(),
                                "ends_at": r["ends_at"].isoformat() if r["ends_at"] else None, "tz": tz,
                                "page": "/outages"}))
    return found


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
