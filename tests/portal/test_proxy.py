"""Behind the documented reverse proxy: per-address limits key on the client, not on the proxy; the
session cookie is ``__Host-`` prefixed in production."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.http import parse_set_header

from portal.app import create_app
from portal.auth import limits
from tests.portal.conftest import PASSWORD, Site, log_in, portal_settings

PROXY = "127.0.0.1"  # the test client's REMOTE_ADDR: nginx on the same host
TOTP_KEY = "pO9s1kq3yY4xq0mFv0m2X9w6m2e2b8v1Zl8nQm0d4cU="  # a Fernet key (32 bytes, url-safe base64)


def portal(site: Site, tmp_path: Path, **extra: str) -> Flask:
    """Another portal on the site's store, with these settings."""
    extra.setdefault("IBOK_ADMIN_TOTP_KEY", TOTP_KEY)  # required outside development
    app = create_app(portal_settings(site.mirror, tmp_path, **extra))

    def whoami() -> str:
        return f"{request.remote_addr} {request.scheme} {request.host}"
    app.add_url_rule("/whoami", "whoami", whoami)
    return app


def client_from(app: Flask, forwarded_for: str) -> FlaskClient:
    """A browser whose requests reach the portal through the proxy, which says who sent them."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client


def use_up_the_address_limit(client: FlaskClient) -> None:
    """Failed logins from this client's address until its limit is used up (each for another login, so
    that no account's own limit is reached first)."""
    for attempt in range(limits.LOGIN_PER_ADDRESS.attempts):
        assert log_in(client, f"guess{attempt}@example.pl", "not the password").status_code == 200


def test_behind_one_trusted_proxy_a_locked_out_address_does_not_lock_out_the_others(site: Site, tmp_path: Path):
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    app = portal(site, tmp_path, IBOK_PORTAL_DEVELOPMENT="true", IBOK_PORTAL_TRUSTED_PROXIES="1")
    attacker = client_from(app, "198.51.100.7")
    use_up_the_address_limit(attacker)  # 30 failed logins from one attacker's address

    assert log_in(attacker, "anna@example.pl").status_code == 429
    # The attacker writes "X-Forwarded-For: 203.0.113.9" itself; nginx appends the address it saw.
    spoofing = client_from(app, "203.0.113.9, 198.51.100.7")
    assert log_in(spoofing, "anna@example.pl").status_code == 429
    anna = client_from(app, "203.0.113.9")  # through the same proxy, from her own address
    assert log_in(anna, "anna@example.pl").status_code == 302


def test_without_trusted_proxies_the_headers_are_not_read_at_all(site: Site, tmp_path: Path):
    seen = client_from(portal(site, tmp_path), "203.0.113.9").get(
        "/whoami", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert seen.get_data(as_text=True) == f"{PROXY} http localhost"  # limits key on the connection's address


def test_behind_one_trusted_proxy_the_address_scheme_and_host_are_the_proxys_word(site: Site, tmp_path: Path):
    app = portal(site, tmp_path, IBOK_PORTAL_TRUSTED_PROXIES="1")
    seen = client_from(app, "203.0.113.9, 198.51.100.7").get(
        "/whoami", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ebok.example.pl"})
    assert seen.get_data(as_text=True) == "198.51.100.7 https ebok.example.pl"


def cookie_attributes(header: str) -> tuple[str, dict[str, str | None]]:
    """A Set-Cookie header as (name, {attribute in lower case: value or None})."""
    first, *rest = (part.strip() for part in header.split(";"))
    name = first.split("=", 1)[0]
    attributes: dict[str, str | None] = {}
    for part in rest:
        key, _, value = part.partition("=")
        attributes[key.lower()] = value or None
    return name, attributes


def session_cookie(response) -> tuple[str, dict[str, str | None]]:
    cookies = [cookie_attributes(h) for h in response.headers.getlist("Set-Cookie")]
    [found] = [c for c in cookies if c[0].endswith("ibok_session")]
    return found


def test_in_production_the_session_cookie_is_host_prefixed_secure_on_path_root_with_no_domain(
        site: Site, tmp_path: Path):
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    app = portal(site, tmp_path, IBOK_PORTAL_TRUSTED_PROXIES="1")  # production: development off
    # Even with Flask's cookie settings pointing elsewhere, the prefix's rules win.
    app.config.update(SESSION_COOKIE_DOMAIN="example.pl", APPLICATION_ROOT="/ebok", SESSION_COOKIE_PATH="/ebok")
    client = app.test_client()
    name, attributes = session_cookie(client.get("/login", base_url="https://ebok.example.pl"))
    assert name == "__Host-ibok_session"
    assert "secure" in attributes and "httponly" in attributes and attributes["path"] == "/"
    assert "domain" not in attributes and attributes["samesite"] == "Lax"

    assert log_in(client, "anna@example.pl").status_code == 302
    assert client.get_cookie("ibok_session") is None
    assert client.get("/").status_code == 200  # the prefixed cookie is the session
    logout = client.post("/logout", data={"csrf_token": _csrf(client)})
    name, attributes = session_cookie(logout)  # the anonymous session after logout, with its flashed message
    assert name == "__Host-ibok_session" and "secure" in attributes and attributes["path"] == "/"
    assert "domain" not in attributes


def _csrf(client: FlaskClient) -> str:
    import re
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True))[1]


def test_in_development_the_session_cookie_keeps_its_plain_name_without_secure(site: Site) -> None:
    name, attributes = session_cookie(site.client().get("/login"))  # site: development mode on plain http
    assert name == "ibok_session"
    assert "secure" not in attributes and "httponly" in attributes and attributes["path"] == "/"
    assert "domain" not in attributes


def test_the_session_cookie_of_the_other_mode_is_not_a_session(site: Site, tmp_path: Path) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    app = portal(site, tmp_path)
    client = site.client()
    log_in(client, "anna@example.pl", PASSWORD)
    token = client.get_cookie("ibok_session").value
    planted = app.test_client()
    planted.set_cookie("ibok_session", token)  # a cookie without the prefix, as a subdomain could set it
    assert planted.get("/").status_code == 302  # production reads only __Host-ibok_session


def test_the_vary_header_still_names_cookie(site: Site, tmp_path: Path) -> None:
    response = portal(site, tmp_path).test_client().get("/login")
    assert "cookie" in {v.lower() for v in parse_set_header(response.headers.get("Vary", ""))}
