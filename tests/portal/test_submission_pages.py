"""Readings, messages, contact changes and e-invoice consent through the portal's pages, with what the
customer sees afterwards; invalid input changes nothing."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
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


NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # the day after the stand-in data's reference date


def _form(page: str) -> dict[str, str]:
    """The hidden and filled inputs of the readings form as the page shows them (what a browser sends)."""
    fields = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and value and (kind is None or kind[1] in ("hidden", "date")) or (name and value and "decimal" in tag):
            fields[name[1]] = html.unescape(value[1])
    return fields


def test_readings_are_checked_shown_with_what_they_imply_confirmed_and_then_followed(site: Site) -> None:
    with time_machine.travel(NOW, tick=False):
        client, customer = _logged_in(site)
        page = client.get("/readings/submit").get_data(as_text=True)
        assert "Last reading:" in page and "Check the readings" in page
        with site.mirror.store.engine.connect() as conn:
            held = [m for m in store.held_meters(conn, customer, date(2026, 11, 22)) if m["dismounted_on"] is None]
        # Every meter of the account in one form, under its service point's address.
        assert all(f"Meter {m['serial_number']}" in page and m["street"] in page for m in held)
        n, meter = next((n, m) for n, m in enumerate(held) if m["last"])
        refused = client.post("/readings/submit", data={**_form(page), f"value-{n}": "1,23456"})
        assert "at most three decimal places" in refused.get_data(as_text=True)
        foreign = client.post("/readings/submit", data={**_form(page), f"value-{n}": "٦٠١"})
        assert "with the digits 0–9" in foreign.get_data(as_text=True)
        assert _count(site) == 0

        # A usual value: first what it implies, nothing sent; then sent as reviewed.
        usual = meter["last"][1] + Decimal("2.5")
        review = client.post("/readings/submit", data={**_form(page), f"value-{n}": str(usual)})
        text = review.get_data(as_text=True)
        assert "Nothing has been sent yet." in text and "≈ 2.500 m³ since" in text and "Send the readings" in text
        assert _count(site) == 0
        # A value changed after the review is reviewed again.
        changed = client.post("/readings/submit", data={**_form(text), f"value-{n}": str(usual + 1)})
        assert "≈ 3.500 m³ since" in changed.get_data(as_text=True) and _count(site) == 0

        huge = str(meter["last"][1] + Decimal("9000"))
        warned = client.post("/readings/submit", data={**_form(page), f"value-{n}": huge})
        text = warned.get_data(as_text=True)
        assert "more than three times what this meter usually uses" in text and f'name="confirm-{n}"' in text
        assert _count(site) == 0
        form = {**_form(text), f"value-{n}": huge}
        confirm = re.search(rf'name="confirm-{n}" value="([^"]+)"', text)[1]
        unconfirmed = client.post("/readings/submit", data=form)
        assert f'name="confirm-{n}"' in unconfirmed.get_data(as_text=True) and _count(site) == 0
        # A confirmation given for another value does not count for this one.
        other = client.post("/readings/submit",
                            data={**form, f"value-{n}": str(Decimal(huge) + 1), f"confirm-{n}": confirm})
        assert f'name="confirm-{n}"' in other.get_data(as_text=True) and _count(site) == 0
        sent = client.post("/readings/submit", data={**form, f"confirm-{n}": confirm})
        assert sent.status_code == 302 and sent.headers["Location"] == "/submissions"
        again = client.post("/readings/submit", data={**form, f"confirm-{n}": confirm})
        assert again.status_code == 302  # the same form twice (back button, double click): one submission
        assert _count(site) == 2
        history = client.get("/submissions").get_data(as_text=True)
        assert "waiting to be sent" in history and f"meter {meter['serial_number']}" in history
        assert history.index("Your readings are saved.") < history.index("waiting to be sent")
        assert "Withdraw this reading" in history and "Correct this reading" in history

        # The typo corrected before it is relayed: lower than it, so the customer is offered to replace it.
        page = client.get("/readings/submit").get_data(as_text=True)
        lower = client.post("/readings/submit", data={**_form(page), f"value-{n}": str(usual)})
        text = lower.get_data(as_text=True)
        assert "which is still waiting to be sent" in text and f'name="replace-{n}"' in text
        key = re.search(rf'name="replace-{n}" value="([^"]+)"', text)[1]
        review = client.post("/readings/submit", data={**_form(page), f"value-{n}": str(usual), f"replace-{n}": key})
        text = review.get_data(as_text=True)
        assert "Send the readings" in text and _count(site) == 2
        fixed = client.post("/readings/submit", data={**_form(text), f"value-{n}": str(usual), f"replace-{n}": key})
        assert fixed.status_code == 302
        with site.mirror.store.engine.connect() as conn:
            assert conn.execute(select(outbox.c.state).where(outbox.c.id == key)).scalar_one() == "cancelled"

        # The office's message, prepared with both values, for a reading below billing's last one.
        msg = client.get(f"/messages/new?meter={meter['serial_number']}&value=1&on=2026-11-22")
        assert f"Correction of the reading of meter {meter['serial_number']}" in msg.get_data(as_text=True)
        assert client.get("/messages/new?reading=nobodys&value=1").status_code == 200  # nothing prepared, no error


def test_a_withdrawn_reading_is_cancelled_and_someone_elses_is_not_found(site: Site) -> None:
    with time_machine.travel(NOW, tick=False):
        client, customer = _logged_in(site)
        page = client.get("/readings/submit").get_data(as_text=True)
        with site.mirror.store.engine.connect() as conn:
            held = [m for m in store.held_meters(conn, customer, date(2026, 11, 22)) if m["dismounted_on"] is None]
        n, meter = next((n, m) for n, m in enumerate(held) if m["last"])
        value = str(meter["last"][1] + Decimal("1.5"))
        review = client.post("/readings/submit", data={**_form(page), f"value-{n}": value}).get_data(as_text=True)
        assert client.post("/readings/submit", data={**_form(review), f"value-{n}": value}).status_code == 302
        history = client.get("/submissions").get_data(as_text=True)
        key = re.search(r'action="/submissions/([^/]+)/withdraw"', history)[1]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', history)[1]
        done = client.post(f"/submissions/{key}/withdraw", data={"csrf_token": token})
        assert done.status_code == 302
        assert "cancelled" in client.get("/submissions").get_data(as_text=True)
        assert client.post("/submissions/not-a-key/withdraw", data={"csrf_token": token}).status_code == 404


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
