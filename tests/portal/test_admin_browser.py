"""Acceptance: a staff member's first login in Chromium, on a phone and a desktop (one-time password, the
authenticator app set up from the page's secret, a code, a new password), then the overview, the
registration queue with an approval, customer lookup, the audit log and the staff list; axe-core
checks every admin page visited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.logins import registrations
from adapters.store.tables import customers, invoices
from adapters.store.tables import registrations as registrations_table
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import Site
from tests.portal.staff import run_ibok

NEW_PASSWORD = "wodomierz w piwnicy pod schodami"


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"


def _pending_registration(site: Site) -> tuple[int, str]:
    with site.mirror.store.engine.connect() as conn:
        customer_id, number = conn.execute(select(customers.c.id, customers.c.number).order_by(customers.c.id)
                                           .limit(1)).one()
        invoice, gross = conn.execute(select(invoices.c.number, invoices.c.gross).where(
            invoices.c.customer_id == customer_id).order_by(invoices.c.issued_on.desc()).limit(1)).one()
    account_id = site.login_for("anna@example.pl")
    with writer(site.mirror.store.engine).begin() as conn:
        registration_id = registrations.add(conn, account_id=account_id, customer_number=number,
                                            invoice_number=invoice, invoice_gross=gross, state="pending")
    return registration_id, number


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_new_administrator_logs_in_with_totp_approves_a_registration_and_every_page_is_accessible(
        site: Site, live: Callable[[str], str], viewport: str) -> None:
    registration_id, number = _pending_registration(site)
    made = run_ibok(site.mirror.store_url, "admin", "create", "--email", "ewa@wodociagi.test", "--name",
                    "Ewa Kierownik", "--role", "administrator")
    one_time = re.search(r"one-time password: (\S+)", made.stdout)[1]
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL")
        page.goto(live("/admin/login"))
        _accessible(page, "login")
        page.locator("#email").fill("ewa@wodociagi.test")
        page.locator("#password").fill(one_time)
        _submit(page)
        expect(page.locator("img.qr")).to_be_visible()
        _accessible(page, "enrolment")
        secret = page.locator(".secret").inner_text().replace(" ", "")
        page.locator("#code").fill(pyotp.TOTP(secret).now())
        _submit(page)

        expect(page).to_have_url(live("/admin/password"))  # the one-time password is changed first
        _accessible(page, "password")
        page.locator("#current").fill(one_time)
        page.locator("#new").fill(NEW_PASSWORD)
        _submit(page)
        expect(page).to_have_url(live("/admin/"))
        _accessible(page, "overview")

        page.goto(live("/admin/registrations"))
        expect(page.get_by_text(number).first).to_be_visible()
        _accessible(page, "registration queue")
        page.locator(f"form[action='/admin/registrations/{registration_id}/approve'] button").click()
        expect(page.locator(".flash.success")).to_be_visible()
        _accessible(page, "queue after approval")

        page.goto(live(f"/admin/customers?q={number}"))
        _accessible(page, "customer search")
        page.locator(f"a[href='/admin/customers/{number}']").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        _accessible(page, "customer summary")
        page.goto(live("/admin/audit?action=registration.approve"))
        expect(page.get_by_role("cell", name=f"registration:{registration_id}", exact=True)).to_be_visible()
        _accessible(page, "audit log")
        page.goto(live("/admin/admins"))
        _accessible(page, "staff accounts")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"

        page.locator("header form.logout button").click()
        expect(page).to_have_url(live("/admin/login"))
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(registrations_table.c.state).where(
            registrations_table.c.id == registration_id)).scalar_one() == "approved"
