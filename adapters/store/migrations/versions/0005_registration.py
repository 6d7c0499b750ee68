"""Registration requests, single-use e-mail tokens, the e-mail outbox, terms of service and their
acceptances, e-invoice consents, and the average household per tariff and month.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_number", sa.String(length=20), nullable=False),
        sa.Column("invoice_number", sa.String(length=30), nullable=True),
        sa.Column("invoice_gross", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True),
        _utc("created_at", False), _utc("decided_at"),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(op.f("ix_registrations_account_id"), "registrations", ["account_id"], unique=False)
    op.create_index(op.f("ix_registrations_state_created_at"), "registrations", ["state", "created_at"], unique=False)
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        _utc("created_at", False), _utc("expires_at", False), _utc("used_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
    )
    op.create_index(op.f("ix_email_tokens_account_id"), "email_tokens", ["account_id"], unique=False)
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event", sa.String(length=120), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at", False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _utc("created_at", False), _utc("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("event", name=op.f("uq_mail_outbox_event")),
    )
    op.create_index(op.f("ix_mail_outbox_state_next_attempt_at"), "mail_outbox", ["state", "next_attempt_at"],
                    unique=False)
    op.create_table(
        "terms_versions",
        sa.Column("version", sa.String(length=20), nullable=False),
        _utc("published_at", False),
        sa.Column("body_pl", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_terms_versions")),
    )
    op.create_table(
        "terms_acceptances",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        _utc("accepted_at", False),
        sa.PrimaryKeyConstraint("account_id", "version", name=op.f("pk_terms_acceptances")),
    )
    op.create_table(
        "e_invoice_consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("terms_version", sa.String(length=20), nullable=False),
        _utc("at", False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_e_invoice_consents")),
    )
    op.create_index(op.f("ix_e_invoice_consents_customer_id"), "e_invoice_consents", ["customer_id"], unique=False)
    op.create_table(
        "tariff_months",
        sa.Column("tariff", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("consumption", sa.BigInteger(), nullable=False),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        _utc("refreshed_at", False),
        sa.PrimaryKeyConstraint("tariff", "month", name=op.f("pk_tariff_months")),
    )


def downgrade() -> None:
    op.drop_table("tariff_months")
    op.drop_index(op.f("ix_e_invoice_consents_customer_id"), table_name="e_invoice_consents")
    op.drop_table("e_invoice_consents")
    op.drop_table("terms_acceptances")
    op.drop_table("terms_versions")
    op.drop_index(op.f("ix_mail_outbox_state_next_attempt_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_email_tokens_account_id"), table_name="email_tokens")
    op.drop_table("email_tokens")
    op.drop_index(op.f("ix_registrations_state_created_at"), table_name="registrations")
    op.drop_index(op.f("ix_registrations_account_id"), table_name="registrations")
    op.drop_table("registrations")
