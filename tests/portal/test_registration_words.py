"""Registration says it is closed before any form; a proof that does not match is said (not "check your
e-mail"), keeping what was typed, the password too; customer numbers with or without their leading
zeros and amounts written either way prove alike; logins made by the office accept the terms at their
first login."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import Form

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.tables import accounts, customers, invoices, mail_outbox, registrations, terms_acceptances
from adapters.store.unit_of_work import UnitOfWork
from portal.auth import onboarding
from portal.auth.forms import AmountField
from sync.formats import read_amount
from tests.portal.conftest import PASSWORD, Site, csrf, log_in


@pytest.fixture
def open_site(site: Site) -> Site:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.\n\nDrugi akapit.", "Terms.\n\nSecond paragraph.")
    return site


def _client(site: Site, lang: str = "en") -> FlaskClient:
    client = site.client()
    client.set_cookie("ibok_lang", lang)
    return client


def _proof(site: Site) -> tuple[str, str, Decimal]:
    """The customer number, latest invoice number and gross of the first customer with an invoice."""
    with site.mirror.store.engine.connect() as conn:
        number, invoice, gross = conn.execute(
            select(customers.c.number, invoices.c.number, invoices.c.gross)
            .join(invoices, invoices.c.customer_id == customers.c.id).where(invoices.c.gross > 0)
            .order_by(customers.c.id, invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(1)).one()
    return number, invoice, gross


def _register(client: FlaskClient, number: str, invoice: str, gross: str, email: str, **extra: str):
    data = {"csrf_token": csrf(client, "/register"), "customer_number": number, "invoice_number": invoice,
            "invoice_gross": gross, "name": "Anna Nowak", "email": email, "password": PASSWORD, "accept_terms": "y",
            **extra}
    return client.post("/register", data=data)


def _count(site: Site, table) -> int:
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(("lang", "said"), [("en", "Registration is closed for now"),
                                            ("pl", "Rejestracja jest na razie zamknięta")])
def test_closed_registration_is_said_before_any_form(site: Site, lang: str, said: str) -> None:
    client = _client(site, lang)
    page = client.get("/register")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and said in text
    assert 'type="password"' not in text and 'name="customer_number"' not in text  # nothing to fill in
    sent = client.post("/register", data={"csrf_token": csrf(client, "/login"), "customer_number": "010001"})
    assert said in sent.get_data(as_text=True) and _count(site, accounts) == 0


@pytest.mark.parametrize(("lang", "said"), [("en", "has not published the terms of service yet"),
                                            ("pl", "nie opublikowały jeszcze regulaminu")])
def test_the_terms_page_linked_from_every_footer_answers_before_any_terms_are_published(
        site: Site, lang: str, said: str) -> None:
    page = _client(site, lang).get("/terms")
    assert page.status_code == 200 and said in page.get_data(as_text=True)


def test_a_mistyped_amount_is_said_and_keeps_what_was_typed_the_password_too(open_site: Site) -> None:
    site = open_site
    number, invoice, gross = _proof(site)
    client = _client(site)
    wrong = _register(client, number, invoice, f"{gross + Decimal('10.00'):.2f}".replace(".", ","),
                      "anna@example.pl")
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "Check your e-mail" not in text
    assert "could not match this customer number, invoice number and gross amount" in text
    assert f'value="{PASSWORD}"' in text and f'value="{invoice}"' in text  # nothing to type again
    assert (_count(site, accounts), _count(site, registrations), _count(site, mail_outbox)) == (0, 0, 0)

    right = _register(client, number, invoice, f"{gross:.2f}".replace(".", ","), "anna@example.pl")
    assert "Check your e-mail" in right.get_data(as_text=True)
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(registrations.c.state, registrations.c.customer_number)).one() == (
            "approved", number)


def test_a_refused_password_is_blanked_while_the_rest_is_kept(open_site: Site) -> None:
    number, invoice, gross = _proof(open_site)
    page = _register(_client(open_site), number, invoice, f"{gross}", "anna@example.pl", password="123456789012")
    text = page.get_data(as_text=True)
    assert "known from data leaks" in text and 'value="123456789012"' not in text
    assert re.search(r'<input[^>]*id="password"[^>]*value=""', text) and f'value="{invoice}"' in text


def test_a_number_without_its_zeros_and_an_amount_written_any_way_prove_alike(open_site: Site) -> None:
    site = open_site
    number, invoice, gross = _proof(site)
    plain = f"{gross:.2f}"
    shapes = [(number.lstrip("0"), plain.replace(".", ",")), (f"00{number}", plain),
              (f"klient {number.lstrip('0')}", f"{plain.replace('.', ',')} zł"),
              (number, f"{gross:,.2f} PLN"), (number, f"{gross:,.2f}".replace(",", " ").replace(".", ","))]
    for i, (typed_number, typed_amount) in enumerate(shapes):
        page = _register(_client(site), typed_number, f" {invoice.lower()} ", typed_amount, f"anna{i}@example.pl")
        assert "Check your e-mail" in page.get_data(as_text=True), (typed_number, typed_amount)
    with site.mirror.store.engine.connect() as conn:
        assert set(conn.execute(select(registrations.c.state, registrations.c.customer_number))) == {
            ("approved", number)}


def test_proofs_for_one_customer_number_are_limited_from_any_network(open_site: Site) -> None:
    number, invoice, _gross = _proof(open_site)
    client = _client(open_site)
    answers = [client.post("/register", data={
        "csrf_token": csrf(client, "/register"), "customer_number": number.lstrip("0") if n % 2 else number,
        "invoice_number": invoice, "invoice_gross": f"{n + 1},00", "name": "X", "email": f"x{n}@example.pl",
        "password": PASSWORD, "accept_terms": "y"}, environ_base={"REMOTE_ADDR": f"10.0.{n}.1"})
        for n in range(21)]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert answers[20].status_code == 429 and "Try again in" in answers[20].get_data(as_text=True)


@pytest.mark.parametrize(("typed", "amount"), [
    ("123,45", "123.45"), ("123.45", "123.45"), ("1 234,50 zł", "1234.50"), ("1.234,50", "1234.50"),
    ("1,234.50", "1234.50"), ("PLN 99", "99.00"), ("1\u00a0234,5", "1234.50"), ("0,5", "0.50"),
])
def test_amounts_are_read_as_people_write_them(typed: str, amount: str) -> None:
    assert read_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["", "abc", "١٢٣", "１２３", "1e5", "NaN", "Infinity", "zł", "12,3456", "1,2345",
                                   "12.34.5,678", "--5"])
def test_anything_else_is_no_amount(typed: str) -> None:
    assert read_amount(typed) is None


def test_the_amount_field_shows_what_was_typed() -> None:
    class Amount(Form):
        gross = AmountField()

    form = Amount(MultiDict({"gross": "1 234,50 zł"}))
    assert form.gross.data == Decimal("1234.50") and form.gross._value() == "1 234,50 zł"


def test_a_login_the_office_made_accepts_the_terms_at_its_first_login(open_site: Site) -> None:
    site = open_site
    number, _invoice, _gross = _proof(site)
    onboarding.create_account(UnitOfWork(site.mirror.store.engine), numbers=[number.lstrip("0")],
                              email="biuro@example.pl", name=None, password=PASSWORD, locale="en", one_time=False)
    client = _client(site)
    assert log_in(client, "biuro@example.pl").status_code == 302
    asked = client.get("/invoices")
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/account/terms")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Terms." in page and "Second paragraph." in page
    done = client.post("/account/terms?next=/invoices", data={"csrf_token": csrf(client, "/account/terms"),
                                                                "version": "2026-11"})
    assert done.headers["Location"] == "/invoices" and client.get("/invoices").status_code == 200
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(terms_acceptances.c.version)).scalars().all() == ["2026-11"]
    again = _client(site)
    assert log_in(again, "biuro@example.pl").status_code == 302 and again.get("/").status_code == 200


def test_a_one_time_password_is_changed_first_and_the_terms_accepted_next(open_site: Site) -> None:
    site = open_site
    number, _invoice, _gross = _proof(site)
    onboarding.create_account(UnitOfWork(site.mirror.store.engine), numbers=[number], email="jan@example.pl",
                              name="Jan", password=PASSWORD, locale="pl", one_time=True)
    client = _client(site)
    log_in(client, "jan@example.pl")
    assert client.get("/").headers["Location"] == "/account/password"
    changed = client.post("/account/password", data={"csrf_token": csrf(client, "/account/password"),
                                                     "current": PASSWORD, "new": "nowe hasło jana na zimę"})
    assert changed.status_code == 302
    assert client.get("/").headers["Location"].startswith("/account/terms")
