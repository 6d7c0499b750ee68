"""Customer submissions and their outbox, and the interface tables' replies mirrored from billing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _reply_tail() -> list[sa.Column]:
    return [_utc("modified_at", False), sa.Column("row_hash", sa.String(length=32), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "reading_replies",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("state", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        *_reply_tail(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_replies")),
        sa.UniqueConstraint("key", name=op.f("uq_reading_replies_key")),
    )
    op.create_table(
        "message_replies",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=3), nullable=False),
        sa.Column("case_number", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        *_reply_tail(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_replies")),
        sa.UniqueConstraint("key", name=op.f("uq_message_replies_key")),
    )
    op.create_table(
        "change_replies",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        *_reply_tail(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_replies")),
        sa.UniqueConstraint("key", name=op.f("uq_change_replies_key")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        _utc("submitted_at", False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=True),
        sa.Column("read_on", sa.Date(), nullable=True),
        sa.Column("state", sa.BigInteger(), nullable=True),
        sa.Column("unusual", sa.Boolean(), nullable=True),
        sa.Column("category", sa.String(length=3), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("field", sa.String(length=12), nullable=True),
        sa.Column("value", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index(op.f("ix_submissions_customer_id_submitted_at"), "submissions",
                    ["customer_id", "submitted_at"], unique=False)
    op.create_index(op.f("ix_submissions_meter_id_read_on"), "submissions", ["meter_id", "read_on"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at", False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        _utc("claimed_until"),
        _utc("tried_at"),
        _utc("sent_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _utc("created_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_state_next_attempt_at"), "outbox", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_state_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_submissions_meter_id_read_on"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_customer_id_submitted_at"), table_name="submissions")
    op.drop_table("submissions")
    for table in ("change_replies", "message_replies", "reading_replies"):
        op.drop_table(table)
