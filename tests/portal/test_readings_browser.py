"""Issue 19's readings in Chromium at 320, 390 and 1366 px, in Polish and English, axe-core clean in
every state: the form of every meter, a real reading below billing's estimate (accepted, with a
note), an unusual value to confirm, a value below the last actual reading (refused, saying what it
was and offering the office), the submissions page naming the meter, and a withdrawal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from playwright.sync_api import Browser, Page, expect

from sync.submissions import service
from sync.submissions.plausibility import unusual
from tests.portal.browser import LANGUAGES, WIDTHS, sticking_out, violations
from tests.portal.conftest import PASSWORD, Site

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # the day after the stand-in data's reference date
TODAY = date(2026, 11, 22)
TEXT = {
    "pl": {"check": "Sprawdź odczyty", "send": "Wyślij odczyty", "estimate": "wodociągi skorygują swój szacunek",
           "confirm": "Sprawdziłem: odczyt jest prawidłowy", "office": "Napisz do biura obsługi klienta",
           "history": "Moje zgłoszenia", "waiting": "oczekuje na wysłanie", "withdraw": "Wycofaj ten odczyt",
           "cancelled": "anulowane", "below": "jest niższy niż ostatni odczyt wodomierza", "since": "od",
           "saved": "Zapisaliśmy Twoje odczyty."},
    "en": {"check": "Check the readings", "send": "Send the readings", "estimate": "the utility will correct its"
           " estimate", "confirm": "I have checked it: the reading is correct",
           "office": "Write to the customer office", "history": "My submissions", "waiting": "waiting to be sent",
           "withdraw": "Withdraw this reading", "cancelled": "cancelled",
           "below": "is lower than the last reading of meter", "since": "since", "saved": "Your readings are saved."},
}


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"
    assert not sticking_out(page), f"{where}: scrolls sideways"


def _scene(site: Site) -> tuple[int, int, str, Decimal, Decimal]:
    """A customer with a meter read by the utility, and billing's estimate of yesterday far above it:
    (customer, the meter's place in the form, its serial, its last actual reading, a usual value)."""
    with site.mirror.store.engine.connect() as conn:
        for customer in site.customer_ids(40):
            held = [m for m in service.store.held_meters(conn, customer, TODAY) if m["dismounted_on"] is None]
            for m in held:
                facts = service.meter_facts_of(m)
                last = facts.last_actual
                if last is None or facts.last != last or len(m["history"]) < 2:
                    continue
                value = last.state + Decimal("0.500")
                if unusual(facts, TODAY, value) is None:
                    break
            else:
                continue
            break
        else:
            raise AssertionError("no customer with a meter to read")
    with site.mirror.office() as office:
        office.add_reading(m["id"], TODAY - timedelta(days=1), value + 150, last.state, "S", office.now())
        office.commit()
    site.mirror.sync()
    return customer, held.index(m), m["serial_number"], last.state, value


def _typed(value: Decimal, lang: str) -> str:
    return str(value).replace(".", ",") if lang == "pl" else str(value)


def test_reading_states_are_clear_and_accessible_on_every_width_in_both_languages(
        site: Site, live: Callable[[str], str], browser: Browser) -> None:
    with time_machine.travel(NOW, tick=True):
        customer, n, serial, last, value = _scene(site)
        site.login_for("ewa@example.pl", customer)
        for lang in LANGUAGES:
            t = TEXT[lang]
            for width, viewport in WIDTHS.items():
                where = f"{lang} {width}"
                context = browser.new_context(viewport=viewport, locale="pl-PL" if lang == "pl" else "en-GB")
                context.add_cookies([{"name": "ibok_lang", "value": lang, "url": live("/")}])
                page = context.new_page()
                page.goto(live("/login"))
                page.locator("#email").fill("ewa@example.pl")
                page.locator("#password").fill(PASSWORD)
                page.locator("main form button[type=submit]").last.click()
                expect(page).to_have_url(live("/"))

                page.goto(live("/readings/submit"))
                field, check = page.locator(f"#value-{n}"), page.get_by_role("button", name=t["check"])
                expect(field).to_be_visible()
                _accessible(page, f"{where}: the form")

                field.fill(_typed(value, lang))  # below billing's estimate: accepted, with a note
                check.click()
                expect(page.locator(f"#implied-{n}")).to_contain_text(t["since"])
                expect(page.locator(f"#implied-{n} .note")).to_contain_text(t["estimate"])
                _accessible(page, f"{where}: below the estimate")

                page.locator(f"#value-{n}").fill(_typed(last + 5000, lang))  # unusual: asked once more
                page.get_by_role("button", name=t["send"]).click()
                expect(page.get_by_label(t["confirm"])).to_be_visible()
                expect(page.locator(f"#value-{n}-msg")).to_be_visible()
                _accessible(page, f"{where}: an unusual value to confirm")

                page.locator(f"#value-{n}").fill(_typed(last - 1, lang))  # below the last actual reading
                page.get_by_role("button", name=t["send"]).click()  # a value changed: checked again, not sent
                expect(page.locator(f"#value-{n}-msg")).to_contain_text(t["below"])
                expect(page.get_by_role("link", name=t["office"])).to_be_visible()
                _accessible(page, f"{where}: below the last reading")

                page.locator(f"#value-{n}").fill(_typed(value, lang))
                page.get_by_role("button", name=t["check"]).click()
                page.get_by_role("button", name=t["send"]).click()
                expect(page.get_by_role("heading", level=1)).to_have_text(t["history"])
                item = page.locator(".submissions li").first
                expect(item).to_contain_text(serial)  # the status names the meter ...
                expect(item).to_contain_text(t["waiting"])
                assert page.locator(".flash").first.inner_text().startswith(t["saved"])  # ... and reads true
                _accessible(page, f"{where}: the submissions")

                item.get_by_role("button", name=t["withdraw"]).click()  # leaves the next round a clean meter
                expect(page.locator(".submissions li").first).to_contain_text(t["cancelled"])
                _accessible(page, f"{where}: withdrawn")
                context.close()
