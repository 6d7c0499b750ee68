"""Acceptance: a new customer's whole journey in Chromium, on a phone and a desktop, in Polish and in
English: registration with an invoice, the confirmation e-mail through a local SMTP server, login,
every page of the menu, a reading and a message; axe-core checks every page and error state."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.outbox import submitted as store
from adapters.store.tables import customers, invoices, submissions
from sync.mailer import send_due
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import Site
from tests.portal.mailbox import mailbox

TEXTS = {
    "pl": {"register": "Zarejestruj się", "number": "Numer klienta", "invoice": "Numer faktury",
           "gross": "Kwota brutto tej faktury (zł)", "name": "Imię i nazwisko", "email": "Adres e-mail",
           "password": "Hasło", "terms": "Akceptuję regulamin", "check": "Sprawdź pocztę",
           "confirm": "Potwierdzam adres e-mail", "login": "Zaloguj się", "dashboard": "Pulpit",
           "submit": "Podaj odczyt", "reading": "Stan (m³)", "send_readings": "Wyślij odczyty",
           "check_readings": "Sprawdź odczyty",
           "history": "Moje zgłoszenia", "waiting": "oczekuje na wysłanie", "write": "Napisz do nas",
           "subject": "Temat", "message": "Treść", "send": "Wyślij", "logout": "Wyloguj",
           "required": "Podaj numer klienta.", "confirm_box": "Sprawdziłem: odczyt jest prawidłowy",
           "menu": "Menu"},
    "en": {"register": "Register", "number": "Customer number", "invoice": "Invoice number",
           "gross": "Gross amount of that invoice (zł)", "name": "First and last name", "email": "E-mail address",
           "password": "Password", "terms": "I accept the terms of service", "check": "Check your e-mail",
           "confirm": "Confirm my e-mail address", "login": "Log in", "dashboard": "Dashboard",
           "submit": "Submit a reading", "reading": "Reading (m³)", "send_readings": "Send the readings",
           "check_readings": "Check the readings",
           "history": "My submissions", "waiting": "waiting to be sent", "write": "Write to us",
           "subject": "Subject", "message": "Message", "send": "Send", "logout": "Log out",
           "required": "Enter your customer number.", "confirm_box": "I have checked it: the reading is correct",
           "menu": "Menu"},
}
PASSWORD = "moja woda z kranu 2026"


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"


def _customer_with_invoice(site: Site, index: int) -> tuple[int, str, str, str]:
    with site.mirror.store.engine.connect() as conn:
        rows = conn.execute(select(customers.c.id, customers.c.number).order_by(customers.c.id)).all()
        for customer_id, number in rows[index:]:
            held = store.held_meters(conn, customer_id, site_today())
            if not any(m["dismounted_on"] is None for m in held):
                continue
            invoice = conn.execute(select(invoices.c.number, invoices.c.gross).where(
                invoices.c.customer_id == customer_id).order_by(invoices.c.issued_on.desc(), invoices.c.id.desc())
                .limit(1)).first()
            if invoice:
                return customer_id, number, invoice[0], f"{invoice[1]:.2f}"
    raise AssertionError("no customer with a meter and an invoice")


def site_today():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Warsaw")).date()


# Polish on a phone and English on a desktop: every page in both languages at both phone widths is
# test_lists_browser's, every link in both languages test_crawl's; this is the journey end to end.
@pytest.mark.parametrize(("lang", "viewport"), [("pl", "phone"), ("en", "desktop")])
def test_a_new_customer_registers_confirms_logs_in_visits_every_page_and_submits(
        site: Site, live: Callable[[str], str], lang: str, viewport: str) -> None:
    t = TEXTS[lang]
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
    customer_id, number, invoice, gross = _customer_with_invoice(site, {"pl": 0, "en": 3}[lang])
    gross_typed = gross.replace(".", ",") if lang == "pl" else gross
    email = f"journey-{lang}-{viewport}@example.pl"
    with chromium() as browser, mailbox() as box:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale={"pl": "pl-PL", "en": "en-GB"}[lang])
        page.goto(live("/register"))
        page.get_by_role("button", name=t["register"]).click()  # empty: every error at once
        expect(page.get_by_text(t["required"])).to_be_visible()
        _accessible(page, "registration with errors")
        page.get_by_label(t["number"]).fill(number)
        page.get_by_label(t["invoice"]).fill(invoice)
        page.get_by_label(t["gross"]).fill(gross_typed)
        page.get_by_label(t["name"]).fill("Anna Nowak")
        page.get_by_label(t["email"]).fill(email)
        page.get_by_label(t["password"], exact=True).fill(PASSWORD)
        page.get_by_label(t["terms"]).check()
        page.get_by_role("button", name=t["register"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t["check"])
        _accessible(page, "registered")

        assert send_due(site.mirror.store.engine, box.sender(), base_url=live("")).sent == 1
        [message] = box.to(email)
        page.goto(live(box.link(message)))
        _accessible(page, "confirmation")
        page.get_by_role("button", name=t["confirm"]).click()
        page.get_by_label(t["email"]).fill(email)
        page.get_by_label(t["password"]).fill(PASSWORD)
        page.get_by_role("button", name=t["login"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t["dashboard"])

        menu = page.get_by_role("navigation").get_by_role("link")
        opener = page.locator("nav summary")
        if viewport == "phone":  # the menu waits behind one line, so the page itself starts on the first screen
            expect(menu).to_have_count(0)
            assert page.get_by_role("heading", level=1).bounding_box()["y"] < VIEWPORTS["phone"]["height"] / 3
            expect(opener).to_contain_text(t["dashboard"])  # "Menu: Pulpit": where the customer is
            opener.click()
        else:  # on a wide screen the menu is open, with no line to open it
            expect(opener).to_be_hidden()
        links = [(menu.nth(i).inner_text(), menu.nth(i).get_attribute("href")) for i in range(menu.count())]
        assert len(links) >= 8, links
        for label, href in links:
            page.goto(live(href))
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
                f"{label}: the page scrolls sideways"
            _accessible(page, label)

        page.goto(live("/readings/submit"))
        field = page.get_by_label(t["reading"]).first
        field.fill("1")  # lower than the last reading: refused, with the reason at the field
        page.get_by_role("button", name=t["check_readings"]).click()
        expect(page.locator(".error").first).to_be_visible()
        _accessible(page, "reading refused")
        last = _last_state(site, customer_id)
        typed = str(last + Decimal("3.5")).replace(".", "," if lang == "pl" else ".")
        page.get_by_label(t["reading"]).first.fill(typed)
        page.get_by_role("button", name=t["check_readings"]).click()  # what it implies, before it is sent
        expect(page.locator(".implied").first).to_be_visible()
        _accessible(page, "reading reviewed")
        if page.get_by_label(t["confirm_box"]).count():
            _accessible(page, "reading to confirm")
            page.get_by_label(t["confirm_box"]).first.check()
        page.get_by_role("button", name=t["send_readings"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t["history"])
        expect(page.get_by_text(t["waiting"]).first).to_be_visible()

        page.goto(live("/messages/new"))
        page.get_by_label(t["subject"]).fill("Pytanie o fakturę")
        page.get_by_label(t["message"], exact=True).fill("Proszę o wyjaśnienie kwoty na ostatniej fakturze.")
        page.get_by_role("button", name=t["send"], exact=True).click()
        expect(page.get_by_text("Pytanie o fakturę")).to_be_visible()
        _accessible(page, "submissions")

        page.get_by_role("button", name=t["logout"]).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    with site.mirror.store.engine.connect() as conn:
        kinds = sorted(conn.execute(select(submissions.c.kind).where(submissions.c.customer_id == customer_id))
                       .scalars())
    assert kinds == ["message", "reading"]


def _last_state(site: Site, customer_id: int) -> Decimal:
    with site.mirror.store.engine.connect() as conn:
        held = [m for m in store.held_meters(conn, customer_id, site_today()) if m["dismounted_on"] is None]
    return held[0]["last"][1] if held[0]["last"] else Decimal(0)
