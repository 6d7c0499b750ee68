"""Registration with proof, e-mail confirmation through a real SMTP server, password reset, linking
another customer account; and that none of it tells a stranger which accounts exist."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.tables import (
    accounts,
    invoices,
    mail_outbox,
    registrations,
    terms_acceptances,
)
from sync.mailer import send_due
from tests.portal.conftest import PASSWORD, Site, csrf, log_in
from tests.portal.mailbox import Mailbox, free_port, mailbox

BASE = "http://portal.test"


@pytest.fixture
def open_site(site: Site) -> Site:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.\n\nDrugi akapit.", "Terms.\n\nSecond paragraph.")
    return site


def _client(site: Site) -> FlaskClient:
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    return client




def _main(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", re.search(r"<main.*</main>", html, re.S)[0])


def _errors(page) -> list[str]:
    """The form's errors, as the page says them (role="alert")."""
    return re.findall(r'<div class="alert" role="alert">(.*?)</div>', page.get_data(as_text=True), re.S)


def _latest_invoice(site: Site, customer_id: int) -> tuple[str, str]:
    with site.mirror.store.engine.connect() as conn:
        number, gross = conn.execute(select(invoices.c.number, invoices.c.gross)
                                     .where(invoices.c.customer_id == customer_id)
                                     .order_by(invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(1)).one()
    return number, f"{gross:.2f}".replace(".", ",")


def _customer_number(site: Site, customer_id: int) -> str:
    from adapters.store.tables import customers
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(select(customers.c.number).where(customers.c.id == customer_id)).scalar_one()


def _register(client: FlaskClient, number: str, invoice: str, gross: str, email: str, **extra: str):
    data = {"csrf_token": csrf(client, "/register"), "customer_number": number, "invoice_number": invoice,
            "invoice_gross": gross, "name": "Anna Nowak", "email": email, "password": PASSWORD, "accept_terms": "y",
            **extra}
    return client.post("/register", data=data)


def _deliver(site: Site, box: Mailbox) -> None:
    report = send_due(site.mirror.store.engine, box.sender(), base_url=BASE)
    assert report.dead == 0 and report.retried == 0




def test_a_customer_registers_with_an_invoice_confirms_by_email_and_sees_the_account(open_site: Site,
                                                                                    box: Mailbox) -> None:
    site = open_site
    [customer] = site.customer_ids(1)
    invoice, gross = _latest_invoice(site, customer)
    client = _client(site)
    page = _register(client, _customer_number(site, customer), invoice, gross, "anna@example.pl")
    assert page.status_code == 200 and "Check your e-mail" in page.get_data(as_text=True)
    assert log_in(client, "anna@example.pl").status_code == 200  # not before the address is confirmed

    _deliver(site, box)
    [message] = box.to("anna@example.pl")
    assert message["Subject"] == "Confirm your e-mail address for iBOK"
    assert "see your customer account at once" in Mailbox.text(message)
    link = box.link(message)
    opened = client.get(link)  # the token goes into the session; the page is answered without it
    assert opened.status_code == 302 and opened.headers["Location"] == "/confirm/address"
    assert client.get("/confirm/address").status_code == 200  # a GET (a mail scanner, say) confirms nothing
    confirmed = client.post("/confirm/address", data={"csrf_token": csrf(client, "/confirm/address")})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/login"
    assert client.post("/confirm/address", data={"csrf_token": csrf(client, "/login")}).status_code == 404
    client.get(link)
    assert client.post("/confirm/address", data={"csrf_token": csrf(client, "/login")}).status_code == 404  # single use

    assert log_in(client, "anna@example.pl").status_code == 302
    assert "Balance" in client.get("/").get_data(as_text=True)
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(registrations.c.state)).scalar_one() == "approved"
        assert conn.execute(select(terms_acceptances.c.version)).scalar_one() == "2026-11"
        params = conn.execute(select(mail_outbox.c.params)).scalar_one()
    assert "/confirm/" not in params, "a sent link is not kept in the outbox"


