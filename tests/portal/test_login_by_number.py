"""Logging in with a customer number (with or without its leading zeros or the word "klient", as the
utility's own login takes it) where it names exactly one login; otherwise the same answer as a wrong
password, in a bucket of attempts of its own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from adapters.store.mirror.customer_numbers import number_of
from adapters.store.tables import customers
from tests.portal.conftest import PASSWORD, Site, csrf


@pytest.mark.parametrize(("typed", "number"), [
    ("010002", "010002"), ("10002", "010002"), ("0010002", "010002"), ("klient10002", "010002"),
    ("Klient 010002", "010002"), ("KLIENT nr 10002", "010002"), (" 010 002 ", "010002"), ("klient:7", "000007"),
    ("0", "000000"),
])
def test_a_customer_number_is_read_with_or_without_its_zeros_and_the_word_klient(typed: str, number: str) -> None:
    assert number_of(typed) == number


@pytest.mark.parametrize("typed", ["", "klient", "anna@example.pl", "1234567", "12a45", "١٢٣٤٥", "１２３４５",
                                   "-12345", "12.345", "klient klient 1"])
def test_anything_else_is_no_customer_number(typed: str) -> None:
    assert number_of(typed) is None


def _number(site: Site, customer_id: int) -> str:
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(select(customers.c.number).where(customers.c.id == customer_id)).scalar_one()


def _log_in(site: Site, login: str, password: str = PASSWORD, client=None):
    client = client or site.client()
    client.set_cookie("ibok_lang", "en")
    return client, client.post("/login", data={"csrf_token": csrf(client), "email": login, "password": password})


def _said(answer) -> list[str]:
    return re.findall(r'<div class="alert" role="alert">(.*?)</div>', answer.get_data(as_text=True), re.S)


def test_a_number_that_one_login_holds_logs_that_login_in_however_it_is_typed(site: Site) -> None:
    first, second = site.customer_ids(2)
    site.login_for("anna@example.pl", first, second)  # a manager: two customer accounts
    for customer in (first, second):
        number = _number(site, customer)
        for typed in (number, number.lstrip("0"), f"klient{number.lstrip('0')}", f"Klient {number}"):
            client, answer = _log_in(site, typed)
            assert answer.status_code == 302, typed
            assert "Dashboard" in client.get("/").get_data(as_text=True)


def test_a_number_of_two_logins_of_none_or_a_wrong_password_get_one_and_the_same_answer(site: Site) -> None:
    shared, alone, nobodys = site.customer_ids(3)
    site.login_for("anna@example.pl", shared, alone)
    site.login_for("piotr@example.pl", shared)
    answers = [_log_in(site, _number(site, shared))[1],  # two logins hold it: it names none
               _log_in(site, _number(site, nobodys))[1],  # no login holds it
               _log_in(site, _number(site, alone), "to nie jest moje hasło")[1],  # the wrong password
               _log_in(site, "999999")[1]]  # no such customer
    assert {a.status_code for a in answers} == {200}
    assert all(_said(a) == ["<p>The customer number or the password is wrong.</p>"] for a in answers)
    assert _log_in(site, "anna@example.pl")[1].status_code == 302  # the address still names the login


def test_wrong_passwords_by_number_are_limited_in_their_own_bucket_not_the_addresses(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    number = _number(site, customer)
    for typed in (number, number.lstrip("0"), f"klient{number}", number, number):  # one bucket however typed
        assert _log_in(site, typed, "złe hasło numer jeden")[1].status_code == 200
    locked = _log_in(site, number)[1]
    assert locked.status_code == 429 and "Try again in" in locked.get_data(as_text=True)
    locked_unknown = None
    for _ in range(6):
        locked_unknown = _log_in(site, "999998", "złe hasło")[1]
    assert locked_unknown.status_code == 429  # a number of no login locks out alike
    # The address is another bucket: a lock-out shared with the number would tell whose number it is.
    assert _log_in(site, "anna@example.pl")[1].status_code == 302
