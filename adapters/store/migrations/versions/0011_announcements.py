"""The utility's own announcements (outages, information) and the districts each is meant for.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title_pl", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("body_pl", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=True),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        _utc("valid_from", False),
        _utc("valid_until", False),
        sa.Column("published_by", sa.String(length=60), nullable=False),
        _utc("created_at", False),
        _utc("withdrawn_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(op.f("ix_announcements_valid_until"), "announcements", ["valid_until"], unique=False)
    op.create_table(
        "announcement_districts",
        sa.Column("announcement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.PrimaryKeyConstraint("announcement_id", "district", name=op.f("pk_announcement_districts")),
    )
    op.create_index(op.f("ix_announcement_districts_district_announcement_id"), "announcement_districts",
                    ["district", "announcement_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_announcement_districts_district_announcement_id"), table_name="announcement_districts")
    op.drop_table("announcement_districts")
    op.drop_index(op.f("ix_announcements_valid_until"), table_name="announcements")
    op.drop_table("announcements")
