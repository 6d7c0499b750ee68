"""The portal's security rules, each proven through HTTP: headers, CSRF, sessions, limits, enumeration."""

from __future__ import annotations

import re

from tests.conftest import log_lines
from tests.portal.conftest import PASSWORD, Site, csrf, log_in


def test_every_response_carries_the_security_headers(site: Site) -> None:
    client = site.client()
    for path in ("/login", "/", "/static/css/ibok.css", "/no-such-page"):
        with client.get(path) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_a_form_without_its_csrf_token_changes_nothing(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    refused = client.post("/login", data={"email": "anna@example.pl", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in
    assert client.get("/logout").status_code == 405  # no state change on GET


def test_login_gives_a_new_session_and_logout_ends_it_on_the_server(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    client.get("/login")
    before = client.get_cookie("ibok_session").value
    assert log_in(client, "anna@example.pl").status_code == 302
    after = client.get_cookie("ibok_session")
    assert after.value != before and after.http_only and after.same_site == "Lax"
    assert client.get("/").status_code == 200

    thief = site.client()
    thief.set_cookie("ibok_session", after.value)
    assert thief.get("/").status_code == 200  # the same token, before logout
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert thief.get("/").status_code == 302  # ended on the server, not only in the browser


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    wrong = log_in(site.client(), "anna@example.pl", "not the password at all").get_data(as_text=True)
    unknown = log_in(site.client(), "nobody@example.pl", "not the password at all").get_data(as_text=True)
    message = "Adres e-mail lub hasło są nieprawidłowe."
    assert message in wrong and message in unknown


def test_too_many_failed_logins_lock_the_account_with_a_clear_wait(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    for _ in range(5):
        assert log_in(client, "anna@example.pl", "wrong password, surely").status_code == 200
    locked = log_in(client, "anna@example.pl")  # even the right password waits now
    assert locked.status_code == 429
    assert re.search(r"Spróbuj ponownie za 1[45] min\.", locked.get_data(as_text=True))
    unknown = site.client()
    for _ in range(5):
        log_in(unknown, "nobody@example.pl", "wrong password, surely")
    assert log_in(unknown, "nobody@example.pl").status_code == 429  # the same for a login that does not exist


def test_a_password_change_ends_the_other_sessions(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    phone, laptop = site.client(), site.client()
    log_in(phone, "anna@example.pl")
    log_in(laptop, "anna@example.pl")
    changed = laptop.post("/account/password", data={"csrf_token": csrf(laptop, "/account/password"),
                                                     "current": PASSWORD, "new": "mój nowy dom nad rzeką"})
    assert changed.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_passwords_are_long_any_unicode_and_not_common(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    log_in(client, "anna@example.pl")
    for new, message in (("krótkie", "co najmniej 12 znaków"), ("password1234", "znanych z wycieków danych"),
                         ("123456789012", "znanych z wycieków danych"), ("Hasło1234567", "znanych z wycieków danych"),
                         ("dfdfdfdfdfdfdfdfdf", "zbyt popularne"), ("ą" * 257, "najwyżej 256 znaków")):
        page = client.post("/account/password", data={"csrf_token": csrf(client, "/account/password"),
                                                      "current": PASSWORD, "new": new})
        assert page.status_code == 200 and message in page.get_data(as_text=True), new
    from adapters.store.logins import accounts
    with site.mirror.store.engine.connect() as conn:
        stored = accounts.by_email(conn, "anna@example.pl")["password_hash"]
    assert stored.startswith("$argon2id$")


def test_a_one_time_password_must_be_changed_before_anything_else(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("jan@example.pl", customer, must_change=True)
    client = site.client()
    assert log_in(client, "jan@example.pl").headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/account/password"


def test_another_customers_account_cannot_be_chosen(site: Site) -> None:
    mine, theirs = site.customer_ids(2)
    site.login_for("anna@example.pl", mine)
    client = site.client()
    log_in(client, "anna@example.pl")
    refused = client.post("/account/customer", data={"csrf_token": csrf(client, "/"), "customer_id": theirs})
    assert refused.status_code == 404


def test_sessions_end_after_the_idle_and_the_absolute_timeouts(site: Site) -> None:
    from datetime import UTC, datetime, timedelta

    from adapters.store.db import writer
    from adapters.store.tables import web_sessions
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    log_in(client, "anna@example.pl")
    assert client.get("/").status_code == 200
    idle = timedelta(seconds=site.settings.portal.session_idle_s + 1)
    long_ago = datetime.now(UTC) - idle
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(web_sessions.update().values(seen_at=long_ago))
    assert client.get("/").status_code == 302  # idle too long

    log_in(client, "anna@example.pl")
    assert client.get("/").status_code == 200
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(web_sessions.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/").status_code == 302  # past the absolute end, however active


def test_security_events_are_logged_without_addresses_passwords_or_tokens(site: Site, json_log) -> None:
    """Read from the JSON lines as production writes them (structlog's capture_logs misses loggers that
    cached their processors in an earlier test of the same worker)."""
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    log_in(client, "anna@example.pl", "a wrong password here")
    cookie = client.get_cookie("ibok_session")
    log_in(client, "anna@example.pl")
    cookies = [c.value for c in (cookie, client.get_cookie("ibok_session")) if c is not None]
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    wanted = ("login_failed", "login_succeeded", "logout")
    events = [e for e in log_lines(json_log) if e["event"] in wanted]
    assert [e["event"] for e in events] == list(wanted)
    text = json_log.getvalue()
    for secret in ("anna@example.pl", PASSWORD, "a wrong password here", *cookies):
        assert secret not in text
    assert events[0]["subject"] and events[1]["account_id"]
