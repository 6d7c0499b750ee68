"""The portal store's tables: mirrored entities, derived data, and the sync's own bookkeeping.

Mirrored tables are named after the canonical entities and have one column per record field
(in field order) plus ``row_hash``; indexes follow the portal's queries (by customer, by
point, by meter and date). Migrations in ``migrations/`` create exactly this schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

from adapters.store.types import MONEY, PRICE, QUANTITY, UtcDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
})


def _hash() -> list[Column[Any]]:
    """What the sync compares a re-read row with (records.row_digest), and billing's own checksum of
    the row's raw values when it computes one (billing.checksums): reconciliations sum it over key ranges."""
    return [Column("row_hash", String(32), nullable=False), Column("source_sum", BigInteger)]


def _address() -> list[Column[str]]:
    return [Column("street", String(60), nullable=False), Column("house_number", String(10), nullable=False),
            Column("flat_number", String(10)), Column("postal_code", String(6), nullable=False),
            Column("city", String(60), nullable=False)]


def _modified() -> Column[datetime]:
    return Column("modified_at", UtcDateTime(), nullable=False)


# ----- mirrored entities -------------------------------------------------------------------------
sellers = Table(
    "sellers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(120), nullable=False), Column("tax_id", String(10), nullable=False),
    Column("address", String(160), nullable=False), Column("bank_account", String(32), nullable=False),
    *_hash(),
)

customers = Table(
    "customers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("number", String(6), nullable=False, unique=True),
    Column("name", String(120), nullable=False), Column("tax_id", String(10)),
    *_address(),
    Column("email", String(80)), Column("phone", String(20)),
    Column("e_invoice", Boolean, nullable=False),
    _modified(), *_hash(),
)

points = Table(
    "points", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    *_address(),
    Column("district", String(4), nullable=False, index=True),
    _modified(), *_hash(),
)

contracts = Table(
    "contracts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("number", String(20), nullable=False),
    Column("customer_id", Integer, nullable=False, index=True),
    Column("point_id", Integer, nullable=False, index=True),
    Column("seller_id", Integer, nullable=False),
    Column("services", String(2), nullable=False), Column("tariff", String(8), nullable=False),
    Column("signed_on", Date, nullable=False), Column("starts_on", Date, nullable=False), Column("ends_on", Date),
    Column("active", Boolean, nullable=False),
    _modified(), *_hash(),
)

meters = Table(
    "meters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("serial_number", String(20), nullable=False, index=True),
    Column("point_id", Integer, nullable=False, index=True),
    Column("main", Boolean, nullable=False),
    Column("diameter_mm", SmallInteger, nullable=False),
    Column("mounted_on", Date, nullable=False), Column("dismounted_on", Date),
    Column("legalization_valid_until", Date, nullable=False),
    *_hash(),
)

readings = Table(
    "readings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("meter_id", Integer, nullable=False),
    Column("point_id", Integer),  # NULL: billing has no such meter (an orphan, nobody's)
    Column("read_on", Date, nullable=False),
    Column("state", QUANTITY, nullable=False), Column("consumption", QUANTITY, nullable=False),
    Column("source", String(8), nullable=False),
    _modified(), *_hash(),
    Index(None, "meter_id", "read_on"),
    Index(None, "point_id", "read_on"),  # a point's readings by date: the dashboard's last reading
)

invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("number", String(30), nullable=False),
    Column("customer_id", Integer, nullable=False),
    Column("contract_id", Integer, nullable=False),
    Column("correcting", Boolean, nullable=False), Column("corrects_id", Integer),
    Column("issued_on", Date, nullable=False), Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False), Column("due_on", Date, nullable=False),
    Column("net", MONEY, nullable=False), Column("vat", MONEY, nullable=False), Column("gross", MONEY, nullable=False),
    Column("cancelled", Boolean, nullable=False), Column("pdf_path", String(200)),
    _modified(), *_hash(),
    Index(None, "customer_id", "issued_on"),
)

