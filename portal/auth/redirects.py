"""Where to go after a login or an accepted version of the terms: a path of this site, never elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site (not ``//host`` nor a full URL: no open redirect),
    else the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("customer.dashboard")
