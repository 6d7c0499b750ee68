"""Reconciliation by content: billing's checksum of every mirrored row, orphans kept, anomalies recorded.

- ``source_sum`` on every mirrored table: billing's own checksum of the row's raw values when it was
  read (NULL until the row is read again by a billing that computes one; reconciliation fills it);
- ``readings.point_id`` and ``settlements.customer_id`` may be NULL: a reading of a meter billing
  lacks, or a settlement of an invoice it lacks, is mirrored and belongs to no one;
- ``sync_anomalies``: orphans and change stamps ahead of billing's clock, for status pages.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIRRORED = ("sellers", "customers", "points", "contracts", "meters", "readings", "invoices", "settlements",
            "payments", "outages", "case_events", "reading_replies", "message_replies", "change_replies")


def upgrade() -> None:
    for table in MIRRORED:
        op.add_column(table, sa.Column("source_sum", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("readings") as batch:
        batch.alter_column("point_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("settlements") as batch:
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "sync_anomalies",
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("row_key", sa.BigInteger(), nullable=False),
        sa.Column("parent", sa.String(length=40), nullable=False),
        sa.Column("parent_key", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=40), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream", "kind", "row_key", "parent", name=op.f("pk_sync_anomalies")),
    )
    op.create_index(op.f("ix_sync_anomalies_parent_parent_key"), "sync_anomalies", ["parent", "parent_key"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_anomalies_parent_parent_key"), table_name="sync_anomalies")
    op.drop_table("sync_anomalies")
    op.execute("DELETE FROM settlements WHERE customer_id IS NULL")
    op.execute("DELETE FROM readings WHERE point_id IS NULL")
    with op.batch_alter_table("settlements") as batch:
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("readings") as batch:
        batch.alter_column("point_id", existing_type=sa.Integer(), nullable=False)
    for table in MIRRORED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_sum")
