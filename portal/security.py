"""Security headers on every response: a strict Content-Security-Policy (no inline script or style),
no framing, no MIME sniffing, a referrer policy, and no caching of pages for a logged-in customer."""

from __future__ import annotations

from flask import Flask, Response, g, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def install(app: Flask) -> None:
    secure = not app.config["IBOK_DEVELOPMENT"]

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if g.get("account") is not None or not request.path.startswith("/static/"):
            # Pages may show personal data (or a CSRF token): never stored by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response
