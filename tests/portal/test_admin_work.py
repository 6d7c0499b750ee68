"""The admin area's work: the registration queue (approve, reject, each e-mailed once through a real
SMTP server), customer lookup with its audit entry, and the audit log's search, pages and pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.logins import audit, registrations
from adapters.store.tables import (
    account_customers,
    audit_log,
    customers,
    invoices,
    mail_outbox,
)
from adapters.store.tables import registrations as registrations_table
from sync.mailer import send_due
from tests.portal.conftest import Site, log_in
from tests.portal.mailbox import Mailbox
from tests.portal.staff import admin_login, csrf_of, make_admin, operator_client


def _customer(site: Site, index: int = 0) -> dict:
    with site.mirror.store.engine.connect() as conn:
        row = conn.execute(select(customers).order_by(customers.c.id).offset(index).limit(1)).mappings().one()
        invoice = conn.execute(select(invoices.c.number, invoices.c.gross).where(invoices.c.customer_id == row["id"])
                               .order_by(invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(1)).first()
    return dict(row) | {"invoice": invoice}


def _pending(site: Site, email: str, number: str, invoice: str | None = None,
             gross: Decimal | None = None) -> tuple[int, int]:
    account_id = site.login_for(email)
    with writer(site.mirror.store.engine).begin() as conn:
        registration_id = registrations.add(conn, account_id=account_id, customer_number=number,
                                            invoice_number=invoice, invoice_gross=gross, state="pending")
    return account_id, registration_id


def _state(site: Site, registration_id: int) -> dict:
    with site.mirror.store.engine.connect() as conn:
        return dict(conn.execute(select(registrations_table).where(registrations_table.c.id == registration_id))
                    .mappings().one())


def _audit(site: Site, action: str) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()]


def _deliver(site: Site, box: Mailbox) -> int:
    return send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test").sent


def test_an_operator_compares_a_request_with_billing_approves_it_and_the_customer_is_told_once(
        site: Site, box: Mailbox) -> None:
    customer = _customer(site)
    number, gross = customer["invoice"]
    account_id, registration_id = _pending(site, "anna@example.pl", customer["number"], number, gross)
    client, admin_id = operator_client(site)
    page = client.get("/admin/registrations").get_data(as_text=True)
    assert "anna@example.pl" in page and customer["name"] in page and number in page
    assert 'class="match"' in page  # the invoice typed is one of the last three
    [viewed] = _audit(site, "registration.view")  # what billing holds was shown: who saw it is written down
    assert viewed["actor"] == f"admin:{admin_id}" and viewed["detail"] == f"registration:{registration_id}"
    csrf = csrf_of(client, "/admin/registrations")
    done = client.post(f"/admin/registrations/{registration_id}/approve", data={"csrf_token": csrf})
    assert done.headers["Location"] == "/admin/registrations"
    assert "No registrations wait" in client.get("/admin/registrations").get_data(as_text=True)
    again = client.post(f"/admin/registrations/{registration_id}/approve", data={"csrf_token": csrf})
    assert again.status_code == 302
    assert "decided already" in client.get("/admin/registrations").get_data(as_text=True)

    decided = _state(site, registration_id)
    assert decided["state"] == "approved" and decided["decided_by"] == f"admin:{admin_id}"
    assert decided["decided_at"] is not None
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(account_customers.c.customer_id, account_customers.c.proof)
                            .where(account_customers.c.account_id == account_id)).one() == (customer["id"], "admin")
    assert _deliver(site, box) == 1 and _deliver(site, box) == 0
    [message] = box.to("anna@example.pl")
    assert customer["number"] in Mailbox.text(message) and "http://portal.test/login" in Mailbox.text(message)
    [entry] = _audit(site, "registration.approve")
    assert entry["actor"] == f"admin:{admin_id}" and entry["object"] == f"registration:{registration_id}"
    assert entry["network"] == "127.0.0.0/24" and customer["name"] not in repr(entry)

    anna = site.client()
    anna.set_cookie("ibok_lang", "en")
    assert log_in(anna, "anna@example.pl").status_code == 302
    assert "Balance" in anna.get("/").get_data(as_text=True)  # the customer account, no longer "being checked"


def test_a_rejection_needs_its_reason_which_the_customer_is_told_once(site: Site, box: Mailbox) -> None:
    _, registration_id = _pending(site, "jan@example.pl", "123456")
    client, _ = operator_client(site)
    page = client.get("/admin/registrations").get_data(as_text=True)
    assert "no invoice" in page and "No customer with this number" in page
    path = f"/admin/registrations/{registration_id}/reject"
    csrf = csrf_of(client, "/admin/registrations")
    empty = client.post(path, data={"csrf_token": csrf, f"r{registration_id}-reason": "   "})
    assert empty.status_code == 400 and "Give the reason" in empty.get_data(as_text=True)
    assert _state(site, registration_id)["state"] == "pending"

    reason = "Numer klienta 123456 nie istnieje; prosimy o kontakt z biurem."
    assert client.post(path, data={"csrf_token": csrf, f"r{registration_id}-reason": reason}).status_code == 302
    assert client.post(path, data={"csrf_token": csrf, f"r{registration_id}-reason": "again"}).status_code == 302
    decided = _state(site, registration_id)
    assert decided["state"] == "rejected" and decided["reason"] == reason
    assert _deliver(site, box) == 1 and _deliver(site, box) == 0
    [message] = box.to("jan@example.pl")
    assert reason in Mailbox.text(message)
    [entry] = _audit(site, "registration.reject")
    assert entry["object"] == f"registration:{registration_id}" and reason not in repr(entry)


def test_approving_a_number_billing_does_not_know_changes_nothing_and_says_so(site: Site) -> None:
    account_id, registration_id = _pending(site, "jan@example.pl", "999999")
    client, _ = operator_client(site)
    answer = client.post(f"/admin/registrations/{registration_id}/approve",
                         data={"csrf_token": csrf_of(client, "/admin/registrations")})
    assert answer.status_code == 302
    assert "no customer with this number" in client.get("/admin/registrations").get_data(as_text=True)
    assert _state(site, registration_id)["state"] == "pending"
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(account_customers).where(account_customers.c.account_id == account_id)).first() \
            is None
        assert conn.execute(select(mail_outbox)).first() is None
    assert _audit(site, "registration.approve") == []
    assert client.post("/admin/registrations/424242/approve",
                       data={"csrf_token": csrf_of(client, "/admin/")}).status_code == 404


def test_customer_lookup_by_number_name_or_address_and_every_view_is_audited_by_number(site: Site) -> None:
    customer = _customer(site, 2)
    client, admin_id = operator_client(site)
    by_number = client.get(f"/admin/customers?q={customer['number']}").get_data(as_text=True)
    assert f'href="/admin/customers/{customer["number"]}"' in by_number
    assert customer["name"] in client.get(f"/admin/customers?q={customer['name'][2:8].lower()}").get_data(as_text=True)
    assert customer["number"] in client.get(f"/admin/customers?q={customer['street']}").get_data(as_text=True)
    assert "No customer matches" in client.get("/admin/customers?q=%25%25_").get_data(as_text=True)
    assert _audit(site, "customer.view") == []  # a list of results is not a customer's data viewed ...
    searches = _audit(site, "customer.search")  # ... but who saw which customers listed is written down
    assert len(searches) == 3 and all(f"customer:{customer['number']}" in e["detail"] for e in searches)
    assert all(customer["name"] not in repr(e) and customer["street"] not in repr(e) for e in searches)

    page = client.get(f"/admin/customers/{customer['number']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and customer["name"] in html and "Balance" in html
    if customer["invoice"]:
        assert customer["invoice"][0] in html
    [entry] = _audit(site, "customer.view")
    assert entry["actor"] == f"admin:{admin_id}" and entry["object"] == f"customer:{customer['number']}"
    assert customer["name"] not in repr(entry) and customer["street"] not in repr(entry)
    assert client.get("/admin/customers/000000X").status_code == 404


def test_the_audit_log_is_searched_by_actor_action_object_and_day_a_page_at_a_time(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test", "administrator")
    start = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    with writer(site.mirror.store.engine).begin() as conn:
        for n in range(60):
            audit.record(conn, actor="admin:7", action="customer.view", object=f"customer:{n:06d}",
                         at=start + timedelta(hours=n))
        audit.record(conn, actor="admin:8", action="registration.approve", object="registration:3",
                     at=start + timedelta(days=1))
        audit.record(conn, actor="admin:8", action="registration.reject", object="registration:4",
                     at=start + timedelta(days=2))
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    admin_login(client, "ewa@wodociagi.test")

    def rows(query: str) -> list[str]:
        html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
        return [line for line in html.splitlines() if line.startswith("  <tr><td")]

    assert len(rows("action=registration.")) == 2
    assert len(rows("action=registration.approve")) == 1
    assert len(rows("actor=admin:8")) == 2
    assert len(rows("object=customer:000042")) == 1
    assert len(rows("action=customer.view&since=2026-10-02&until=2026-10-02")) == 24  # Warsaw's day: 22:00–21:59 UTC
    first = client.get("/admin/audit?action=customer.view").get_data(as_text=True)
    assert "60 entries" in first and "Page 1 of 2" in first and "page=2" in first and "action=customer.view" in first
    assert len(rows("action=customer.view&page=2")) == 10
    assert len(rows("action=customer.view&page=99")) == 10  # past the end: the last page
    assert rows("action=nothing") == []

    with writer(site.mirror.store.engine).begin() as conn:
        gone = audit.prune(conn, 30, now=datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    assert gone == 26 + 1  # before 2026-10-02 12:00: the views from 10-01 10:00 to 10-02 11:00, one approval
    assert len(rows("action=customer.view")) == 34 and len(rows("action=registration.")) == 1
