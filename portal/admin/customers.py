"""Customer lookup for the staff, and a read-only summary of what a customer sees in the portal.

The summary reads through the customer portal's own page queries (``adapters.store.pages``), so
it shows exactly what the customer is shown. Every summary viewed is written to the audit log
with the customer number only.
"""

from __future__ import annotations

from flask import abort, render_template, request

from adapters.store.mirror import customer_search
from adapters.store.pages import billing, dashboard, meters
from portal import context
from portal.admin.audit import record_shown
from portal.admin.base import bp
from portal.admin.guard import require_role

LAST_INVOICES = 5
LAST_READINGS = 3


@bp.route("/customers")
@require_role("operator")
def customers():
    query = request.args.get("q", "").strip()[:100]
    with context.reading() as conn:
        found = customer_search.search(conn, query) if query else []
    if found:  # names and addresses were shown: audited by the numbers found, never by what was typed
        record_shown(context.unit_of_work(), "customer.search", None, _numbers(found))
    return render_template("admin/customers.html", query=query, found=found, limit=customer_search.LIMIT)


def _numbers(found: list) -> str:
    """The customer numbers shown, as the audit entry's detail (up to its length)."""
    listed = " ".join(f"customer:{c['number']}" for c in found)
    return listed if len(listed) <= 400 else listed[:396].rsplit(" ", 1)[0] + " …"


@bp.route("/customers/<number>")
@require_role("operator")
def customer(number: str):
    today, now = context.today(), context.now()
    with context.reading() as conn:
        found = customer_search.by_number(conn, number[:20])
        if found is None:
            abort(404)
        customer_id = found["id"]
        summary = dashboard.dashboard(conn, customer_id, today, now)
        invoices = billing.invoice_page(conn, customer_id, today, billing.InvoiceFilter(), 1, LAST_INVOICES)
        held = meters.meters_of(conn, customer_id, today)
        readings = {m["id"]: meters.reading_page(conn, customer_id, m["id"], 1, LAST_READINGS).rows
                    for m in held if m["current"]}
    record_shown(context.unit_of_work(), "customer.view", f"customer:{found['number']}")
    return render_template("admin/customer.html", customer=found, today=today, invoices=invoices, meters=held,
                           readings=readings, fresh_at=context.fresh_at(), **summary)
