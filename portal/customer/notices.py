"""Outage notices for the customer's districts (and the rest of the network)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, render_template

from adapters.store.pages import notices
from portal.auth.guard import customer_required

bp = Blueprint("notices", __name__)


@bp.route("/outages")
@customer_required
def outages():  # noqa: ANN201
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(current_app.config["IBOK_TIMEZONE"])).date()
    with current_app.extensions["ibok"].engine.connect() as conn:
        data = notices.outages_for(conn, g.customer_id, today, now)
    return render_template("notices/outages.html", **data)
