"""Delivery in order: each outbox row names the queue it belongs to (one meter's readings, one
customer's other submissions); a relay takes only the oldest waiting row of each queue.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("order_key", sa.String(length=24), nullable=True))
    # The same keys as adapters.store.outbox.deliveries.order_key gives new rows.
    op.execute("UPDATE outbox SET order_key = (SELECT CASE WHEN s.kind = 'reading' AND s.meter_id IS NOT NULL"
               " THEN 'meter:' || CAST(s.meter_id AS VARCHAR(12))"
               " ELSE 'customer:' || CAST(s.customer_id AS VARCHAR(12))"
               " END FROM submissions s WHERE s.id = outbox.id)")
    waiting = sa.text("state = 'pending'")
    op.create_index(op.f("ix_outbox_order_key_created_at_id"), "outbox", ["order_key", "created_at", "id"],
                    unique=False, postgresql_where=waiting, sqlite_where=waiting)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_order_key_created_at_id"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("order_key")
