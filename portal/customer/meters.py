"""The customer's meters and each meter's readings: read-only pages.

A meter is looked up through ``g.customer_id`` (the points of the customer's contracts):
another customer's meter answers exactly like one that does not exist (404, the same page).
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from adapters.store.pages import meters as pages
from portal.auth.guard import customer_required
from portal.context import fresh_at, reading, today
from portal.customer.billing import page_number

bp = Blueprint("meters", __name__)

READINGS_PER_PAGE = 12  # a year of monthly readings


@bp.route("/meters")
@customer_required
def meters():
    day = today()
    with reading() as conn:
        found = pages.meters_of(conn, g.customer_id, day)
    return render_template("meters/meters.html", current=[m for m in found if m["current"]],
                           earlier=[m for m in found if not m["current"]], today=day, fresh_at=fresh_at())


@bp.route("/meters/<int:meter_id>/readings")
@customer_required
def readings(meter_id: int):
    day = today()
    with reading() as conn:
        meter = pages.meter(conn, g.customer_id, meter_id, day)
        if meter is None:
            abort(404)
        page = pages.reading_page(conn, g.customer_id, meter_id, page_number(), READINGS_PER_PAGE)
    return render_template("meters/readings.html", meter=meter, page=page, params={"meter_id": meter_id},
                           fresh_at=fresh_at())