def test_registration_tells_a_stranger_nothing_about_which_accounts_or_numbers_exist(open_site: Site,
                                                                                       box: Mailbox) -> None:
    site = open_site
    first, second = site.customer_ids(2)
    invoice, gross = _latest_invoice(site, first)
    number = _customer_number(site, first)
    site.login_for("taken@example.pl", second)
    pages = [
        _register(_client(site), number, invoice, gross, "proof@example.pl"),  # a valid proof
        _register(_client(site), number, "FV/NOT/MINE", gross, "wrong@example.pl"),  # a wrong invoice
        _register(_client(site), "999999", invoice, gross, "nonumber@example.pl"),  # no such customer
        _register(_client(site), number, invoice, gross, "taken@example.pl"),  # the address has a login
    ]
    bodies = [_main(p.get_data(as_text=True)).replace(e, "ADDRESS") for p, e in zip(
        pages, ("proof@example.pl", "wrong@example.pl", "nonumber@example.pl", "taken@example.pl"), strict=False)]
    assert all(p.status_code == 200 for p in pages)
    # A valid proof looks the same whether its address has a login or not ...
    assert bodies[0] == bodies[3] and "Check your e-mail" in bodies[0]
    # ... and a proof that does not match looks the same whether the invoice or the number is wrong:
    # it is said, with nothing made and nothing sent.
    assert _errors(pages[1]) == _errors(pages[2]) != []
    assert "could not match this customer number" in bodies[1]

    _deliver(site, box)
    assert "at once" in Mailbox.text(box.to("proof@example.pl")[0])
    assert not box.to("wrong@example.pl") and not box.to("nonumber@example.pl")
    # The login that exists gets it in its own language (Polish here), whatever the page was in.
    assert "który ma już konto" in Mailbox.text(box.to("taken@example.pl")[0])
    with site.mirror.store.engine.connect() as conn:
        made = set(conn.execute(select(accounts.c.email)).scalars())
    assert made == {"proof@example.pl", "taken@example.pl"}


def test_a_new_customer_without_an_invoice_waits_for_the_office_and_is_told_so(open_site: Site,
                                                                               box: Mailbox) -> None:
    site = open_site
    client = _client(site)
    page = _register(client, "123456", "", "", "new@example.pl", no_invoice="y")
    assert "waits for a check by our customer service office" in page.get_data(as_text=True)
    _deliver(site, box)
    page = client.get(box.link(box.to("new@example.pl")[0])).headers["Location"]
    client.post(page, data={"csrf_token": csrf(client, page)})
    assert log_in(client, "new@example.pl").status_code == 302
    assert "Your request is being checked" in client.get("/").get_data(as_text=True)
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(registrations.c.state, registrations.c.customer_number)).one() == ("pending",
                                                                                                      "123456")


def test_bad_registration_input_is_refused_with_clear_messages_and_creates_nothing(open_site: Site) -> None:
    site = open_site
    client = _client(site)
    page = _register(client, "", "", "12,3456", "not-an-address", password="short", accept_terms="")
    text = page.get_data(as_text=True)
    for message in ("Enter your customer number.", "Enter the amount as on the invoice, e.g. 123,45.",
                    "Enter a valid e-mail address", "You must accept the terms of service"):
        assert message in text, message
    common = _register(client, "010001", "FV/1", "10,00", "ok@example.pl", password="123456789012")
    assert "known from data leaks" in common.get_data(as_text=True)
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(accounts.c.id)).first() is None


