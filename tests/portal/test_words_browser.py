"""Issue 19's words in Chromium, at 320, 390 and 1366 px, in Polish and in English, axe-core clean in every
state: the accessibility statement, registration closed (said before any form) and a mistyped amount (said,
the password kept), the language chosen before logging in kept after it, and the settings page with the
login's e-mail and billing's contact e-mail apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import product

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.tables import accounts, customers, invoices
from portal.auth import limits
from tests.portal.browser import LANGUAGES, WIDTHS, sticking_out, violations
from tests.portal.conftest import PASSWORD, Site
from tests.portal.live import serving
from tests.portal.test_billing_pages import synced_site

pytestmark = pytest.mark.browser

WORDS = {
    "pl": {"statement": "Deklaracja dostępności", "enlarged": "powiększyć do 200%", "closed": "Rejestracja jest na"
           " razie zamknięta", "register": "Zarejestruj się", "mismatch": "do siebie nie pasują",
           "dashboard": "Pulpit", "login_email": "Adres e-mail do logowania",
           "billing_email": "Adres e-mail w danych przedsiębiorstwa", "language": "Polski", "log_in": "Zaloguj się",
           "bad": "adres e-mail"},
    "en": {"statement": "Accessibility statement", "enlarged": "enlarged to 200%", "closed": "Registration is closed"
           " for now", "register": "Register", "mismatch": "could not match", "dashboard": "Dashboard",
           "login_email": "Your login's e-mail address", "billing_email": "E-mail address in the utility's records",
           "language": "English", "log_in": "Log in", "bad": "e-mail address"},
}
COMBOS = list(product(WIDTHS, LANGUAGES))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Callable[[str], str]]]:
    site = synced_site(tmp_path_factory.mktemp("words-browser"))
    with serving(site.app) as url:
        yield site, url
    site.mirror.source.close()
    site.mirror.store.dispose()


def _page(browser: Browser, width: str, lang: str | None) -> Page:
    """A fresh browser (no cookies) of that width; its language preference ``lang`` (None: the other one's)."""
    context = browser.new_context(viewport=WIDTHS[width], locale="pl-PL" if lang == "pl" else "en-GB")
    if lang is not None:
        context.add_cookies([{"name": "ibok_lang", "value": lang, "url": "http://127.0.0.1"}])
    return context.new_page()


def _checked(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: {found}"
    assert not sticking_out(page), f"{where}: sideways scroll"


def _close(page: Page) -> None:
    page.context.close()


def _log_in(page: Page, email: str) -> None:
    """Fill in and send the login form the page shows (the login page, or a page that asks for it)."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_the_accessibility_statement_shows_at_every_width_in_both_languages(served, browser: Browser) -> None:
    _site, live = served
    for width, lang in COMBOS:
        page = _page(browser, width, lang)
        answer = page.goto(live("/accessibility"))
        assert answer is not None and answer.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["statement"])
        expect(page.get_by_text(WORDS[lang]["enlarged"])).to_be_visible()
        _checked(page, f"statement {width} {lang}")
        page.get_by_role("link", name=WORDS[lang]["statement"]).click()  # the footer's link leads to it too
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["statement"])
        _close(page)


def test_registration_says_it_is_closed_first_and_a_mistyped_amount_keeps_the_password(served,
                                                                                     browser: Browser) -> None:
    site, live = served
    for width, lang in COMBOS:  # closed: said, with nothing to fill in
        page = _page(browser, width, lang)
        page.goto(live("/register"))
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["closed"])
        assert page.locator("input[type=password]").count() == 0
        _checked(page, f"registration closed {width} {lang}")
        _close(page)

    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
        number, invoice, gross = conn.execute(
            select(customers.c.number, invoices.c.number, invoices.c.gross)
            .join(invoices, invoices.c.customer_id == customers.c.id).where(invoices.c.gross > 0)
            .order_by(customers.c.id, invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(1)).one()
    for n, (width, lang) in enumerate(COMBOS):
        for limit, subject in ((limits.PROOF_PER_ADDRESS, "127.0.0.0/24"), (limits.PROOF_PER_CUSTOMER, number)):
            limits.forget(site.mirror.store.engine, limit, subject)  # each combination: a visitor of its own
        page = _page(browser, width, lang)
        page.goto(live("/register"))
        page.locator("#customer_number").fill(number.lstrip("0"))  # without its leading zeros
        page.locator("#invoice_number").fill(invoice)
        page.locator("#invoice_gross").fill(f"{gross + Decimal('1'):.2f}".replace(".", ","))  # a typo
        page.locator("#name").fill("Anna Nowak")
        page.locator("#email").fill(f"anna{n}@example.pl")
        page.locator("#password").fill(PASSWORD)
        page.locator("#accept_terms").check()
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("alert")).to_contain_text(WORDS[lang]["mismatch"])
        expect(page.locator("#password")).to_have_value(PASSWORD)  # not wiped
        _checked(page, f"registration mistyped {width} {lang}")
        page.locator("#invoice_gross").fill(f"{gross:.2f}")  # with a dot this time
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("status")).to_contain_text(f"anna{n}@example.pl")
        _checked(page, f"registration sent {width} {lang}")
        _close(page)


def test_the_language_chosen_before_logging_in_stays_after_it(served, browser: Browser) -> None:
    site, live = served
    [customer] = site.customer_ids(1)
    for n, (width, lang) in enumerate(COMBOS):
        email = f"jezyk{n}@example.pl"
        account_id = site.login_for(email, customer)
        other = "pl" if lang == "en" else "en"
        with writer(site.mirror.store.engine).begin() as conn:  # the login's language so far: the other one
            conn.execute(update(accounts).where(accounts.c.id == account_id).values(locale=other))
        page = _page(browser, width, other)
        page.goto(live("/login"))
        page.get_by_role("button", name=WORDS[lang]["language"]).click()  # chosen before logging in
        expect(page.locator("html")).to_have_attribute("lang", lang)
        _checked(page, f"login {width} {lang}")
        _log_in(page, email)
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["dashboard"])
        expect(page.locator("html")).to_have_attribute("lang", lang)
        _checked(page, f"dashboard after login {width} {lang}")
        _close(page)
        elsewhere = _page(browser, "laptop", None)  # another device: the login remembers
        elsewhere.goto(live("/login"))
        _log_in(elsewhere, email)
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["dashboard"])
        _close(elsewhere)


def test_the_settings_page_shows_the_login_address_and_billings_address_apart(served, browser: Browser) -> None:
    site, live = served
    [customer] = site.customer_ids(1)
    for n, (width, lang) in enumerate(COMBOS):
        email = f"ustawienia{n}@example.pl"
        site.login_for(email, customer)
        page = _page(browser, width, lang)
        page.goto(live("/account/contact"))
        _log_in(page, email)
        expect(page.get_by_role("heading", name=WORDS[lang]["login_email"])).to_be_visible()
        expect(page.get_by_role("heading", name=WORDS[lang]["billing_email"])).to_be_visible()
        expect(page.get_by_text(email, exact=False).first).to_be_visible()
        _checked(page, f"settings {width} {lang}")
        page.locator("#billing_email").fill("to nie adres")
        page.locator("#password-billing_email").fill(PASSWORD)
        page.locator("form[aria-labelledby=billing-email-h] button[type=submit]").click()
        expect(page.locator("#billing_email")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#billing_email-msg")).to_be_visible()
        _checked(page, f"settings with an error {width} {lang}")
        _close(page)
