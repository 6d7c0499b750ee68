"""The shipped nginx example sets exactly the forwarded headers the portal reads with trusted_proxies = 1."""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "config" / "nginx.conf.example"


def directives(name: str) -> list[str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    return [" ".join(m.split()) for m in re.findall(rf"^\s*{name}\s+([^;#]+);", text, re.MULTILINE)]


def test_the_proxy_overwrites_the_forwarded_headers_the_portal_trusts():
    headers = dict(d.split(" ", 1) for d in directives("proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$remote_addr"  # replaces a client's own header, not appends to it
    assert headers["X-Forwarded-Proto"] == "$scheme" and headers["X-Forwarded-Host"] == "$host"
    assert "trusted_proxies = 1" in EXAMPLE.read_text(encoding="utf-8")


def test_the_proxy_speaks_only_tls_to_clients_and_redirects_plain_http():
    assert directives("ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    assert any(d.startswith("443 ssl") for d in directives("listen"))
    assert directives("return") == ["301 https://$host$request_uri"]
    assert directives("proxy_pass") == ["http://ibok_portal"]
