"""Outage notices for the customer's districts (and the rest of the network)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from adapters.store.pages import notices
from portal import context
from portal.auth.guard import customer_required

bp = Blueprint("notices", __name__)


@bp.route("/outages")
@customer_required
def outages():  # noqa: ANN201
    with context.reading() as conn:
        data = notices.outages_for(conn, g.customer_id, context.today(), context.now())
    return render_template("notices/outages.html", **data)
