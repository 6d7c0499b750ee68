"""E-mailed links leave no working token behind: opened, a link's token moves into the session and the page
answers without it, so no log line (the access log, an error's line, gunicorn's) and no ``Referer`` carries
one; a reset link is checked before a password is hashed, and tried a limited number of times; changing the
login's address to a taken one looks exactly like changing it to a free one."""

from __future__ import annotations

import http.client
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.logins import accounts
from adapters.store.logins import tokens as link_tokens
from adapters.store.tables import customers, invoices
from portal.auth import passwords
from sync.mailer import send_due
from tests.conftest import log_lines
from tests.portal.browser import chromium
from tests.portal.conftest import PASSWORD, SECRET, Site, csrf, log_in
from tests.portal.mailbox import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "nowe hasło do wodociągów 2026"


@pytest.fixture
def open_site(site: Site) -> Site:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
    return site


def _proof(site: Site, customer_id: int) -> tuple[str, str, str]:
    """The customer's number, its latest invoice's number and gross amount as printed."""
    with site.mirror.store.engine.connect() as conn:
        number = conn.execute(select(customers.c.number).where(customers.c.id == customer_id)).scalar_one()
        invoice, gross = conn.execute(select(invoices.c.number, invoices.c.gross)
                                      .where(invoices.c.customer_id == customer_id)
                                      .order_by(invoices.c.issued_on.desc(), invoices.c.id.desc()).limit(1)).one()
    return number, invoice, f"{gross:.2f}".replace(".", ",")


def _deliver(site: Site, box: Mailbox, base_url: str, to: str) -> str:
    """Send what is queued; the path of the link in the latest message to ``to``."""
    assert send_due(site.mirror.store.engine, box.sender(), base_url=base_url).dead == 0
    return box.link(box.to(to)[-1])


def _submit(page: Page, field: str) -> None:
    """Press the button of the form that holds ``field``."""
    page.locator("form", has=page.locator(field)).locator("button[type=submit]").click()


def _leaks(secrets: Iterable[str], places: dict[str, Iterable[str]]) -> list[str]:
    return [f"{name}: {text}" for name, texts in places.items() for text in texts
            for secret in secrets if secret in text]


def test_no_log_line_page_address_or_referer_carries_a_working_link_token(
        open_site: Site, live: Callable[[str], str], box: Mailbox, json_log: io.StringIO) -> None:
    """Registration, its confirmation, an e-mail change and a password reset in Chromium against the portal
    served by Werkzeug (its access log in the JSON log): the links' tokens, taken from the e-mails, appear
    in no log line, in no address a page is shown at and in no Referer the browser sends."""
    site = open_site
    [customer] = site.customer_ids(1)
    number, invoice, gross = _proof(site, customer)
    base = live("")
    received: list[tuple[str, str]] = []  # (path, Referer) of every request the portal got
    served = site.app.wsgi_app

    def recording(environ, start_response):
        received.append((environ["PATH_INFO"], environ.get("HTTP_REFERER", "")))
        return served(environ, start_response)
    site.app.wsgi_app = recording  # type: ignore[method-assign]

    links: list[str] = []
    shown: list[str] = []  # every address a page was shown at
    with chromium() as browser:
        page = browser.new_page(locale="en-US")
        page.on("framenavigated", lambda frame: shown.append(frame.url) if frame == page.main_frame else None)

        page.goto(live("/register"))
        for name, value in (("customer_number", number), ("invoice_number", invoice), ("invoice_gross", gross),
                            ("name", "Anna Nowak"), ("email", "anna@example.pl"), ("password", PASSWORD)):
            page.fill(f'input[name="{name}"]', value)
        page.check('input[name="accept_terms"]')
        _submit(page, 'input[name="accept_terms"]')
        expect(page.get_by_text("Check your e-mail")).to_be_visible()
        links.append(_deliver(site, box, base, "anna@example.pl"))
        page.goto(live(links[-1]))
        page.get_by_role("button", name="Confirm my e-mail address").click()
        expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()

        page.fill('input[name="email"]', "anna@example.pl")
        page.fill('input[name="password"]', PASSWORD)
        _submit(page, 'input[name="password"]')
        page.goto(live("/account/contact"))
        page.fill("#email", "anna.nowak@example.com")
        page.fill("#password-email", PASSWORD)
        _submit(page, "#email")
        expect(page.get_by_text("We sent a link to anna.nowak@example.com.")).to_be_visible()
        links.append(_deliver(site, box, base, "anna.nowak@example.com"))
        page.goto(live(links[-1]))
        page.get_by_role("button", name="Use this address").click()
        expect(page.get_by_text("now anna.nowak@example.com")).to_be_visible()
        page.get_by_role("button", name="Log out").click()

        page.goto(live("/password/forgot"))
        page.fill('input[name="email"]', "anna.nowak@example.com")
        _submit(page, 'input[name="email"]')
        links.append(_deliver(site, box, base, "anna.nowak@example.com"))
        page.goto(live(links[-1]))
        page.fill('input[name="new"]', NEW_PASSWORD)
        _submit(page, 'input[name="new"]')
        expect(page.get_by_text("Your new password is set.")).to_be_visible()
        page.fill('input[name="email"]', "anna.nowak@example.com")
        page.fill('input[name="password"]', NEW_PASSWORD)
        _submit(page, 'input[name="password"]')
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        page.get_by_role("link", name="Contact details").first.click()  # a Referer from a page after the reset
        expect(page.get_by_role("heading", level=1)).to_have_text("Contact details")

    tokens = [link.rsplit("/", 1)[1] for link in links]
    lines = json_log.getvalue().splitlines()
    referers = [referer for _, referer in received if referer]
    assert not _leaks(tokens, {"log": lines, "page address": shown, "Referer": referers})

    # and the test saw what it should: three links with their tokens, the access log, the pages in their place
    assert [link.rsplit("/", 1)[0] for link in links] == ["/confirm", "/account/email", "/password/reset"]
    assert all(len(token) >= 40 for token in tokens)
    access = [line["event"] for line in log_lines(json_log) if line.get("logger") == "werkzeug"]
    for path in ("/confirm/[redacted]", "/account/email/[redacted]", "/password/reset/[redacted]"):
        assert any(f"GET {path} HTTP/1.1" in line for line in access), (path, access)
    placeholders = ("/confirm/address", "/account/email/confirm", "/password/reset/set-password")
    assert {live(p) for p in placeholders} <= set(shown)
    assert referers, "the browser sent Referers"