invoice_lines = Table(  # no hash of their own: the invoice's hash covers its lines
    "invoice_lines", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("invoice_id", Integer, nullable=False, index=True),
    Column("customer_id", Integer, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("name", String(80), nullable=False),
    Column("quantity", QUANTITY, nullable=False), Column("unit", String(5), nullable=False),
    Column("unit_net_price", PRICE, nullable=False), Column("vat_rate", String(3), nullable=False),
    Column("net", MONEY, nullable=False), Column("vat", MONEY, nullable=False), Column("gross", MONEY, nullable=False),
)

settlements = Table(
    "settlements", metadata,
    Column("invoice_id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, index=True),  # NULL: billing has no such invoice (an orphan, nobody's)
    Column("paid", MONEY, nullable=False), Column("remaining", MONEY, nullable=False),
    Column("settled_on", Date),
    _modified(), *_hash(),
)

payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("method", String(8), nullable=False), Column("title", String(140), nullable=False),
    _modified(), *_hash(),
    Index(None, "customer_id", "paid_on"),
)

outages = Table(
    "outages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("district", String(4), nullable=False, index=True),
    Column("starts_at", UtcDateTime(), nullable=False), Column("ends_at", UtcDateTime()),
    Column("description", String(400), nullable=False),
    _modified(), *_hash(),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("case_number", String(30), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("stage", String(120), nullable=False),
    *_hash(),
)

# What billing's office did with our submissions; ``key`` is the submission's id (billing's KLUCZ).
reading_replies = Table(
    "reading_replies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(36), nullable=False, unique=True),
    Column("meter_id", Integer, nullable=False),
    Column("read_on", Date, nullable=False), Column("state", QUANTITY, nullable=False),
    Column("status", String(12), nullable=False), Column("note", String(200)), Column("reading_id", Integer),
    _modified(), *_hash(),
)

message_replies = Table(
    "message_replies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(36), nullable=False, unique=True),
    Column("customer_id", Integer, nullable=False),
    Column("category", String(3), nullable=False), Column("case_number", String(30)),
    Column("status", String(12), nullable=False), Column("answer", Text),
    _modified(), *_hash(),
)

change_replies = Table(
    "change_replies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(36), nullable=False, unique=True),
    Column("customer_id", Integer, nullable=False),
    Column("field", String(12), nullable=False),
    Column("status", String(12), nullable=False), Column("note", String(200)),
    _modified(), *_hash(),
)

MIRRORED: dict[str, Table] = {t.name: t for t in (sellers, customers, points, contracts, meters, readings, invoices,
                                                 settlements, payments, outages, case_events, reading_replies,
                                                 message_replies, change_replies)}

# ----- derived data (computed when data lands) ---------------------------------------------------
customer_summaries = Table(
    "customer_summaries", metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("invoiced", MONEY, nullable=False),  # Σ gross of invoices not cancelled (corrections included)
    Column("paid", MONEY, nullable=False),  # Σ payments
    Column("balance", MONEY, nullable=False),  # invoiced − paid: positive owes, negative overpaid
    Column("open_amount", MONEY, nullable=False),  # Σ left to pay on open invoices
    Column("next_due_on", Date), Column("next_due_amount", MONEY),
    Column("legalization_due_on", Date),  # earliest legal-verification end among mounted meters held
    Column("last_reading_on", Date),
    Column("refreshed_at", UtcDateTime(), nullable=False),
)

meter_months = Table(
    "meter_months", metadata,
    Column("meter_id", Integer, primary_key=True, autoincrement=False),
    Column("month", Date, primary_key=True),  # first day of the month
    Column("point_id", Integer, nullable=False),
    Column("consumption", QUANTITY, nullable=False),
    Column("readings", Integer, nullable=False),
)

customer_months = Table(
    "customer_months", metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("month", Date, primary_key=True),
    Column("consumption", QUANTITY, nullable=False),  # main meters at the customer's points while held
    Column("charges", MONEY, nullable=False),  # invoices not cancelled, each spread over its billing period's days
)

# Derived data to refresh, written in the same transaction as the data: the owner, and the first
# month whose figures are stale (NULL: every month; 9999-12-31: none, the summary only).
dirty_customers = Table(
    "dirty_customers", metadata, Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("since", Date))
dirty_meters = Table(
    "dirty_meters", metadata, Column("meter_id", Integer, primary_key=True, autoincrement=False),
    Column("since", Date))

# ----- the sync's bookkeeping ---------------------------------------------------------------------
stream_states = Table(
    "stream_states", metadata,
    Column("stream", String(40), primary_key=True),
    Column("state", Text, nullable=False),  # JSON: bookmark and the window in progress
    Column("updated_at", UtcDateTime(), nullable=False),
)

sync_anomalies = Table(  # rows of billing that break its own rules, found by the sync and shown to admins
    "sync_anomalies", metadata,
    Column("stream", String(40), primary_key=True),
    Column("kind", String(8), primary_key=True),  # orphan: its parent is not in billing; ahead: stamped in the future
    Column("row_key", BigInteger, primary_key=True),  # the row's key in billing
    Column("parent", String(40), primary_key=True),  # orphan: the entity it names; ahead: ""
    Column("parent_key", BigInteger),  # orphan: the key it names
    Column("detail", String(40)),  # ahead: the row's stamp (billing's local time)
    Column("found_at", UtcDateTime(), nullable=False),
    Index(None, "parent", "parent_key"),  # a parent arriving releases its orphans
)

stream_leases = Table(
    "stream_leases", metadata,
    Column("stream", String(40), primary_key=True),
    Column("holder", String(120)),
    Column("token", BigInteger, nullable=False),  # fencing token: grows with every acquisition
    Column("expires_at", UtcDateTime()),
)

sync_runs = Table(
    "sync_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stream", String(40), nullable=False),
    Column("mode", String(16), nullable=False),  # incremental | full | reconcile
    Column("holder", String(120), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False, index=True),
    Column("finished_at", UtcDateTime()),
    Column("window_from", String(32)), Column("window_to", String(32)),  # billing's local stamps
    Column("rows_read", BigInteger, nullable=False, default=0),
    Column("rows_written", BigInteger, nullable=False, default=0),
    Column("rows_deleted", BigInteger, nullable=False, default=0),
    Column("outcome", String(16), nullable=False),  # running | ok | failed | lost | interrupted
    Column("error", Text),
    Column("requested_by", String(120)),  # who asked for it (a manual request); NULL: scheduled
    Index(None, "stream", "started_at"),
    Index(None, "stream", "outcome", "finished_at"),  # each stream's last good run (freshness)
)

sync_requests = Table(  # manual resyncs asked for by an operator or an admin, run by a daemon
    "sync_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mode", String(16), nullable=False),  # incremental | full | reconcile | customer
    Column("streams", String(400), nullable=False),  # space-separated; empty: all
    Column("customer_number", String(20)),  # billing's NR_KLIENTA, for mode "customer"
    Column("requested_by", String(120), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("taken_by", String(120)),  # the daemon running it; NULL while it waits
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("outcome", String(16)),  # ok | failed | interrupted
    Column("detail", Text),
    Index(None, "taken_by", "id"),
)

daemons = Table(  # one row per daemon process: liveness, and what it knows of billing
    "daemons", metadata,
    Column("holder", String(120), primary_key=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    Column("billing_down_since", UtcDateTime()),
    Column("billing_error", Text),
    Column("stopped_at", UtcDateTime()),
)


# ----- customer submissions and their way to billing ---------------------------------------------
submissions = Table(  # what a customer (or an admin for them) submitted; written with its outbox row
    "submissions", metadata,
    Column("id", String(36), primary_key=True),  # a UUID: billing's KLUCZ, and the form's idempotency key
    Column("kind", String(8), nullable=False),  # reading | message | change
    Column("customer_id", Integer, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("submitted_by", String(120), nullable=False),  # a portal login, an admin, or the CLI's user
    Column("meter_id", Integer), Column("read_on", Date), Column("state", QUANTITY),
    Column("unusual", Boolean),  # the customer confirmed a value far outside the meter's history
    Column("category", String(3)), Column("subject", String(120)), Column("body", Text),
    Column("field", String(12)), Column("value", String(80)),
    Index(None, "customer_id", "submitted_at"),
    Index(None, "meter_id", "read_on"),
)

outbox = Table(  # delivery of each submission to billing's interface tables, exactly once
    "outbox", metadata,
    Column("id", String(36), primary_key=True),  # the submission's id
    Column("state", String(10), nullable=False),  # pending | sent | dead | cancelled
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(120)), Column("claimed_until", UtcDateTime()),
    Column("tried_at", UtcDateTime()),  # an insert was tried: the next try reads back by KLUCZ first
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("order_key", String(24)),  # its queue: one meter's readings, or one customer's other submissions
    Index(None, "state", "next_attempt_at"),
    # The rows waiting in each queue, for the claim's "is an older row of this queue still waiting?"
    Index(None, "order_key", "created_at", "id", postgresql_where=text("state = 'pending'"),
          sqlite_where=text("state = 'pending'")),
)


# ----- portal accounts, sessions and rate limits -------------------------------------------------
accounts = Table(  # a person's login; one login may hold several customer accounts
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # lower case
    Column("name", String(120), nullable=False),
    Column("password_hash", String(200), nullable=False),  # Argon2id, with its parameters
    Column("must_change_password", Boolean, nullable=False),  # a one-time password set by the utility
    Column("locale", String(5), nullable=False),
    Column("phone", String(20)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("email_confirmed_at", UtcDateTime()),
    Column("password_changed_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime()),
    Column("pending_email", String(254)),  # a new address waiting for its owner to open the link sent to it
)

account_customers = Table(  # which customer accounts (billing's customers) a login may see
    "account_customers", metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    Column("proof", String(20), nullable=False),  # invoice | admin | utility
    Index(None, "customer_id"),
)

web_sessions = Table(  # server-side portal sessions; the cookie holds a random token, the store its hash
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("account_id", Integer, index=True),
    Column("admin_id", Integer, index=True),  # a staff session's admin (migration 0014)
    Column("data", Text, nullable=False),  # JSON
    Column("created_at", UtcDateTime(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),  # absolute end
)

rate_limits = Table(  # fixed-window counters of attempts, per what is limited (an account, an address)
    "rate_limits", metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("hits", Integer, nullable=False),
)

# ----- registration, e-mail, terms, consents ------------------------------------------------------
registrations = Table(  # a login's request to see a customer account, with its proof
    "registrations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("customer_number", String(20), nullable=False),
    Column("invoice_number", String(30)),  # the proof: one of the last three invoices ...
    Column("invoice_gross", MONEY),  # ... and its gross amount; both NULL: no invoice yet
    Column("state", String(10), nullable=False),  # pending | approved | rejected
    Column("reason", String(400)),  # why an admin rejected it (e-mailed)
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()), Column("decided_by", String(120)),
    Index(None, "state", "created_at"),
)

email_tokens = Table(  # single-use links sent by e-mail; the store keeps the token's SHA-256 only
    "email_tokens", metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("purpose", String(12), nullable=False),  # confirm | reset | email
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
)

mail_outbox = Table(  # e-mails to send; the daemon sends them over SMTP, never a web request
    "mail_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event", String(120), nullable=False, unique=True),  # what it is about: one message per event
    Column("to_address", String(254), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("template", String(40), nullable=False),
    Column("params", Text, nullable=False),  # JSON; secrets in it are blanked once sent
    Column("state", String(10), nullable=False),  # pending | sent | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Index(None, "state", "next_attempt_at"),
)

terms_versions = Table(  # the terms of service; the newest published is in force
    "terms_versions", metadata,
    Column("version", String(20), primary_key=True),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("body_pl", Text, nullable=False),
    Column("body_en", Text, nullable=False),
)

terms_acceptances = Table(
    "terms_acceptances", metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(20), primary_key=True),
    Column("accepted_at", UtcDateTime(), nullable=False),
)

e_invoice_consents = Table(  # every consent given or withdrawn, with when and under which terms
    "e_invoice_consents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, nullable=False),
    Column("customer_id", Integer, nullable=False, index=True),
    Column("consent", Boolean, nullable=False),
    Column("terms_version", String(20), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("submission_id", String(36), nullable=False),  # the data change sent to billing
)

tariff_months = Table(  # the average household of each tariff, per month: what a customer compares with
    "tariff_months", metadata,
    Column("tariff", String(8), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("customers", Integer, nullable=False),
    Column("consumption", QUANTITY, nullable=False),  # average per customer
    Column("charges", MONEY, nullable=False),  # average per customer
    Column("refreshed_at", UtcDateTime(), nullable=False),
)

# ----- forms to download ----------------------------------------------------------------------------
forms = Table(  # the utility's forms to download; small files, kept here so that every portal host serves them
    "forms", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(60), nullable=False, unique=True),  # its address: /forms/<slug>
    Column("title_pl", String(200), nullable=False),
    Column("title_en", String(200), nullable=False),
    Column("description_pl", Text), Column("description_en", Text),
    Column("category", String(12), nullable=False),  # connection | contract | meter | billing | other
    Column("filename", String(200), nullable=False),  # the name the download is saved under
    Column("media_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),  # bytes
    Column("sha256", String(64), nullable=False),  # of the content: the download's ETag
    Column("published_at", UtcDateTime(), nullable=False),  # of this version of the file
    Column("withdrawn_at", UtcDateTime()),  # NULL while offered
)

# ----- admin area (migration 0009) ------------------------------------------------------------------
admins = Table(  # the utility's staff: separate from customer logins, each with a second factor (TOTP)
    "admins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # lower case
    Column("name", String(120), nullable=False),
    Column("password_hash", String(200), nullable=False),  # Argon2id, with its parameters
    Column("must_change_password", Boolean, nullable=False),  # the one-time password of `ibok admin create`
    Column("role", String(16), nullable=False),  # operator | administrator
    # Encrypted (a Fernet token, portal.admin.secrets; clear base32 before migration 0014 until first
    # use or `ibok admin rotate-totp-key`); set at enrolment, never shown again once confirmed.
    Column("totp_secret", String(255)),
    Column("totp_confirmed_at", UtcDateTime()),
    Column("last_totp_step", BigInteger),  # the last 30-second step accepted: a code is never taken twice
    Column("created_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime()),
)

audit_log = Table(  # who of the staff did what to which object; never passwords, tokens or personal data
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("actor", String(60), nullable=False),  # "admin:7", "cli:jan"
    Column("action", String(40), nullable=False),  # "registration.approve", "customer.view"
    Column("object", String(60)),  # "registration:12", "customer:000123"
    Column("detail", String(400)),
    Column("network", String(50)),  # the client's /24 or /48 (limits.client_network)
    Index(None, "actor", "at"),
    Index(None, "action", "at"),
    Index(None, "object", "at"),
)

# ----- notifications (migration 0010) ---------------------------------------------------------------
notification_preferences = Table(  # a login's choices; no row for a kind: it is on
    "notification_preferences", metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), primary_key=True),  # invoice | due | overdue | outage | legalization | ...
    Column("enabled", Boolean, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

notification_marks = Table(  # since when each kind is sent: events before it are history, never mailed
    "notification_marks", metadata,
    Column("kind", String(16), primary_key=True),
    Column("started_at", UtcDateTime(), nullable=False),
)

# ----- announcements (migration 0011)
announcements = Table(  # the utility's own notices (an outage, or information), valid for a period
    "announcements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # outage | info
    Column("title_pl", String(200), nullable=False), Column("title_en", String(200)),  # English: optional
    Column("body_pl", Text, nullable=False), Column("body_en", Text),
    Column("everyone", Boolean, nullable=False),  # False: only the districts in announcement_districts
    Column("valid_from", UtcDateTime(), nullable=False),
    Column("valid_until", UtcDateTime(), nullable=False, index=True),  # "valid now" reads those not ended
    Column("published_by", String(60), nullable=False),  # "admin:7"
    Column("created_at", UtcDateTime(), nullable=False),
    Column("withdrawn_at", UtcDateTime()),
)

announcement_districts = Table(  # the districts (billing's REJON) an announcement is meant for
    "announcement_districts", metadata,
    Column("announcement_id", Integer, primary_key=True, autoincrement=False),
    Column("district", String(4), primary_key=True),
    Index(None, "district", "announcement_id"),  # a customer's districts -> their announcements
)
