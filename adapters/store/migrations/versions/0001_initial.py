"""The portal store's first schema: mirrored entities, derived data and the sync's bookkeeping.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Migrations use plain SQLAlchemy types (BigInteger for Scaled, DateTime(timezone=True) for
# UtcDateTime) and never import application code, so that old revisions keep working.

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("sellers", "customers", "points", "contracts", "meters", "readings", "invoices", "invoice_lines",
           "settlements", "payments", "outages", "case_events", "customer_summaries", "meter_months",
           "customer_months", "dirty_customers", "dirty_meters", "stream_states", "stream_leases", "sync_runs")


def upgrade() -> None:
    # ----- mirrored entities ---------------------------------------------------------------------
    op.create_table(
        "sellers",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tax_id", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=160), nullable=False),
        sa.Column("bank_account", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tax_id", sa.String(length=10), nullable=True),
        sa.Column("street", sa.String(length=60), nullable=False),
        sa.Column("house_number", sa.String(length=10), nullable=False),
        sa.Column("flat_number", sa.String(length=10), nullable=True),
        sa.Column("postal_code", sa.String(length=6), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("email", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("e_invoice", sa.Boolean(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("number", name=op.f("uq_customers_number")),
    )
    op.create_table(
        "points",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("street", sa.String(length=60), nullable=False),
        sa.Column("house_number", sa.String(length=10), nullable=False),
        sa.Column("flat_number", sa.String(length=10), nullable=True),
        sa.Column("postal_code", sa.String(length=6), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points")),
    )
    op.create_index(op.f("ix_points_district"), "points", ["district"], unique=False)
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("services", sa.String(length=2), nullable=False),
        sa.Column("tariff", sa.String(length=8), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    op.create_index(op.f("ix_contracts_customer_id"), "contracts", ["customer_id"], unique=False)
    op.create_index(op.f("ix_contracts_point_id"), "contracts", ["point_id"], unique=False)
    op.create_table(
        "meters",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("serial_number", sa.String(length=20), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("diameter_mm", sa.SmallInteger(), nullable=False),
        sa.Column("mounted_on", sa.Date(), nullable=False),
        sa.Column("dismounted_on", sa.Date(), nullable=True),
        sa.Column("legalization_valid_until", sa.Date(), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
    )
    op.create_index(op.f("ix_meters_serial_number"), "meters", ["serial_number"], unique=False)
    op.create_index(op.f("ix_meters_point_id"), "meters", ["point_id"], unique=False)
    op.create_table(
        "readings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("state", sa.BigInteger(), nullable=False),
        sa.Column("consumption", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings")),
    )
    op.create_index(op.f("ix_readings_point_id"), "readings", ["point_id"], unique=False)
    op.create_index(op.f("ix_readings_meter_id_read_on"), "readings", ["meter_id", "read_on"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("correcting", sa.Boolean(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("pdf_path", sa.String(length=200), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index(op.f("ix_invoices_customer_id_issued_on"), "invoices", ["customer_id", "issued_on"],
                    unique=False)
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("unit_net_price", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.String(length=3), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"], unique=False)
    op.create_table(
        "settlements",
        sa.Column("invoice_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_settlements")),
    )
    op.create_index(op.f("ix_settlements_customer_id"), "settlements", ["customer_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_customer_id_paid_on"), "payments", ["customer_id", "paid_on"], unique=False)
    op.create_table(
        "outages",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outages")),
    )
    op.create_index(op.f("ix_outages_district"), "outages", ["district"], unique=False)
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_number", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=120), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_number"), "case_events", ["case_number"], unique=False)

    # ----- derived data ----------------------------------------------------------------------------
    op.create_table(
        "customer_summaries",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("invoiced", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("next_due_amount", sa.BigInteger(), nullable=True),
        sa.Column("legalization_due_on", sa.Date(), nullable=True),
        sa.Column("last_reading_on", sa.Date(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_summaries")),
    )
    op.create_table(
        "meter_months",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("consumption", sa.BigInteger(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("meter_id", "month", name=op.f("pk_meter_months")),
    )
    op.create_table(
        "customer_months",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("consumption", sa.BigInteger(), nullable=False),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "month", name=op.f("pk_customer_months")),
    )
    op.create_table(
        "dirty_customers",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_dirty_customers")),
    )
    op.create_table(
        "dirty_meters",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("meter_id", name=op.f("pk_dirty_meters")),
    )

    # ----- the sync's bookkeeping ------------------------------------------------------------------
    op.create_table(
        "stream_states",
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_stream_states")),
    )
    op.create_table(
        "stream_leases",
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=True),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_stream_leases")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_from", sa.String(length=32), nullable=True),
        sa.Column("window_to", sa.String(length=32), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_written", sa.BigInteger(), nullable=False),
        sa.Column("rows_deleted", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(op.f("ix_sync_runs_started_at"), "sync_runs", ["started_at"], unique=False)
    op.create_index(op.f("ix_sync_runs_stream_started_at"), "sync_runs", ["stream", "started_at"], unique=False)


def downgrade() -> None:
    for name in reversed(_TABLES):  # dropping a table drops its indexes
        op.drop_table(name)
