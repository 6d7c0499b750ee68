"""The portal in a real browser, on a phone and a desktop, in Polish and in English, checked by axe-core."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import PASSWORD, Site


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: {found}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_login_dashboard_language_and_logout_work_and_are_accessible(site: Site, live: Callable[[str], str],
                                                                      viewport: str) -> None:
    first, second = site.customer_ids(2)
    site.login_for("anna@example.pl", first, second)
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL")
        page.goto(live("/"))
        expect(page).to_have_title("Zaloguj się · iBOK")
        _accessible(page, "login")

        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_text("Podaj adres e-mail lub numer klienta.")).to_be_visible()
        _accessible(page, "login with errors")
        page.get_by_label("Adres e-mail").fill("anna@example.pl")
        page.get_by_label("Hasło").fill("to nie jest moje hasło")
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("alert")).to_contain_text("Adres e-mail lub hasło są nieprawidłowe.")
        _accessible(page, "login refused")

        page.get_by_label("Hasło").fill(PASSWORD)
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
        expect(page.get_by_role("heading", name="Saldo")).to_be_visible()
        expect(page.get_by_text("Dane z dnia")).to_be_visible()
        _accessible(page, "dashboard")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

        page.get_by_role("link", name="Wszystkie Twoje konta (2)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Twoje konta odbiorcy")
        number = page.locator("tr.account:not(.chosen) th").first.inner_text().split(" ")[0]
        page.get_by_role("button", name=f"Pokaż konto {number}").click()  # one click to the other account
        expect(page.locator("p.switch strong")).to_have_text(number)

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        assert page.locator("html").get_attribute("lang") == "en"
        _accessible(page, "dashboard in English")

        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You have been logged out.")).to_be_visible()
        page.goto(live("/"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in to iBOK")
