"""axe-core on the admin pages' other states in Chromium: a wrong code at login, forms sent empty
(terms, an announcement, a rejection without its reason), the confirmation before a dead letter is
cancelled, the terms page, and the 403 page a customer gets; each with its errors announced."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.portal.browser import chromium, violations
from tests.portal.conftest import PASSWORD, Site
from tests.portal.staff import code_for, make_admin
from tests.portal.sync_scene import dead_letter


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").last.click()


def test_the_admin_pages_error_states_and_confirmations_are_accessible(site: Site, live: Callable[[str], str]) -> None:
    make_admin(site, "ewa@wodociagi.test")
    customer_id = site.customer_ids(1)[0]
    site.login_for("anna@example.pl", customer_id)
    key = dead_letter(site)
    with chromium() as browser:
        admin = browser.new_page(locale="pl-PL")
        admin.goto(live("/admin/login"))
        admin.locator("#email").fill("ewa@wodociagi.test")
        admin.locator("#password").fill(PASSWORD)
        _submit(admin)
        admin.locator("#code").fill("000000" if code_for() != "000000" else "111111")
        _submit(admin)
        expect(admin.locator("#code")).to_have_attribute("aria-invalid", "true")
        _accessible(admin, "a wrong code")
        admin.locator("#code").fill(code_for())
        _submit(admin)
        expect(admin).to_have_url(live("/admin/"))

        admin.goto(live("/admin/terms"))
        _accessible(admin, "terms")
        _submit(admin)
        expect(admin.locator("[aria-invalid=true]").first).to_be_visible()
        _accessible(admin, "terms sent empty")

        admin.goto(live("/admin/notices/new"))
        _submit(admin)
        expect(admin.locator("[aria-invalid=true]").first).to_be_visible()
        _accessible(admin, "an announcement sent empty")

        admin.goto(live(f"/admin/outbox/{key}/cancel"))
        expect(admin.get_by_role("heading", level=1)).to_be_visible()
        _accessible(admin, "cancelling a dead letter")

        customer = browser.new_page(locale="pl-PL")
        customer.goto(live("/login"))
        customer.locator("#email").fill("anna@example.pl")
        customer.locator("#password").fill(PASSWORD)
        _submit(customer)
        expect(customer).to_have_url(live("/"))
        answer = customer.goto(live("/admin/registrations"))
        assert answer is not None and answer.status == 403
        _accessible(customer, "403 for a customer")