def test_a_forgotten_password_is_reset_by_email_and_ends_every_session(open_site: Site, box: Mailbox) -> None:
    site = open_site
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    other = _client(site)
    log_in(other, "anna@example.pl")
    client = _client(site)
    known = client.post("/password/forgot", data={"csrf_token": csrf(client, "/password/forgot"),
                                                  "email": "anna@example.pl"})
    unknown = client.post("/password/forgot", data={"csrf_token": csrf(client, "/password/forgot"),
                                                    "email": "nobody@example.pl"})
    assert _main(known.get_data(as_text=True)).replace("anna@example.pl", "X") == \
        _main(unknown.get_data(as_text=True)).replace("nobody@example.pl", "X")
    _deliver(site, box)
    assert not box.to("nobody@example.pl")
    link = box.link(box.to("anna@example.pl")[0])
    new = "nowe hasło dla anny 2026"
    assert client.get(link).headers["Location"] == "/password/reset/set-password"
    page = "/password/reset/set-password"
    done = client.post(page, data={"csrf_token": csrf(client, page), "new": new})
    assert done.status_code == 302
    assert other.get("/").status_code == 302, "the other session ended"
    assert log_in(client, "anna@example.pl", PASSWORD).status_code == 200
    assert log_in(client, "anna@example.pl", new).status_code == 302
    client.get(link)
    assert client.post(page, data={"csrf_token": csrf(client, "/"), "new": new}).status_code == 404


def test_reset_requests_are_limited_per_address(open_site: Site) -> None:
    site = open_site
    client = _client(site)
    for _ in range(3):
        client.post("/password/forgot", data={"csrf_token": csrf(client, "/password/forgot"),
                                              "email": "someone@example.pl"})
    limited = client.post("/password/forgot", data={"csrf_token": csrf(client, "/password/forgot"),
                                                    "email": "someone@example.pl"})
    assert limited.status_code == 429 and "Try again in" in limited.get_data(as_text=True)


def test_one_login_links_a_second_customer_account_with_its_invoice(open_site: Site) -> None:
    site = open_site
    first, second = site.customer_ids(2)
    site.login_for("anna@example.pl", first)
    client = _client(site)
    log_in(client, "anna@example.pl")
    invoice, gross = _latest_invoice(site, second)
    wrong = client.post("/account/customers/add", data={"csrf_token": csrf(client, "/account/customers/add"),
                                                         "customer_number": _customer_number(site, second),
                                                         "invoice_number": invoice, "invoice_gross": "1,00"})
    assert "could not match this customer number, invoice number and gross amount" in wrong.get_data(as_text=True)
    added = client.post("/account/customers/add", data={"csrf_token": csrf(client, "/account/customers/add"),
                                                         "customer_number": _customer_number(site, second),
                                                         "invoice_number": invoice, "invoice_gross": gross})
    assert added.status_code == 302
    page = client.get("/").get_data(as_text=True)  # the account just added is the one shown, of two
    assert f"<strong>{_customer_number(site, second)}</strong>" in page and "All your accounts (2)" in page
    overview = client.get("/accounts").get_data(as_text=True)
    assert _customer_number(site, first) in overview and _customer_number(site, second) in overview


def test_e_mails_wait_while_the_smtp_server_is_down_and_go_once_when_it_is_back(open_site: Site) -> None:
    site = open_site
    client = _client(site)
    _register(client, "123456", "", "", "later@example.pl", no_invoice="y")
    port = free_port()
    with mailbox(port) as down_box:
        pass  # started and stopped: nothing listens on the port now
    from adapters.mail.smtp import SmtpSender
    report = send_due(site.mirror.store.engine, SmtpSender("127.0.0.1", port, "none", "iBOK <e@x.test>"),
                      base_url=BASE)
    assert (report.sent, report.retried) == (0, 1)
    with writer(site.mirror.store.engine).begin() as conn:  # skip the backoff pause for the test
        conn.execute(mail_outbox.update().values(next_attempt_at=mail_outbox.c.created_at))
    with mailbox(port) as box:
        assert send_due(site.mirror.store.engine, box.sender(), base_url=BASE).sent == 1
        assert send_due(site.mirror.store.engine, box.sender(), base_url=BASE).sent == 0
        assert len(box.to("later@example.pl")) == 1
    assert not down_box.messages
