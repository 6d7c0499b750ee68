"""Acceptance in Chromium: an administrator logs in with TOTP, asks for a resync of one stream, watches the
request finish by reloading its page while the daemon's request job runs, then retries a dead letter in the
outbox; axe-core checks every page visited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from adapters.store.tables import outbox, sync_requests
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import Site
from tests.portal.staff import browser_admin_login, make_admin
from tests.portal.sync_scene import daemon_alive, dead_letter, dead_mail, take_requests


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where} ({page.url}): {found}"


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_administrator_resyncs_a_stream_watches_it_finish_and_retries_a_dead_letter(
        site: Site, live: Callable[[str], str], viewport: str) -> None:
    make_admin(site, "ewa@wodociagi.test", "administrator")
    daemon_alive(site)
    key, _message = dead_letter(site), dead_mail(site)
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL")
        browser_admin_login(page, live, "ewa@wodociagi.test")

        page.goto(live("/admin/sync"))
        expect(page.locator("#stream-payments")).to_be_visible()
        _accessible(page, "sync health")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
        page.locator("button[name=stream][value=payments]").click()
        expect(page).to_have_url(re.compile(r"/admin/sync/requests/\d+$"))
        expect(page.locator("#request-state")).to_have_class(re.compile("status-unpaid"))  # waiting
        _accessible(page, "request waiting")

        take_requests(site)  # the daemon's "requests" job, in this process

        page.locator("main a.button").click()  # the page's own "Refresh"
        expect(page.locator("#request-state")).to_have_class(re.compile("status-paid"))  # finished, ok
        expect(page.locator("#request-detail")).to_have_text("1 stream(s) ok")
        _accessible(page, "request finished")

        page.goto(live("/admin/outbox"))
        _accessible(page, "outbox")
        page.locator(f"form[action='/admin/outbox/{key}/retry'] button").click()
        expect(page.locator(".flash.success")).to_be_visible()
        expect(page.locator(f"form[action='/admin/outbox/{key}/retry']")).to_have_count(0)
        _accessible(page, "outbox after a retry")
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(outbox.c.state).where(outbox.c.id == key)).scalar_one() == "pending"
        assert conn.execute(select(sync_requests.c.outcome)).scalar_one() == "ok"
