"""Every password field of the portal, fed 0 to 300 characters of ASCII, Polish letters and emoji through
HTTP against a real store: no answer is a server error, and a password too long says so in Polish and
English. The fields: registration, reset, the customer's change (a one-time password's first change
included), the staff's change (their first login's included), and both login forms.

Argon2id runs with its cheapest parameters here (``cheap_hashing``): what is fuzzed is the length
handling around it, and a hundred real hashes per form would take minutes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.logins import accounts, admins, tokens
from portal.auth import onboarding, passwords
from tests.portal.conftest import PASSWORD, Site, csrf, log_in
from tests.portal.fuzz import MESSAGES, inputs, verdict
from tests.portal.staff import admin_login, make_admin, run_ibok

FUZZ = inputs()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    passwords._dummy.cache_clear()
    yield
    passwords._dummy.cache_clear()  # no cheap dummy hash left behind for other tests


def _client(site: Site, lang: str) -> FlaskClient:
    client = site.client()
    client.set_cookie("ibok_lang", lang)
    return client


def _network(i: int) -> dict[str, str]:
    """A client address of a network of its own: attempt limits per network stay out of the way."""
    return {"REMOTE_ADDR": f"127.{i // 250}.{i % 250}.1"}


def _check(name: str, password: str, answers: dict[str, TestResponse]) -> None:
    """No server error; a form refusing by length says why, in each language asked."""
    for lang, answer in answers.items():
        assert answer.status_code < 500, (name, lang, answer.status_code)
        expected = MESSAGES.get(verdict(password))
        if expected is not None:
            text = answer.get_data(as_text=True)
            assert answer.status_code == 200 and expected[lang == "en"] in text, (name, lang, expected)


def _languages(password: str) -> tuple[str, ...]:
    return ("pl", "en") if verdict(password) == "too_long" else ("pl",)


def test_registration_takes_any_password_without_a_server_error(site: Site) -> None:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
    for i, (name, password) in enumerate(FUZZ):
        answers = {}
        for lang in _languages(password):
            client = _client(site, lang)
            data = {"csrf_token": csrf(client, "/register"), "customer_number": "123456", "no_invoice": "y",
                    "name": "Anna Nowak", "email": f"fuzz{i}{lang}@example.pl", "password": password,
                    "accept_terms": "y"}
            answers[lang] = client.post("/register", data=data, environ_base=_network(i))
        _check(name, password, answers)
        if verdict(password) == "judged":
            registered = passwords.problem(password, [f"fuzz{i}pl@example.pl", "Anna Nowak", "123456"]) is None
            page = answers["pl"].get_data(as_text=True)
            assert ("Wysłaliśmy wiadomość na adres" in page) == registered, name


def test_a_reset_link_takes_any_password_without_a_server_error(site: Site) -> None:
    [customer] = site.customer_ids(1)
    account_id = site.login_for("anna@example.pl", customer)
    for i, (name, password) in enumerate(FUZZ):
        answers = {}
        for lang in _languages(password):
            with writer(site.mirror.store.engine).begin() as conn:
                link = f"/password/reset/{tokens.issue(conn, account_id, 'reset', onboarding.RESET_FOR)}"
            client = _client(site, lang)
            page = client.get(link).headers["Location"]  # the token into the session, the page without it
            answers[lang] = client.post(page, data={"csrf_token": csrf(client, page), "new": password},
                                        environ_base=_network(i))  # resets are limited per network
        _check(name, password, answers)
    with site.mirror.store.engine.connect() as conn:
        stored = accounts.by_email(conn, "anna@example.pl")["password_hash"]
    assert passwords.verify(stored, _last_accepted()), "the last password accepted is the one set"


def test_a_customer_changes_a_one_time_password_to_any_password_without_a_server_error(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("jan@example.pl", customer, must_change=True)
    clients = {lang: _client(site, lang) for lang in ("pl", "en")}
    current = PASSWORD
    for lang, client in clients.items():
        assert log_in(client, "jan@example.pl", current).status_code == 302, lang
    for name, password in FUZZ:
        answers = {}
        for lang in _languages(password):
            client = clients[lang]
            answers[lang] = client.post("/account/password", data={
                "csrf_token": csrf(client, "/account/password"), "current": current, "new": password})
            if answers[lang].status_code == 302:  # changed: the other language's session has ended
                current = password
                other = clients["en" if lang == "pl" else "pl"]
                assert log_in(other, "jan@example.pl", current).status_code == 302, name
        _check(name, password, answers)
    assert current != PASSWORD, "some password of the fuzz was accepted"


def test_staff_change_a_first_one_time_password_to_any_password_without_a_server_error(site: Site) -> None:
    admin_id = make_admin(site, "ola@wodociagi.test", "operator")
    with writer(site.mirror.store.engine).begin() as conn:
        admin = admins.get(conn, admin_id)
        admins.set_password(conn, admin_id, admin["password_hash"], must_change=True)  # as `ibok admin create`
    client = site.client()
    assert admin_login(client, "ola@wodociagi.test").headers["Location"] == "/admin/"
    assert client.get("/admin/").headers["Location"] == "/admin/password"
    current = PASSWORD
    for name, password in FUZZ:
        answers = {}
        for lang in _languages(password):
            client.set_cookie("ibok_lang", lang)
            answers[lang] = client.post("/admin/password", data={
                "csrf_token": csrf(client, "/admin/password"), "current": current, "new": password})
            if answers[lang].status_code == 302:
                current = password
        _check(name, password, answers)
    assert current != PASSWORD and client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/login", "/admin/login"])
def test_the_login_forms_take_any_password_without_a_server_error(site: Site, path: str) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    make_admin(site, "ola@wodociagi.test")
    email = "ola@wodociagi.test" if path.startswith("/admin") else "anna@example.pl"
    for i, (name, password) in enumerate(FUZZ):
        client = _client(site, "pl")
        # A login of its own per attempt (known or not), from a network of its own: no limit is reached.
        who = email if i % 25 == 0 else f"nobody{i}@example.pl"  # the real login 4 times: below its limit
        answer = client.post(path, data={"csrf_token": csrf(client, path), "email": who, "password": password},
                             environ_base=_network(i))
        assert answer.status_code in (200, 429), (name, answer.status_code)
        text = answer.get_data(as_text=True)
        assert ("Podaj hasło." if not password else "Adres e-mail lub hasło są nieprawidłowe.") in text \
            or answer.status_code == 429, name
    client = _client(site, "pl")
    raw = f"csrf_token={csrf(client, path)}&email=raw@example.pl&password=%ED%A0%80%FF%FE{'%C4%85' * 300}"
    answer = client.post(path, data=raw, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, "bytes that are no UTF-8 are a wrong password, not an error"


def _last_accepted() -> str:
    """The last fuzz input that passes the policy (the reset test sets each one in turn)."""
    return [p for _, p in FUZZ if passwords.problem(p) is None][-1]


def test_the_office_login_command_refuses_a_bad_password_with_a_sentence(site: Site) -> None:
    from sqlalchemy import select

    from adapters.store.tables import customers
    with site.mirror.store.engine.connect() as conn:
        number = conn.execute(select(customers.c.number).limit(1)).scalar_one()
    for password, said in (("ą" * 300, "at most 256 characters"), ("a" * 100, "too easy to guess"),
                           ("Haslo1234567!", "leaked and common")):
        done = run_ibok(site.mirror.store_url, "portal", "account", "--customer", number, "--email",
                        "office@example.pl", "--password", password)
        assert done.exit_code == 2 and said in done.output, done.output
    done = run_ibok(site.mirror.store_url, "portal", "account", "--customer", number, "--email",
                    "office@example.pl", "--password",
                    "wodomierz w piwnicy pod schodami, licznik ciepła za szafą w kuchni 🚰💧, woda z kranu jest dobra")
    assert done.exit_code == 0, done.output
