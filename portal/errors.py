"""Errors people can quote: every request has an id, in each of its log lines and in the ``X-Request-ID``
header of its answer, and an unhandled error answers with a page that shows the id and nothing of the
error itself (that goes to the log, once, with the id and the traceback)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog
from flask import Flask, render_template, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER = "X-Request-ID"
ENVIRON_KEY = "ibok.request_id"
# The proxy's id for the request, so that its log and ours name a request alike; taken only in this
# shape, because it goes into log lines and a header where a crafted one could forge either.
PROXY_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def choose_id(given: str | None) -> str:
    """The proxy's id when it is well formed, else a new one: 12 hex digits, short enough to read out
    over the phone, unique enough among one utility's requests."""
    return given if given is not None and PROXY_ID.fullmatch(given) else secrets.token_hex(6)


def request_id() -> str:
    """The current request's id."""
    return request.environ[ENVIRON_KEY]


def with_request_ids(app: WSGIApplication) -> WSGIApplication:
    """``app`` with an id for every request, bound into structlog's context variables for as long as the
    request runs (``merge_contextvars`` puts it into every line, the standard library's included) and
    sent back as ``X-Request-ID``. Around the Flask app rather than in a ``before_request``: Flask opens
    the session from the store before any of its hooks runs, and a request the store fails needs its
    id too."""
    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        found = environ[ENVIRON_KEY] = choose_id(environ.get("HTTP_X_REQUEST_ID"))

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):  # noqa: ANN001, ANN202
            return start_response(status, [*headers, (HEADER, found)], exc_info)

        structlog.contextvars.clear_contextvars()  # nothing of an earlier request on this thread
        structlog.contextvars.bind_contextvars(request_id=found)
        try:
            return app(environ, start)
        finally:
            structlog.contextvars.clear_contextvars()
    return serve


def install(app: Flask) -> None:
    """Request ids, and the pages of the errors the portal answers itself."""
    app.wsgi_app = with_request_ids(app.wsgi_app)  # type: ignore[method-assign, assignment]

    @app.errorhandler(400)
    def bad_request(_error: Exception):  # noqa: ANN202
        return render_template("errors/400.html"), 400

    @app.errorhandler(404)
    def not_found(_error: Exception):  # noqa: ANN202
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(_error: Exception):  # noqa: ANN202
        """Any unhandled error: the id to quote. Flask has logged the error with its traceback through
        app.logger, whose lines reach the root logger's structlog handler (set up before the app by
        ``ibok`` and by ``create_app()``), the request's id with them. Drawn without the store and the
        session: either may be what failed."""
        return render_template("errors/500.html", error_id=request_id()), 500