def test_an_error_on_a_links_page_is_logged_without_its_token(site: Site, json_log: io.StringIO) -> None:
    token = "qW3-x_9Zk2LmN8pQrStUvWxYz0123456789AbCdEfGh"

    def fail() -> None:
        raise RuntimeError("the store went away")
    site.app.before_request(fail)
    site.app.config["PROPAGATE_EXCEPTIONS"] = False
    for path in (f"/password/reset/{token}", f"/confirm/{token}", f"/account/email/{token}"):
        assert site.client().get(path).status_code == 500
    written = log_lines(json_log)
    failures = [line["event"] for line in written if "exception" in line]
    assert failures == ["Exception on /password/reset/[redacted] [GET]", "Exception on /confirm/[redacted] [GET]",
                        "Exception on /account/email/[redacted] [GET]"]
    assert token not in json_log.getvalue()


def test_gunicorns_access_log_masks_link_tokens_in_the_request_line_and_the_referer(site: Site,
                                                                                       tmp_path: Path) -> None:
    """The production server with its own config (config/gunicorn.conf.py), its access log in a file."""
    token = "qW3-x_9Zk2LmN8pQrStUvWxYz0123456789AbCdEfGh"
    port = free_port()
    access = tmp_path / "access.log"
    env = {**os.environ, "IBOK_BILLING_DSN": site.mirror.billing.dsn, "IBOK_STORE_URL": site.mirror.store_url,
           "IBOK_PATHS_DATA_DIR": str(tmp_path), "IBOK_PORTAL_SECRET_KEY": SECRET, "IBOK_PORTAL_DEVELOPMENT": "true",
           "IBOK_PORTAL_BIND": f"127.0.0.1:{port}", "IBOK_PORTAL_WORKERS": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.conf.py",
                               "--access-logfile", str(access), "portal.app:create_app()"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health")
                connection.getresponse().read()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError("gunicorn ended") from None
                time.sleep(0.05)
        connection.request("GET", f"/password/reset/{token}",
                           headers={"Referer": f"http://portal.test/confirm/{token}"})
        answer = connection.getresponse()
        answer.read()
        connection.close()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    written = access.read_text()
    assert token not in written and token not in errors.decode()
    assert '"GET /password/reset/[redacted] HTTP/1.1" 302' in written
    assert '"http://portal.test/confirm/[redacted]"' in written
    assert answer.status == 302 and answer.getheader("Location") == "/password/reset/set-password"


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of the password hash (Argon2) and of the password check (zxcvbn) from now on."""
    calls = {"hash": 0, "problem": 0}
    hash_password, problem = passwords.hash_password, passwords.problem

    def counted_hash(password: str) -> str:
        calls["hash"] += 1
        return hash_password(password)

    def counted_problem(password: str, personal: Iterable[str] = ()) -> str | None:
        calls["problem"] += 1
        return problem(password, personal)
    monkeypatch.setattr(passwords, "hash_password", counted_hash)
    monkeypatch.setattr(passwords, "problem", counted_problem)
    return calls


def _reset_with(client, token: str):
    """Open the reset link of ``token`` and send a new password with it."""
    client.get(f"/password/reset/{token}")  # (its token into the session, the browser sent on to the page)
    page = "/password/reset/set-password"
    return client.post(page, data={"csrf_token": csrf(client, "/password/forgot"), "new": NEW_PASSWORD})


def test_a_bogus_reset_link_is_refused_before_any_password_is_checked_or_hashed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    [customer] = site.customer_ids(1)
    account_id = site.login_for("anna@example.pl", customer)
    calls = _counting(monkeypatch)
    client = site.client()
    bogus = "x" * 43
    sent_to_link = client.post(f"/password/reset/{bogus}", data={"csrf_token": csrf(client, "/password/forgot"),
                                                                  "new": NEW_PASSWORD})
    assert calls == {"hash": 0, "problem": 0}, "a new password sent to a bogus link was checked or hashed"
    assert sent_to_link.status_code == 302  # only its token into the session; the page says the link is bad
    assert _reset_with(client, bogus).status_code == 404
    assert calls == {"hash": 0, "problem": 0}

    with writer(site.mirror.store.engine).begin() as conn:
        token = link_tokens.issue(conn, account_id, "reset", timedelta(hours=1))
    assert _reset_with(site.client(), token).status_code == 302  # a working link: checked, hashed, spent
    assert calls == {"hash": 1, "problem": 1}


def test_new_passwords_sent_with_reset_links_are_limited_per_link_and_per_network(site: Site) -> None:
    token = "y" * 43
    client = site.client()
    for _ in range(10):
        assert _reset_with(client, token).status_code == 404
    client.set_cookie("ibok_lang", "en")
    limited = _reset_with(client, token)
    assert limited.status_code == 429 and "Try again in 60 min" in limited.get_data(as_text=True)
    elsewhere = site.app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _reset_with(elsewhere, token).status_code == 429, "the link's limit holds from any network"

    network = site.app.test_client()
    network.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    for n in range(20):
        assert _reset_with(network, f"{n:02d}" + "z" * 41).status_code == 404
    assert _reset_with(network, "w" * 43).status_code == 429, "the network's limit holds for any link"
    other = site.app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    assert _reset_with(other, "w" * 43).status_code == 404  # another network, another link: tried


def _ask(client, email: str):
    return client.post("/account/contact", data={"csrf_token": csrf(client, "/account/contact"), "what": "email",
                                                 "email": email, "password": PASSWORD})


def _without_tokens(html: str) -> str:
    """The page with its per-render tokens (CSRF, the phone form's idempotency token) blanked."""
    return re.sub(r'(name="(?:csrf_token|token)"[^>]*value=")[^"]*"', r'\1"', html)


def test_an_address_change_to_a_taken_address_looks_like_one_to_a_free_address(site: Site, box: Mailbox) -> None:
    [customer, other] = site.customer_ids(2)
    account_id = site.login_for("anna@example.pl", customer)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, "anna@example.pl").status_code == 302

    free_answer = _ask(client, "jan@example.pl")
    free_page = client.get("/account/contact")
    assert "jan@example.pl" in free_page.get_data(as_text=True)
    assert _sent(site, box) == 1 and "/account/email/" in Mailbox.text(box.to("jan@example.pl")[0])

    # jan@example.pl takes a login of its own; Anna's request is asked again from the start
    with writer(site.mirror.store.engine).begin() as conn:
        accounts.set_pending_email(conn, account_id, None)
    site.login_for("jan@example.pl", other)
    taken_answer = _ask(client, "jan@example.pl")
    taken_page = client.get("/account/contact")

    assert (taken_answer.status_code, taken_answer.headers["Location"], taken_answer.get_data()) == \
        (free_answer.status_code, free_answer.headers["Location"], free_answer.get_data())
    assert _without_tokens(taken_page.get_data(as_text=True)) == _without_tokens(free_page.get_data(as_text=True))
    assert _sent(site, box) == 1
    notice = box.to("jan@example.pl")[-1]
    assert "należy on już do Twojego konta" in Mailbox.text(notice) and "/account/email/" not in Mailbox.text(notice)
    with site.mirror.store.engine.connect() as conn:
        assert accounts.by_email(conn, "anna@example.pl")["pending_email"] == "jan@example.pl"


def _sent(site: Site, box: Mailbox) -> int:
    return send_due(site.mirror.store.engine, box.sender(), base_url="http://portal.test").sent
