"""Readings indexed by point and date (was: by point): a point's last reading is one index lookup.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_readings_point_id_read_on"), "readings", ["point_id", "read_on"], unique=False)
    op.drop_index(op.f("ix_readings_point_id"), table_name="readings")


def downgrade() -> None:
    op.create_index(op.f("ix_readings_point_id"), "readings", ["point_id"], unique=False)
    op.drop_index(op.f("ix_readings_point_id_read_on"), table_name="readings")
