"""Readings, messages, contact changes and e-invoice consent through the portal's pages, with what the
customer sees afterwards; invalid input changes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.outbox import submitted as store
from adapters.store.tables import e_invoice_consents, outbox, submissions
from tests.portal.conftest import PASSWORD, Site, csrf


def _token(client: FlaskClient, path: str) -> tuple[str, str]:
    page = client.get(path).get_data(as_text=True)
    return (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1],
            re.search(r'name="token" value="([^"]+)"', page)[1])


def _logged_in(site: Site) -> tuple[FlaskClient, int]:
    held = site.customer_ids(40)
    with site.mirror.store.engine.connect() as conn:
        from datetime import date
        customer = next(c for c in held if len(store.held_meters(conn, c, date(2026, 11, 22))) >= 2)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": "anna@example.pl",
                                "password": PASSWORD})
    return client, customer


def _count(site: Site) -> int:
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(submissions)).scalar_one() + \
            conn.execute(select(func.count()).select_from(outbox)).scalar_one()


def test_readings_are_checked_warned_confirmed_and_then_followed(site: Site) -> None:
    client, customer = _logged_in(site)
    page = client.get("/readings/submit").get_data(as_text=True)
    assert "Last reading:" in page
    csrf, token = _token(client, "/readings/submit")
    refused = client.post("/readings/submit", data={"csrf_token": csrf, "token": token, "value-0": "1,23456"})
    assert "at most three decimal places" in refused.get_data(as_text=True)
    assert _count(site) == 0

    with site.mirror.store.engine.connect() as conn:
        from datetime import date
        meter = next(m for m in store.held_meters(conn, customer, date(2026, 11, 22)) if m["last"])
    point_meters = [m for m in _point_meters(site, customer) if m["point_id"] == meter["point_id"]]
    index = [m["id"] for m in point_meters].index(meter["id"])
    huge = str(meter["last"][1] + Decimal("9000"))
    warned = client.post("/readings/submit", data={"csrf_token": csrf, "token": token, "point": meter["point_id"],
                                                   f"value-{index}": huge})
    text = warned.get_data(as_text=True)
    assert "more than three times the usual" in text and f'name="confirm-{index}"' in text
    assert _count(site) == 0
    sent = client.post("/readings/submit", data={"csrf_token": csrf, "token": token, "point": meter["point_id"],
                                                 f"value-{index}": huge, f"confirm-{index}": "y"})
    assert sent.status_code == 302 and sent.headers["Location"] == "/submissions"
    again = client.post("/readings/submit", data={"csrf_token": csrf, "token": token, "point": meter["point_id"],
                                                  f"value-{index}": huge, f"confirm-{index}": "y"})
    assert again.status_code == 302  # the same form twice (back button, double click): one submission
    assert _count(site) == 2
    history = client.get("/submissions").get_data(as_text=True)
    assert "waiting to be sent" in history


def _point_meters(site: Site, customer: int) -> list[dict]:
    from datetime import date
    with site.mirror.store.engine.connect() as conn:
        return [m for m in store.held_meters(conn, customer, date(2026, 11, 22))
                if m["dismounted_on"] is None or m["dismounted_on"] > date(2026, 11, 22)]


def test_a_message_needs_a_subject_and_a_text_billing_can_hold(site: Site) -> None:
    client, _ = _logged_in(site)
    csrf, token = _token(client, "/messages/new")
    bad = client.post("/messages/new", data={"csrf_token": csrf, "token": token, "category": "REK", "subject": "x",
                                             "body": "Za drogo 😀 naprawdę za drogo"})
    text = bad.get_data(as_text=True)
    assert "The subject must have 3 to 120 characters" in text and "cannot take these characters: 😀" in text
    assert _count(site) == 0
    good = client.post("/messages/new", data={"csrf_token": csrf, "token": token, "category": "REK",
                                              "subject": "Wysoki rachunek", "body": "Proszę o sprawdzenie faktury."})
    assert good.status_code == 302
    assert "Wysoki rachunek" in client.get("/submissions").get_data(as_text=True)


def test_contact_changes_need_the_password_and_go_to_billing_as_requests(site: Site) -> None:
    client, customer = _logged_in(site)
    csrf, token = _token(client, "/account/contact")
    wrong = client.post("/account/contact", data={"csrf_token": csrf, "token": token, "what": "phone",
                                                  "phone": "+48 600 700 800", "password": "not my password"})
    assert "The current password is wrong." in wrong.get_data(as_text=True) and _count(site) == 0
    done = client.post("/account/contact", data={"csrf_token": csrf, "token": token, "what": "phone",
                                                 "phone": "+48 600 700 800", "password": PASSWORD})
    assert done.status_code == 302
    with site.mirror.store.engine.connect() as conn:
        assert store.pending_change(conn, customer, "TELEFON") == "+48 600 700 800"


def test_e_invoice_consent_is_explicit_revocable_and_recorded_with_the_terms(site: Site) -> None:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
    client, customer = _logged_in(site)
    with site.mirror.store.engine.connect() as conn:
        given = bool(store.customer(conn, customer)["e_invoice"])
    csrf, token = _token(client, "/account/e-invoice")
    action = "withdraw" if given else "give"
    if action == "give":
        unticked = client.post("/account/e-invoice", data={"csrf_token": csrf, "token": token, "action": "give"})
        assert "Tick the box to give your consent." in unticked.get_data(as_text=True) and _count(site) == 0
    done = client.post("/account/e-invoice", data={"csrf_token": csrf, "token": token, "action": action,
                                                    "agree": "y"})
    assert done.status_code == 302
    with site.mirror.store.engine.connect() as conn:
        [row] = conn.execute(select(e_invoice_consents)).mappings().all()
    assert (row["consent"], row["terms_version"], row["customer_id"]) == (not given, "2026-11", customer)
    page = client.get("/account/e-invoice").get_data(as_text=True)
    assert "your last change waits for the utility" in page


def test_outages_of_the_customers_district_come_first(site: Site) -> None:
    client, _ = _logged_in(site)
    page = client.get("/outages")
    assert page.status_code == 200 and "In your area" in page.get_data(as_text=True)
