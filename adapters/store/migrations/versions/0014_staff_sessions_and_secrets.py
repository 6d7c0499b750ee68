"""Staff sessions known by their admin (all ended at a password change, shorter timeouts), and room
for encrypted TOTP secrets.

The secrets themselves are not touched here: a migration runs wherever the schema is upgraded, with
no key at hand, and the key stays out of the migrations. Clear secrets left from before still work
(a base32 secret cannot be mistaken for a Fernet token); each is encrypted at the admin's next
right code, and all at once by ``ibok admin rotate-totp-key`` (run it once after this upgrade).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("web_sessions", sa.Column("admin_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_web_sessions_admin_id"), "web_sessions", ["admin_id"], unique=False)
    # Staff sessions from before carry their admin only in their data: they end now (log in again).
    op.execute("DELETE FROM web_sessions WHERE account_id IS NULL AND data LIKE '%\"admin_id\"%'")
    with op.batch_alter_table("admins") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255),
                           existing_nullable=True)


def downgrade() -> None:
    # A Fernet token does not fit 64 characters: secrets encrypted meanwhile are forgotten (re-enrol).
    op.execute("UPDATE admins SET totp_secret = NULL, totp_confirmed_at = NULL, last_totp_step = NULL"
               " WHERE LENGTH(totp_secret) > 64")
    with op.batch_alter_table("admins") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64),
                           existing_nullable=True)
    op.drop_index(op.f("ix_web_sessions_admin_id"), table_name="web_sessions")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("admin_id")
