"""Errors people can quote: every request's id in its answer and its log lines, and the 500 page that shows
it (and nothing of the error), even when the store is down."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
import structlog
from playwright.sync_api import expect
from sqlalchemy import create_engine

from portal.errors import choose_id
from portal.i18n import COOKIE
from tests.conftest import log_lines as lines
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import Site

NEW_ID = re.compile(r"[0-9a-f]{12}")


@pytest.fixture
def log(json_log: io.StringIO) -> io.StringIO:
    return json_log


def failing(site: Site) -> Site:
    """The site with a page that fails, handled as in production (Flask does not re-raise the error)."""
    def boom() -> str:
        structlog.get_logger("portal.test").info("about_to_fail")
        raise RuntimeError("secret detail of the failure")
    site.app.add_url_rule("/boom", "boom", boom)
    site.app.config["PROPAGATE_EXCEPTIONS"] = False
    return site


@pytest.mark.parametrize("given", ["0123456789abcdef", "f47ac10b-58cc-4372-a567-0e02b2c3d479", "ABCDEFGH"])
def test_a_well_formed_id_from_the_proxy_is_kept(given: str) -> None:
    assert choose_id(given) == given


@pytest.mark.parametrize("given", [None, "", "short", "has spaces in it", "line\nbreak-1234", "x" * 65, "a" * 200,
                                   "semi;colon1234", "ünïcödé12345"])
def test_a_missing_or_malformed_id_is_replaced_by_a_new_one(given: str | None) -> None:
    assert NEW_ID.fullmatch(choose_id(given))


def test_an_unhandled_error_answers_a_polish_page_with_the_id_found_in_the_header_and_every_log_line(
        site: Site, log: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    response = failing(site).client().get("/boom")
    assert response.status_code == 500
    error_id = response.headers["X-Request-ID"]
    assert NEW_ID.fullmatch(error_id)
    page = response.get_data(as_text=True)
    assert "Coś poszło nie tak po naszej stronie" in page and "Biuru Obsługi Klienta" in page
    assert f"<dt>Numer błędu</dt>\n  <dd>{error_id}</dd>" in page
    assert 'href="/"' in page  # back home
    assert "secret detail" not in page and "RuntimeError" not in page and "Traceback" not in page

    written = lines(log)
    assert written and all(line.get("request_id") == error_id for line in written), written
    assert "about_to_fail" in [line["event"] for line in written]
    [failure] = [line for line in written if "exception" in line]  # logged once, with its traceback
    assert failure["level"] == "error" and "/boom" in failure["event"]
    assert "Traceback" in failure["exception"] and "RuntimeError: secret detail of the failure" in failure["exception"]
    assert capsys.readouterr().err == ""  # nor anywhere else


def test_the_error_page_in_english(site: Site) -> None:
    client = failing(site).client()
    client.set_cookie(COOKIE, "en")
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and '<html lang="en">' in page
    assert "Something went wrong on our side" in page and "customer service office" in page
    assert f"<dt>Error id</dt>\n  <dd>{response.headers['X-Request-ID']}</dd>" in page
    assert "secret detail" not in page


def test_the_error_page_needs_neither_the_store_nor_the_session(site: Site, log: io.StringIO) -> None:
    portal = site.app.extensions["ibok"]
    working, portal.engine = portal.engine, create_engine("sqlite:////nonexistent/directory/store.sqlite")
    try:
        client = site.client()
        client.set_cookie("ibok_session", "a-session-the-store-cannot-be-asked-about")
        response = client.get("/")
    finally:
        portal.engine.dispose()
        portal.engine = working
    assert response.status_code == 500
    error_id = response.headers["X-Request-ID"]
    assert error_id in response.get_data(as_text=True)
    [failure] = [line for line in lines(log) if "exception" in line]  # the store's error, and nothing after it
    assert failure["request_id"] == error_id and "OperationalError" in failure["exception"]


def test_every_answer_carries_its_own_request_id_and_a_proxys_well_formed_one_is_kept(site: Site) -> None:
    client = site.client()
    seen = []
    for path in ("/login", "/login", "/", "/static/css/ibok.css", "/no-such-page"):
        with client.get(path) as response:
            assert NEW_ID.fullmatch(response.headers["X-Request-ID"]), path
            seen.append(response.headers["X-Request-ID"])
    assert len(set(seen)) == len(seen)

    proxy_id = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
    assert client.get("/login", headers={"X-Request-ID": proxy_id}).headers["X-Request-ID"] == proxy_id
    for malformed in ("has spaces in it", "a" * 200, "line\nbreak-1234"):
        # Passed as the server would (a test client refuses a header with a line break).
        answer = client.get("/login", environ_overrides={"HTTP_X_REQUEST_ID": malformed})
        assert NEW_ID.fullmatch(answer.headers["X-Request-ID"]), malformed
        assert answer.headers.getlist("X-Request-ID") == [answer.headers["X-Request-ID"]]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_error_page_fits_a_phone_even_with_the_longest_id_and_is_accessible(
        site: Site, live: Callable[[str], str], viewport: str) -> None:
    longest = "0123456789abcdef" * 4  # a proxy's id may be 64 characters
    failing(site)
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL",
                                extra_http_headers={"X-Request-ID": longest})
        page.goto(live("/boom"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Coś poszło nie tak po naszej stronie")
        expect(page.get_by_text(longest)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
        assert not violations(page)
        page.get_by_role("link", name="Wróć do pulpitu").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Logowanie do iBOK")
