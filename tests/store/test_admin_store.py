"""The admin area's store queries on SQLite and PostgreSQL: staff accounts and their TOTP steps, the
registration queue beside billing's data, customer search, and the audit log's search and pruning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.store.db import writer
from adapters.store.logins import accounts, admins, audit, registration_queue, registrations
from adapters.store.mirror import customer_search
from adapters.store.tables import customers, invoices
from tests.sync.conftest import Mirror, make_mirror, mirror  # noqa: F401 - fixtures shared with the sync tests


@pytest.fixture
def synced(mirror: Mirror) -> Mirror:
    mirror.sync()
    return mirror


def test_a_staff_email_is_unique_in_any_case_and_a_totp_step_is_taken_once(synced: Mirror) -> None:
    engine = synced.store.engine
    with writer(engine).begin() as conn:
        admin_id = admins.create(conn, email=" Ewa@Wodociagi.test ", name="Ewa", role="operator", password_hash="x")
        admins.offer_secret(conn, admin_id, "JBSWY3DPEHPK3PXP")
        assert admins.use_step(conn, admin_id, 100, confirm=True)
        assert not admins.use_step(conn, admin_id, 100)  # replayed
        assert not admins.use_step(conn, admin_id, 99)  # older
        assert admins.use_step(conn, admin_id, 101)
        admins.offer_secret(conn, admin_id, "ANOTHERSECRETXYZ")  # refused once confirmed
        found = admins.by_email(conn, "ewa@wodociagi.test")
    assert found["totp_secret"] == "JBSWY3DPEHPK3PXP" and found["last_totp_step"] == 101
    with pytest.raises(IntegrityError), writer(engine).begin() as conn:
        admins.create(conn, email="EWA@wodociagi.test", name="Other", role="operator", password_hash="x")
    with pytest.raises(ValueError), writer(engine).begin() as conn:
        admins.create(conn, email="x@wodociagi.test", name="X", role="root", password_hash="x")


def test_the_queue_shows_billing_beside_what_was_typed_and_a_decision_is_taken_once(synced: Mirror) -> None:
    engine = synced.store.engine
    with engine.connect() as conn:
        customer_id, number = conn.execute(select(customers.c.id, customers.c.number).order_by(customers.c.id)
                                           .limit(1)).one()
        typed, gross = conn.execute(select(invoices.c.number, invoices.c.gross).where(
            invoices.c.customer_id == customer_id).order_by(invoices.c.issued_on.desc()).limit(1)).one()
    with writer(engine).begin() as conn:
        account_id = accounts.create(conn, email="anna@example.pl", name="Anna", password_hash="x", locale="pl",
                                     must_change_password=False, confirmed=True)
        first = registrations.add(conn, account_id=account_id, customer_number=number, invoice_number=typed.lower(),
                                  invoice_gross=gross, state="pending")
        registrations.add(conn, account_id=account_id, customer_number="999999", invoice_number=None,
                          invoice_gross=None, state="pending")
    with engine.connect() as conn:
        known, unknown = registration_queue.pending(conn)
        assert registration_queue.pending_count(conn) == 2
    assert known["email"] == "anna@example.pl" and known["customer"]["id"] == customer_id
    assert 1 <= len(known["invoices"]) <= 3 and known["invoices"][0]["matches"] is True
    assert unknown["customer"] is None and unknown["invoices"] == []
    with writer(engine).begin() as conn:
        assert registration_queue.decide(conn, first, "approved", "admin:1")
        assert not registration_queue.decide(conn, first, "rejected", "admin:2", "late")
    with engine.connect() as conn:
        decided = registration_queue.get(conn, first)
    assert (decided["state"], decided["decided_by"], decided["reason"]) == ("approved", "admin:1", None)
    assert registration_queue.matches({"invoice_number": None, "invoice_gross": None}, {"number": "x",
                                                                                        "gross": Decimal(1)}) is False


def test_customer_search_takes_numbers_names_and_addresses_and_wildcards_literally(synced: Mirror) -> None:
    with synced.store.engine.connect() as conn:
        row = conn.execute(select(customers).order_by(customers.c.id).limit(1)).mappings().one()
        assert customer_search.search(conn, row["number"])[0]["number"] == row["number"]
        assert row["id"] in [c["id"] for c in customer_search.search(conn, row["name"].lower())]
        assert row["id"] in [c["id"] for c in customer_search.search(conn, f"{row['street']} {row['house_number']}")]
        assert customer_search.search(conn, "%") == [] and customer_search.search(conn, "_") == []
        assert customer_search.search(conn, "   ") == []
        assert len(customer_search.search(conn, row["city"][:2], limit=5)) <= 5


def test_the_audit_log_is_searched_in_billing_days_and_pruned_by_age(synced: Mirror) -> None:
    engine = synced.store.engine
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # across the change to summer time
    with writer(engine).begin() as conn:
        for n in range(48):
            audit.record(conn, actor=f"admin:{n % 2}", action="customer.view" if n % 3 else "registration.approve",
                         object=f"customer:{n:06d}", detail="x" * 500, at=start + timedelta(hours=n),
                         network="10.0.0.0/24")
    with engine.connect() as conn:
        day = audit.search(conn, audit.AuditFilter(since=date(2026, 3, 29), until=date(2026, 3, 29)), 1, 100)
        assert day.total == 23  # the short day: 23 hours in Warsaw
        assert audit.search(conn, audit.AuditFilter(actor="admin:1"), 1, 10).total == 24
        assert audit.search(conn, audit.AuditFilter(action="registration."), 1, 10).total == 16
        assert audit.search(conn, audit.AuditFilter(action="registration"), 1, 10).total == 0  # exact
        assert audit.search(conn, audit.AuditFilter(object="customer:"), 3, 20).rows[-1]["object"] == "customer:000000"
        newest = audit.search(conn, audit.AuditFilter(), 1, 1).rows[0]
    assert newest["object"] == "customer:000047" and len(newest["detail"]) == 400
    with writer(engine).begin() as conn:
        assert audit.prune(conn, 1, now=start + timedelta(hours=48)) == 24
    with engine.connect() as conn:
        assert audit.search(conn, audit.AuditFilter(), 1, 10).total == 24


def test_the_daemons_hourly_prune_forgets_audit_entries_older_than_the_setting(synced: Mirror) -> None:
    from config.settings import load_settings
    from sync.daemon import Daemon

    now = datetime.now(UTC)
    with writer(synced.store.engine).begin() as conn:
        audit.record(conn, actor="admin:1", action="customer.view", object="old", at=now - timedelta(days=3))
        audit.record(conn, actor="admin:1", action="customer.view", object="new", at=now - timedelta(hours=1))
    daemon = Daemon(load_settings(environ={"IBOK_STORE_URL": synced.store_url, "IBOK_ADMIN_AUDIT_KEEP_DAYS": "2"}))
    try:
        daemon.prune()
    finally:
        daemon.store.dispose()
    with synced.store.engine.connect() as conn:
        assert [r["object"] for r in audit.search(conn, audit.AuditFilter(), 1, 10).rows] == ["new"]
