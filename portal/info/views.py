"""Pages anyone may read: the terms of service in force, and the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from sqlalchemy import text

from adapters.store.content import terms
from portal import context
from portal.i18n import request_locale

bp = Blueprint("info", __name__)


@bp.route("/terms", endpoint="terms")
def terms_page():
    with context.reading() as conn:
        in_force = terms.current(conn)
    if in_force is None:  # linked from every footer: say so rather than answer "not found"
        return render_template("info/terms.html", version=None, published_at=None, paragraphs=[])
    body = in_force["body_en"] if request_locale() == "en" else in_force["body_pl"]
    return render_template("info/terms.html", version=in_force["version"], published_at=in_force["published_at"],
                           paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()])


@bp.route("/accessibility")
def accessibility():
    return render_template("info/accessibility.html")


@bp.route("/health")
def health():
    """For load balancers (and the benchmark's floor): 200 when the store answers, 503 when not."""
    try:
        with context.reading() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the store means "do not send customers here"
        return Response("store unreachable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
