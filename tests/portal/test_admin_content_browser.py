"""Acceptance in Chromium: an administrator logs in with TOTP, publishes an outage notice for one
district and uploads a PDF form; a customer of that district sees the notice and downloads the form,
a customer of another district does not see the notice; axe-core checks every admin page visited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from tests.portal.browser import chromium, violations
from tests.portal.conftest import PASSWORD, Site
from tests.portal.content_scene import two_districts
from tests.portal.staff import browser_admin_login, make_admin

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZONE = ZoneInfo("Europe/Warsaw")
TITLE = "Awaria wodociągu: brak wody do godz. 18"


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


def _customer(browser: Browser, live: Callable[[str], str], email: str) -> Page:
    page = browser.new_page(locale="pl-PL")
    page.goto(live("/login"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    _submit(page)
    expect(page).to_have_url(live("/"))
    return page


def test_an_administrator_publishes_a_district_notice_and_a_form_which_customers_there_see_and_download(
        site: Site, live: Callable[[str], str], tmp_path: Path) -> None:
    today = datetime.now(UTC).astimezone(ZONE).date()
    district, there, elsewhere = two_districts(site, today)
    site.login_for("anna@example.pl", there)
    site.login_for("jan@example.pl", elsewhere)
    make_admin(site, "ewa@wodociagi.test")
    until = (datetime.now(UTC) + timedelta(hours=8)).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")
    with chromium() as browser:
        admin = browser.new_page(locale="pl-PL")
        browser_admin_login(admin, live, "ewa@wodociagi.test")

        admin.goto(live("/admin/notices"))
        _accessible(admin, "announcements")
        admin.locator("a[href='/admin/notices/new']").click()
        _accessible(admin, "new announcement")
        admin.locator("#kind").select_option("outage")
        admin.locator("#title_pl").fill(TITLE)
        admin.locator("#body_pl").fill("Usuwamy awarię magistrali. Beczkowozy stoją przy szkole.")
        admin.locator("#valid_until").fill(until)
        admin.locator(f"input[name=audience][value='{district}']").check()
        _submit(admin)
        expect(admin).to_have_url(live("/admin/notices"))
        expect(admin.locator(".flash.success")).to_be_visible()
        expect(admin.get_by_text(TITLE)).to_be_visible()
        _accessible(admin, "announcements after publishing")

        admin.goto(live("/admin/forms"))
        _accessible(admin, "forms library")
        admin.locator("#file").set_input_files({"name": "wniosek.pdf", "mimeType": "application/pdf", "buffer": PDF})
        admin.locator("#slug").fill("wniosek-o-przylacze")
        admin.locator("#title_pl").fill("Wniosek o przyłączenie do sieci")
        admin.locator("#title_en").fill("Application for a connection")
        admin.locator("#category").select_option("connection")
        admin.locator("form[action='/admin/forms'] button[type=submit]").click()
        expect(admin.locator(".flash.success")).to_be_visible()
        _accessible(admin, "forms library after upload")

        anna = _customer(browser, live, "anna@example.pl")
        expect(anna.get_by_text(TITLE)).to_be_visible()  # the dashboard's banner
        anna.goto(live("/outages"))
        expect(anna.get_by_text("Beczkowozy stoją przy szkole.")).to_be_visible()
        anna.goto(live("/forms"))
        with anna.expect_download() as download:
            anna.locator("a[href='/forms/wniosek-o-przylacze']").click()
        saved = tmp_path / "form.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes() == PDF

        jan = _customer(browser, live, "jan@example.pl")
        expect(jan.get_by_role("heading", level=1)).to_be_visible()
        expect(jan.get_by_text(TITLE)).to_have_count(0)
        jan.goto(live("/outages"))
        expect(jan.get_by_role("heading", level=1)).to_be_visible()
        expect(jan.get_by_text(TITLE)).to_have_count(0)
