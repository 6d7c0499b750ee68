"""Canonical records: what crosses from any billing adapter to the portal store.

Conventions every record follows, so that generic code (hashing, upserts, verify) needs no
per-entity branches: the first field is the billing system's primary key; money and
quantities are exact ``Decimal``s; dates are ``date``; instants are timezone-aware UTC.
Named tuples keep millions of them cheap to build and compare.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple


class Customer(NamedTuple):
    id: int
    number: str  # the customer number printed on invoices (NABYWCA)
    name: str
    tax_id: str | None
    street: str
    house_number: str
    flat_number: str | None
    postal_code: str
    city: str
    email: str | None
    phone: str | None
    e_invoice: bool
    modified_at: datetime


class Seller(NamedTuple):
    id: int
    name: str
    tax_id: str
    address: str
    bank_account: str


class ServicePoint(NamedTuple):
    id: int
    street: str
    house_number: str
    flat_number: str | None
    postal_code: str
    city: str
    district: str  # network district, the target of outage notices
    modified_at: datetime


class Contract(NamedTuple):
    id: int
    number: str
    customer_id: int
    point_id: int
    seller_id: int
    services: str  # "W" water, "K" sewage, "WK" both
    tariff: str
    signed_on: date
    starts_on: date
    ends_on: date | None
    active: bool
    modified_at: datetime


class Meter(NamedTuple):
    id: int
    serial_number: str
    point_id: int
    main: bool  # False: a sub-meter (garden water, not billed for sewage)
    diameter_mm: int
    mounted_on: date
    dismounted_on: date | None
    legalization_valid_until: date


class Reading(NamedTuple):
    id: int
    meter_id: int
    point_id: int | None  # the meter's point; None when billing has no such meter (an orphan)
    read_on: date
    state: Decimal  # m³, 3 places
    consumption: Decimal
    source: str  # see READING_SOURCES
    modified_at: datetime


class InvoiceLine(NamedTuple):
    id: int
    invoice_id: int
    customer_id: int
    position: int
    name: str
    quantity: Decimal
    unit: str
    unit_net_price: Decimal  # 4 places
    vat_rate: str  # "8", "23", "zw"
    net: Decimal
    vat: Decimal
    gross: Decimal


class Invoice(NamedTuple):
    id: int
    number: str
    customer_id: int
    contract_id: int
    correcting: bool
    corrects_id: int | None
    issued_on: date
    period_from: date
    period_to: date
    due_on: date
    net: Decimal
    vat: Decimal
    gross: Decimal
    cancelled: bool
    pdf_path: str | None
    modified_at: datetime
    lines: tuple[InvoiceLine, ...]  # billing rewrites all lines with their invoice


class Payment(NamedTuple):
    id: int
    customer_id: int
    paid_on: date
    amount: Decimal
    method: str  # see PAYMENT_METHODS
    title: str
    modified_at: datetime


class Settlement(NamedTuple):
    invoice_id: int
    customer_id: int | None  # the invoice's customer; None when billing has no such invoice (an orphan)
    paid: Decimal
    remaining: Decimal
    settled_on: date | None
    modified_at: datetime


class Outage(NamedTuple):
    id: int
    district: str
    starts_at: datetime
    ends_at: datetime | None
    description: str
    modified_at: datetime


class CaseEvent(NamedTuple):
    id: int
    case_number: str
    at: datetime
    stage: str


# ----- what billing's office did with our submissions (the IBOK_* interface tables) ---------------
# ``key`` is the KLUCZ the relay wrote: the id of the submission in the portal store.
class ReadingReply(NamedTuple):
    id: int
    key: str
    meter_id: int
    read_on: date
    state: Decimal
    status: str  # see REPLY_STATUSES
    note: str | None  # billing's reason for a rejection (or a remark on an accepted one)
    reading_id: int | None  # the reading billing created when it accepted ours
    modified_at: datetime


class MessageReply(NamedTuple):
    id: int
    key: str
    customer_id: int
    category: str
    case_number: str | None
    status: str
    answer: str | None
    modified_at: datetime


class ChangeReply(NamedTuple):
    id: int
    key: str
    customer_id: int
    field: str
    status: str
    note: str | None
    modified_at: datetime


# ----- what crosses the other way: one submission to deliver to an interface table ------------------
class Delivery(NamedTuple):
    key: str  # the submission's id, billing's KLUCZ
    kind: str  # reading | message | change
    customer_id: int
    submitted_at: datetime  # UTC
    meter_id: int | None = None  # reading
    read_on: date | None = None
    state: Decimal | None = None
    category: str | None = None  # message: REK, WNI, INF, AWA
    subject: str | None = None
    body: str | None = None
    field: str | None = None  # change: EMAIL, TELEFON, E_FAKTURA
    value: str | None = None


Record = (Customer | Seller | ServicePoint | Contract | Meter | Reading | Invoice | InvoiceLine | Payment
          | Settlement | Outage | CaseEvent | ReadingReply | MessageReply | ChangeReply)

READING_SOURCES = ("reader", "customer", "estimate", "remote", "exchange")
PAYMENT_METHODS = ("transfer", "cash", "card")
# Billing's STATUS letters of the interface tables, by name.
REPLY_STATUSES = {"N": "new", "P": "accepted", "O": "rejected", "R": "registered", "W": "in_progress", "Z": "closed"}

# Entity name -> record type; the names are the streams' and the store tables' names.
ENTITIES: dict[str, type] = {
    "sellers": Seller,
    "customers": Customer,
    "points": ServicePoint,
    "contracts": Contract,
    "meters": Meter,
    "readings": Reading,
    "invoices": Invoice,
    "settlements": Settlement,
    "payments": Payment,
    "outages": Outage,
    "case_events": CaseEvent,
    "reading_replies": ReadingReply,
    "message_replies": MessageReply,
    "change_replies": ChangeReply,
}


# Which fields of a record name a row of another entity (its parent). A row whose parent billing
# lacks (an import's leftovers, a parent deleted by a script) is still mirrored, and counted as an
# orphan: it belongs to no customer.
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "contracts": (("customer_id", "customers"), ("point_id", "points"), ("seller_id", "sellers")),
    "meters": (("point_id", "points"),),
    "readings": (("meter_id", "meters"),),
    "invoices": (("customer_id", "customers"), ("contract_id", "contracts")),
    "settlements": (("invoice_id", "invoices"),),
    "payments": (("customer_id", "customers"),),
}

# Fields a record takes from its parent (billing joins them in): child entity -> (field, parent
# entity, the child's field naming the parent). When the parent's field changes, the children's
# change with it: a meter moved to another point takes its readings along.
INHERITED: dict[str, tuple[str, str, str]] = {
    "readings": ("point_id", "meters", "meter_id"),
    "settlements": ("customer_id", "invoices", "invoice_id"),
}


def key_of(record: tuple[Any, ...]) -> int:
    """The billing primary key (the first field, by convention)."""
    key: int = record[0]
    return key


def content_hash(record: tuple[Any, ...]) -> str:
    """A short digest of every field (nested lines included): equal content, equal hash.

    The text hashed is the record's repr: exact for Decimal ('1.20' and '1.2' differ, as they
    should not arise: values are quantized at the edge), dates, UTC datetimes, None and bools.
    """
    return hashlib.blake2b(repr(record).encode("utf-8"), digest_size=16).hexdigest()


def row_digest(record: tuple[Any, ...], source_sum: int | None) -> str:
    """What the store keeps of a row to know whether a re-read one changed: its content, and billing's
    own checksum of its raw values when billing computes one (a raw change with the same content
    still reaches the store, so that billing's sums over key ranges go on matching the store's)."""
    if source_sum is None:
        return content_hash(record)
    return hashlib.blake2b(f"{record!r}#{source_sum}".encode(), digest_size=16).hexdigest()
