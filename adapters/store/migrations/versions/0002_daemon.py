"""The daemon's bookkeeping (manual resync requests, daemon heartbeats, who asked for a run), and the
first stale month of each derived-data mark.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("streams", sa.String(length=400), nullable=False),
        sa.Column("customer_number", sa.String(length=20), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=120), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_requests")),
    )
    op.create_index(op.f("ix_sync_requests_taken_by_id"), "sync_requests", ["taken_by", "id"], unique=False)
    op.create_table(
        "daemons",
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_down_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("billing_error", sa.Text(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_daemons")),
    )
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("requested_by", sa.String(length=120), nullable=True))
    op.create_index(op.f("ix_sync_runs_stream_outcome_finished_at"), "sync_runs",
                    ["stream", "outcome", "finished_at"], unique=False)
    for table in ("dirty_customers", "dirty_meters"):
        op.add_column(table, sa.Column("since", sa.Date(), nullable=True))  # NULL: every month, as before


def downgrade() -> None:
    for table in ("dirty_customers", "dirty_meters"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("since")
    op.drop_index(op.f("ix_sync_runs_stream_outcome_finished_at"), table_name="sync_runs")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("requested_by")
    op.drop_table("daemons")
    op.drop_table("sync_requests")
