"""Outage notices for the customer's districts (and the rest of the network), with the utility's
announcements for the customer."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from adapters.store.content import announcements
from adapters.store.pages import notices
from portal import context
from portal.auth.guard import customer_required
from portal.customer import announced

bp = Blueprint("notices", __name__)


@bp.route("/outages")
@customer_required
def outages():
    with context.reading() as conn:
        data = notices.outages_for(conn, g.customer_id, context.today(), context.now())
        # The utility's own announcements beside billing's outages: always read here (a page seldom seen).
        mine = announcements.for_customer(conn, g.customer_id, context.today(), context.now())
    return render_template("notices/outages.html", announcements=announced.shown(mine), **data)
