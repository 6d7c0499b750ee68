"""The login's e-mail address and billing's contact address are two settings: changing the login's
changes nothing in billing (nothing is relayed to its interface tables), changing billing's is a data
change request (IBOK_ZMIANY, POLE='EMAIL') that the office applies and the sync brings back, while
the login keeps its address."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from adapters.billing import quirks
from adapters.billing.interface import InterfaceWriter
from adapters.standin.inbox import process_inbox
from adapters.store.logins import accounts
from adapters.store.outbox import submitted as store
from sync.mailer import send_due
from sync.relay import Relay
from tests.portal.conftest import PASSWORD, Site, csrf, log_in
from tests.portal.mailbox import Mailbox


def _logged_in(site: Site, email: str = "anna@example.pl") -> tuple[FlaskClient, int, str]:
    [customer] = site.customer_ids(1)
    site.login_for(email, customer)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, email).status_code == 302
    number = site.mirror.billing_sql("SELECT NR_KLIENTA FROM ODBIORCY WHERE ID_ODB = ?", customer)[0][0]
    return client, customer, quirks.text(number) or ""


def _post(client: FlaskClient, what: str, **fields: str):
    token = re.search(r'name="token" value="([^"]+)"', client.get("/account/contact").get_data(as_text=True))[1]
    return client.post("/account/contact", data={"csrf_token": csrf(client, "/account/contact"), "token": token,
                                                 "what": what, "password": PASSWORD, **fields})


def _relay(site: Site) -> int:
    interface = InterfaceWriter(site.mirror.billing.dsn)
    try:
        return Relay(interface, site.mirror.store.engine, retry_max_wait_s=0.2).run().sent
    finally:
        interface.close()


def _billing(site: Site, customer: int) -> tuple[str | None, list[tuple]]:
    """Billing's address of the customer and its data-change requests of it."""
    email = site.mirror.billing_sql("SELECT EMAIL FROM ODBIORCY WHERE ID_ODB = ?", customer)[0][0]
    asked = site.mirror.billing_sql("SELECT POLE, WARTOSC, STATUS FROM IBOK_ZMIANY WHERE ID_ODB = ?", customer)
    return quirks.text(email), [tuple(quirks.text(v) for v in row) for row in asked]


def test_the_page_names_each_address_and_what_changing_it_changes(site: Site) -> None:
    client, customer, number = _logged_in(site)
    billing_email, _asked = _billing(site, customer)
    page = client.get("/account/contact").get_data(as_text=True)
    assert "Your login's e-mail address" in page and "You log in with anna@example.pl" in page
    assert "Changing it changes only your login" in page
    assert "E-mail address in the utility's records" in page
    assert f"Customer account {number}: {billing_email or 'no e-mail address'}." in page
    assert "your login does not change" in page
    polish = site.client()
    polish.set_cookie("ibok_lang", "pl")
    assert log_in(polish, "anna@example.pl").status_code == 302
    text = polish.get("/account/contact").get_data(as_text=True)
    assert "Adres e-mail do logowania" in text and "Adres e-mail w danych przedsiębiorstwa" in text


def test_changing_the_login_address_asks_billing_for_nothing(site: Site, box: Mailbox) -> None:
    client, customer, _number = _logged_in(site)
    before = _billing(site, customer)
    assert _post(client, "email", email="anna.nowa@example.com").status_code == 302
    send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test")
    link = box.link(box.to("anna.nowa@example.com")[0])
    confirm = client.get(link).headers["Location"]
    assert client.post(confirm, data={"csrf_token": csrf(client, confirm)}).status_code == 302
    with site.mirror.store.engine.connect() as conn:
        assert accounts.by_email(conn, "anna.nowa@example.com") is not None
        assert store.pending_change(conn, customer, "EMAIL") is None
    assert _relay(site) == 0  # nothing to deliver to billing's interface tables
    assert _billing(site, customer) == before


def test_changing_billings_address_goes_to_billing_and_back_and_leaves_the_login_alone(site: Site) -> None:
    client, customer, number = _logged_in(site)
    asked = _post(client, "billing_email", billing_email="Biuro@Firma.example.pl")
    assert asked.status_code == 302
    page = client.get("/account/contact").get_data(as_text=True)
    assert "Waiting for the utility to change it to Biuro@Firma.example.pl." in page
    assert "You log in with anna@example.pl" in page

    assert _relay(site) == 1
    assert _billing(site, customer)[1] == [("EMAIL", "Biuro@Firma.example.pl", "N")]
    with site.mirror.office() as office:
        assert process_inbox(office).changes == {"P": 1, "O": 0}
    site.mirror.sync()
    assert _billing(site, customer) == ("Biuro@Firma.example.pl", [("EMAIL", "Biuro@Firma.example.pl", "P")])
    page = client.get("/account/contact").get_data(as_text=True)
    assert f"Customer account {number}: Biuro@Firma.example.pl." in page and "Waiting for the utility" not in page
    with site.mirror.store.engine.connect() as conn:
        assert accounts.by_email(conn, "anna@example.pl") is not None  # the login kept its address
        assert accounts.by_email(conn, "biuro@firma.example.pl") is None


def test_a_bad_address_or_password_for_billings_address_changes_nothing(site: Site) -> None:
    client, customer, _number = _logged_in(site)
    bad = _post(client, "billing_email", billing_email="not an address")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert 'id="billing_email" name="billing_email" value="not an address"' in text
    assert re.search(r'id="billing_email-msg">[^<]+<', text)
    wrong = _post(client, "billing_email", billing_email="biuro@firma.example.pl", password="not my password")
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    with site.mirror.store.engine.connect() as conn:
        assert store.pending_change(conn, customer, "EMAIL") is None
    assert _relay(site) == 0
