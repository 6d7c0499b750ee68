"""Acceptance of issue 19's lists in Chromium, at 320, 390 and 1366 px, in Polish and English, axe-core
clean on every state visited: no customer page scrolls sideways; invoices, settlements and readings
are cards on a phone and tables on a laptop; settlements newest first under a 12-month summary; a
manager's overview with totals and one-click switching; the invoices CSV downloaded; outages sorted
into the customer's street, area, elsewhere and finished."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import and_, func, select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.tables import contracts, customer_summaries, invoices, meters, points, readings
from tests.portal.browser import LANGUAGES, WIDTHS, sticking_out, violations
from tests.portal.conftest import PASSWORD, Site
from tests.portal.live import serving
from tests.portal.test_billing_pages import busiest_customer, query, synced_site

pytestmark = pytest.mark.browser

EMAIL = "zarzadca@example.pl"
TEXTS = {
    "pl": {"login": "Zaloguj się", "email": "Adres e-mail", "password": "Hasło", "all": "Wszystkie Twoje konta (3)",
           "overview": "Twoje konta odbiorcy", "show": "Pokaż konto",
           "csv": "Pobierz wszystkie faktury tego konta (CSV)", "yours": "Pod Twoim adresem",
           "finished": "Zakończone w ciągu ostatnich 7 dni", "summary": "Ostatnie 12 miesięcy"},
    "en": {"login": "Log in", "email": "E-mail address", "password": "Password", "all": "All your accounts (3)",
           "overview": "Your customer accounts", "show": "Show account",
           "csv": "Download all invoices of this account (CSV)", "yours": "At your address",
           "finished": "Finished in the last 7 days", "summary": "The last 12 months"},
}


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Callable[[str], str], dict[str, int]]]:
    """A synced site served on a loopback port, a login holding three customer accounts (the busiest
    first) and outages around the busiest one's service point: on its street filed under another
    district, in its district, and one finished yesterday."""
    site = synced_site(tmp_path_factory.mktemp("lists-browser"))
    busiest = busiest_customer(site)
    s = customer_summaries.c
    others = [r[0] for r in query(site, select(s.customer_id).where(s.customer_id != busiest)
                                  .order_by(s.open_amount.desc()).limit(2))]
    account_id = site.login_for(EMAIL, busiest, *others)
    long_word = "https://wodociagi.example.pl/dokumenty/regulamin-swiadczenia-uslug-drogą-elektroniczną-2026.pdf"
    with writer(site.mirror.store.engine).begin() as conn:  # terms in force, accepted: the terms page answers
        terms.publish(conn, "2026-1", f"Regulamin. Pełna treść: {long_word}", f"Terms. Full text: {long_word}")
        terms.accept(conn, account_id, "2026-1")
    p, c = points.c, contracts.c
    street, city, district = query(site, select(p.street, p.city, p.district)
                                   .join_from(contracts, points, p.id == c.point_id)
                                   .where(and_(c.customer_id == busiest, c.ends_on.is_(None))).limit(1))[0]
    # Another district serving the same town, as billing sometimes codes a point (else any other district).
    other = query(site, select(p.district).where(p.district != district)
                  .order_by((p.city == city).desc(), p.district).limit(1))[0][0]
    now = datetime.now(ZoneInfo("Europe/Warsaw")).replace(tzinfo=None, microsecond=0)
    with site.mirror.office() as office:
        for code, begin, end, text in (
                (other, now - timedelta(hours=1), now + timedelta(hours=4),
                 f"Awaria sieci wodociągowej przy ul. {street} 1–15 ({city}). Możliwe przerwy w dostawie wody."),
                (district, now - timedelta(hours=3), None, "Płukanie sieci w rejonie stacji uzdatniania."),
                (district, now - timedelta(days=1, hours=5), now - timedelta(days=1), "Usunięto awarię zasuwy.")):
            office.insert("AWARIE", {"ID_AWARII": office.next_ids("ID_AWARII"), "REJON": code, "OD": begin,
                                     "DO": end, "OPIS": text, "DATA_MOD": office.now()})
        office.commit()
    site.mirror.sync()
    i, m, r = invoices.c, meters.c, readings.c
    ids = {"customer": busiest,
           "invoice": query(site, select(i.id).where(i.customer_id == busiest).order_by(i.issued_on.desc()))[0][0],
           "meter": query(site, select(r.meter_id).join_from(readings, contracts, c.point_id == r.point_id)
                          .where(c.customer_id == busiest).group_by(r.meter_id)
                          .order_by(func.count().desc()).limit(1))[0][0],
           "point": query(site, select(m.point_id).join_from(meters, contracts, c.point_id == m.point_id)
                          .where(c.customer_id == busiest).limit(1))[0][0]}
    with serving(site.app) as url:
        yield site, url, ids
    site.mirror.source.close()
    site.mirror.store.dispose()


def customer_pages(ids: dict[str, int]) -> list[str]:
    """Every page a customer reaches from the menu, the footer and the lists."""
    return ["/", "/invoices", f"/invoices/{ids['invoice']}", "/settlements", "/settlements?page=2", "/contracts",
            "/meters", f"/meters/{ids['meter']}/readings", "/readings/submit", f"/readings/submit?point={ids['point']}",
            "/submissions", "/messages/new", "/account/contact", "/account/e-invoice", "/outages", "/analysis",
            "/account/notifications", "/account/password", "/account/customers/add", "/accounts", "/forms", "/terms",
            "/accessibility"]


def check(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: {found}"
    found = sticking_out(page)
    assert not found, f"{where}: {found}"


def log_in(browser: Browser, live: Callable[[str], str], language: str) -> Page:
    words = TEXTS[language]
    page = browser.new_page(locale="pl-PL" if language == "pl" else "en-GB")
    page.context.add_cookies([{"name": "ibok_lang", "value": language, "url": live("/")}])
    page.goto(live("/login"))
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["login"]).click()
    page.wait_for_url(live("/"))
    return page


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_customer_page_scrolls_sideways_and_each_is_accessible(scene, browser: Browser, language: str) -> None:
    _site, live, ids = scene
    page = log_in(browser, live, language)
    for width in ("narrow", "phone"):  # a laptop's width has room: the lists' tests below visit it
        page.set_viewport_size(WIDTHS[width])
        for path in customer_pages(ids):
            answer = page.goto(live(path))
            assert answer is not None and answer.status == 200, (path, answer and answer.status)
            check(page, f"{language} {width} {path}")
    page.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_are_cards_on_a_phone_and_tables_on_a_laptop(scene, browser: Browser, language: str) -> None:
    _site, live, ids = scene
    words = TEXTS[language]
    page = log_in(browser, live, language)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        phone = viewport["width"] < 600
        for path, table in (("/invoices", "table.cards"), ("/settlements", "table.ledger"),
                            (f"/meters/{ids['meter']}/readings", "table.readings"),
                            (f"/invoices/{ids['invoice']}", "table.lines"), ("/accounts", "table.accounts")):
            page.goto(live(path))
            row = page.locator(f"{table} tbody tr").first
            expect(row).to_be_visible()
            display = row.evaluate("tr => getComputedStyle(tr).display")
            header = page.locator(f"{table} thead").bounding_box()
            assert header is not None
            if phone:  # a card: its cells labelled, the column headings only for screen readers
                assert display == "grid" and header["height"] <= 1, (width, path)
                label = page.locator(f"{table} tbody td[data-label]").first
                assert label.evaluate("td => getComputedStyle(td, '::before').content") != "none"
            else:
                assert display == "table-row" and header["height"] > 10, (width, path)
            check(page, f"{language} {width} {path}")
        # Settlements: the summary on top, the newest entry first.
        page.goto(live("/settlements"))
        expect(page.get_by_role("heading", name=words["summary"])).to_be_visible()
        days = page.locator("table.ledger tbody tr.entry time").evaluate_all("ts => ts.map(t => t.dateTime)")
        assert len(days) > 2 and days == sorted(days, reverse=True), days  # the newest first
        page.goto(live("/settlements?year=2025"))
        days = page.locator("table.ledger tbody tr.entry time").evaluate_all("ts => ts.map(t => t.dateTime)")
        assert days and days == sorted(days, reverse=True) and all(d.startswith("2025") for d in days)
        check(page, f"{language} {width} settlements of 2025")
    page.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_sees_every_account_with_totals_switches_in_one_click_and_downloads_csv(
        scene, browser: Browser, language: str, tmp_path: Path) -> None:
    site, live, ids = scene
    words = TEXTS[language]
    page = log_in(browser, live, language)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(live("/"))
        page.get_by_role("link", name=words["all"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["overview"])
        expect(page.locator("table.accounts tbody tr")).to_have_count(3)
        expect(page.locator(".total-due")).to_be_visible()
        check(page, f"{language} {width} overview")
        buttons = page.get_by_role("button", name=words["show"])
        chosen = buttons.nth(2).evaluate("b => b.form.customer_id.value")
        buttons.nth(2).click()  # one click
        page.wait_for_url(live("/"))
        expect(page.locator("table.accounts")).to_have_count(0)
        check(page, f"{language} {width} after switching")
        assert int(chosen) != ids["customer"]
        page.goto(live("/accounts"))
        page.locator(f'form.switch-one:has(input[value="{ids["customer"]}"]) button').click()
        page.wait_for_url(live("/"))

        page.goto(live("/invoices"))
        with page.expect_download() as download:
            page.get_by_role("link", name=words["csv"]).click()
        saved = tmp_path / f"{language}-{width}.csv"
        download.value.save_as(saved)
        text = saved.read_bytes().decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";" if language == "pl" else ","))
        count = query(site, select(func.count()).select_from(invoices).where(invoices.c.customer_id == ids["customer"]))
        assert len(rows) - 1 == count[0][0] and len(rows[0]) == 14
        check(page, f"{language} {width} invoices")
    page.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_outages_on_the_customers_street_come_first_and_finished_ones_apart(scene, browser: Browser,
                                                                           language: str) -> None:
    _site, live, _ids = scene
    words = TEXTS[language]
    page = log_in(browser, live, language)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(live("/outages"))
        yours = page.locator("section[aria-labelledby=yours-h]")
        expect(yours.get_by_role("heading", name=words["yours"])).to_be_visible()
        expect(yours.locator("li.outage.yours")).to_contain_text("Awaria sieci wodociągowej przy ul.")
        finished = page.locator("section[aria-labelledby=finished-h]")
        expect(finished.get_by_role("heading", name=words["finished"])).to_be_visible()
        expect(finished).to_contain_text("Usunięto awarię zasuwy.")
        heading = yours.locator("h3").first.inner_text()
        assert "R0" not in heading and "R1" not in heading  # a name, never a code
        check(page, f"{language} {width} outages")
    page.close()
