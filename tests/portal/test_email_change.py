"""Changing a login's e-mail address: the password first, then a single-use link to the new address
(through a real SMTP server); the old address is told, billing's records are left alone (their address
is a setting of its own, tests/portal/test_contact_email.py); a wrong password or address changes nothing,
and re-asked passwords are limited."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.store.logins import accounts
from adapters.store.outbox import submitted as store
from adapters.store.tables import mail_outbox
from sync.mailer import send_due
from tests.portal.conftest import PASSWORD, Site, csrf, log_in
from tests.portal.mailbox import Mailbox


def _logged_in(site: Site, email: str = "anna@example.pl") -> tuple[FlaskClient, int]:
    [customer] = site.customer_ids(1)
    site.login_for(email, customer)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, email).status_code == 302
    return client, customer


def _change(client: FlaskClient, email: str, password: str = PASSWORD):
    return client.post("/account/contact", data={"csrf_token": csrf(client, "/account/contact"), "what": "email",
                                                 "email": email, "password": password})


def _state(site: Site) -> tuple[dict | None, int]:
    with site.mirror.store.engine.connect() as conn:
        return (accounts.by_email(conn, "anna@example.pl"),
                conn.execute(select(func.count()).select_from(mail_outbox)).scalar_one())


def test_the_new_address_is_used_once_its_owner_opens_the_link(site: Site, box: Mailbox) -> None:
    client, customer = _logged_in(site)
    asked = _change(client, "Anna.Nowak@Example.com")
    assert asked.status_code == 302
    page = client.get("/account/contact").get_data(as_text=True)
    assert "We sent a link to Anna.Nowak@Example.com." in page
    assert "Waiting for you to open the link we sent to anna.nowak@example.com." in page
    assert log_in(site.client(), "anna@example.pl").status_code == 302  # the old address still logs in

    assert send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test").sent == 1
    [message] = box.to("anna.nowak@example.com")
    # In her language: English, chosen before she logged in (the login keeps it).
    assert str(make_header(decode_header(message["Subject"]))) == "Confirm your new e-mail address for iBOK"
    link = box.link(message)
    assert re.fullmatch(r"/account/email/[\w-]+", link)
    assert client.get(link).headers["Location"] == "/account/email/confirm"  # the token into the session
    shown = client.get("/account/email/confirm")
    assert shown.status_code == 200 and "anna.nowak@example.com" in shown.get_data(as_text=True)
    assert _state(site)[0]["pending_email"] == "anna.nowak@example.com"  # a GET changes nothing

    done = client.post("/account/email/confirm", data={"csrf_token": csrf(client, "/account/email/confirm")})
    assert done.status_code == 302 and done.headers["Location"] == "/account/contact"
    assert "You log in with anna.nowak@example.com" in client.get("/account/contact").get_data(as_text=True)
    client.get(link)
    assert client.post("/account/email/confirm",
                       data={"csrf_token": csrf(client, "/account/contact")}).status_code == 404  # single use
    with site.mirror.store.engine.connect() as conn:
        assert accounts.by_email(conn, "anna@example.pl") is None
        changed = accounts.by_email(conn, "anna.nowak@example.com")
        assert changed["pending_email"] is None and changed["email_confirmed_at"] is not None
        assert store.pending_change(conn, customer, "EMAIL") is None  # billing's address is another setting

    assert log_in(site.client(), "anna@example.pl").status_code == 200  # refused: the old address is gone
    assert log_in(site.client(), "anna.nowak@example.com").status_code == 302
    send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test")
    [notice] = box.to("anna@example.pl")  # the old address learns of it
    assert "this address is no longer used to log in" in Mailbox.text(notice)


def test_an_address_of_another_login_gets_a_notice_and_the_page_says_the_same(site: Site, box: Mailbox) -> None:
    client, _customer = _logged_in(site)
    [other] = site.customer_ids(1)
    site.login_for("jan@example.pl", other)
    answer = _change(client, "jan@example.pl")
    assert answer.status_code == 302
    assert "We sent a link to jan@example.pl." in client.get("/account/contact").get_data(as_text=True)
    account, _mails = _state(site)
    assert account["pending_email"] == "jan@example.pl"  # shown waiting, as a free address is
    send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test")
    [notice] = box.to("jan@example.pl")
    assert "należy on już do Twojego konta" in Mailbox.text(notice) and "/account/email/" not in Mailbox.text(notice)


@pytest.mark.parametrize(("email", "password", "said"), [
    ("anna.nowak@example.com", "not my password", "The current password is wrong."),
    ("not an address", PASSWORD, "This is not a valid e-mail address"),
    ("ANNA@example.pl", PASSWORD, "This is already your e-mail address."),
])
def test_a_wrong_password_or_address_changes_nothing(site: Site, email: str, password: str, said: str) -> None:
    client, _customer = _logged_in(site)
    before = _state(site)
    page = _change(client, email, password)
    assert page.status_code == 200 and said in page.get_data(as_text=True)
    assert _state(site) == before


def test_the_password_asked_again_is_limited_per_login(site: Site) -> None:
    client, _customer = _logged_in(site)
    for _ in range(5):
        assert "The current password is wrong." in _change(client, "new@example.com", "guess").get_data(as_text=True)
    blocked = _change(client, "new@example.com", PASSWORD).get_data(as_text=True)  # even the right one, for now
    assert "Too many attempts. Try again in 15 min." in blocked
    assert _state(site)[0]["pending_email"] is None
    password_page = client.post("/account/password", data={"csrf_token": csrf(client, "/account/password"),
                                                            "current": PASSWORD, "new": "inne hasło do wody 2026"})
    assert "Too many attempts" in password_page.get_data(as_text=True)  # the same limit guards the password page
