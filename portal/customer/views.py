"""The customer's pages; each reads the store through ``g.customer_id`` and nothing else."""

from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
)

from adapters.store.content import announcements
from adapters.store.pages import billing as billing_pages
from adapters.store.pages import dashboard as pages
from portal import context
from portal.auth.guard import customer_required, login_required
from portal.auth.redirects import safe_next
from portal.customer import announced, transfer
from portal.customer import notices as outage_notices

bp = Blueprint("customer", __name__)


@bp.route("/")
@customer_required
def dashboard():
    today, now = context.today(), context.now()
    with context.reading() as conn:
        data = pages.dashboard(conn, g.customer_id, today, now)
        # One more query, and only while some announcement is valid (known from a per-process cache).
        notices = announcements.for_customer(conn, g.customer_id, today, now) if announced.any_valid(now) else []
        # Outages on the customer's street (whatever district billing files them under) and in their area.
        outages = outage_notices.sections_for(conn, g.customer_id, today, now)
        payable = billing_pages.open_invoices(conn, g.customer_id)
    data["outages"] = outages.yours + outages.nearby
    return render_template("customer/dashboard.html", today=today, fresh_at=context.fresh_at(),
                           notices=announced.shown(notices), transfers=transfer.for_customer(payable), **data)


@bp.route("/account/customer", methods=["POST"])
@login_required
def switch_customer():
    """Choose which of the login's customer accounts the pages show."""
    try:
        chosen = int(request.form.get("customer_id", ""))
    except ValueError:
        abort(404)
    if chosen not in {c["id"] for c in g.customers}:
        abort(404)
    session["customer_id"] = chosen
    return redirect(safe_next(request.form.get("next")))


@bp.route("/accounts")
@customer_required
def accounts():
    """Every customer account of the login: what is due on each and in total, each one click away."""
    with context.reading() as conn:
        rows = billing_pages.accounts_overview(conn, [c["id"] for c in g.customers], context.today())
    totals = {key: sum((r[key] for r in rows), Decimal("0.00")) for key in ("open_amount", "overdue")}
    return render_template("customer/accounts.html", accounts=rows, totals=totals, today=context.today(),
                           fresh_at=context.fresh_at())
