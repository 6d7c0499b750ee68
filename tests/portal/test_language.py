"""The language chosen before logging in survives the login and is stored on it: its pages on any device
and its e-mails follow it; a choice made while logged in is stored too."""

from __future__ import annotations

from sqlalchemy import select

from adapters.store.logins import accounts
from adapters.store.tables import mail_outbox
from tests.portal.conftest import Site, csrf, log_in


def _choose(client, lang: str, here: str = "/login") -> None:
    answer = client.post("/language", data={"csrf_token": csrf(client, here), "lang": lang, "next": here})
    assert answer.status_code == 302 and answer.headers["Location"] == here


def _locale(site: Site, email: str) -> str:
    with site.mirror.store.engine.connect() as conn:
        return accounts.by_email(conn, email)["locale"]


def test_english_chosen_before_logging_in_is_kept_by_the_login_on_every_device(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)  # a Polish login
    client = site.client()
    _choose(client, "en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert log_in(client, "anna@example.pl").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Dashboard" in page
    assert _locale(site, "anna@example.pl") == "en"

    elsewhere = site.client()  # another browser, no cookie, a Polish-speaking one at that
    assert log_in(elsewhere, "anna@example.pl").status_code == 302
    assert '<html lang="en">' in elsewhere.get("/", headers={"Accept-Language": "pl"}).get_data(as_text=True)


def test_a_language_chosen_while_logged_in_is_stored_and_used_for_the_logins_e_mails(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("jan@example.pl", customer)
    client = site.client()
    client.set_cookie("ibok_lang", "pl")
    assert log_in(client, "jan@example.pl").status_code == 302
    assert _locale(site, "jan@example.pl") == "pl"
    _choose(client, "en", "/")
    assert _locale(site, "jan@example.pl") == "en"
    assert "Dashboard" in client.get("/").get_data(as_text=True)
    stranger = site.client()  # a reset asked for from anywhere is written in the login's language
    stranger.post("/password/forgot", data={"csrf_token": csrf(stranger, "/password/forgot"),
                                            "email": "jan@example.pl"})
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(mail_outbox.c.locale, mail_outbox.c.template)).all() == [("en", "reset")]
    _choose(client, "pl", "/")
    assert _locale(site, "jan@example.pl") == "pl"


def test_no_choice_leaves_the_logins_language_alone(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("ola@example.pl", customer)
    client = site.client()
    assert log_in(client, "ola@example.pl").status_code == 302
    assert _locale(site, "ola@example.pl") == "pl"
    _choose(client, "xx", "/")  # not a language: nothing stored, nothing set
    assert _locale(site, "ola@example.pl") == "pl"
