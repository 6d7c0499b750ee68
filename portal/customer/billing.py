"""The customer's invoices (with their PDFs), settlements and contracts: read-only pages.

Every object is looked up through ``g.customer_id``: another customer's invoice, or its PDF,
answers exactly like one that does not exist (404, the same page).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    send_file,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import format_decimal
from wtforms import Form, SelectChoice, SelectField, StringField

from adapters.store.pages import billing as pages
from portal.auth.guard import customer_required
from portal.context import fresh_at, reading, settings, today
from portal.i18n import lazy_gettext as _l
from portal.i18n import request_locale
from sync.formats import pln

bp = Blueprint("billing", __name__)

INVOICES_PER_PAGE = 12  # a year of monthly invoices (the same as a page of readings): short on a phone
PERIOD = re.compile(r"^(?:(\d{4})(?:-(\d{1,2}))?|(\d{1,2})[./](\d{4}))$")  # 2025, 2025-03, 03.2025, 3/2025


def page_number() -> int:
    """The ``page`` asked for (from 1); anything else is the first page."""
    number = request.args.get("page", 1, type=int)
    return number if number and number > 0 else 1


# ----- template filters: figures of invoice lines, exactly as billing stored them --------------------
@bp.app_template_filter("unit_price")
def unit_price(value: Decimal | None) -> str:
    """A unit price in złoty with all its places (up to 4; at least the currency's 2)."""
    if value is None:
        return "—"
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(2, -exponent)) if isinstance(exponent, int) else 2
    return pln(value, request_locale(), places)


@bp.app_template_filter("line_quantity")
def line_quantity(value: Decimal | None) -> str:
    """An invoice line's quantity (up to 3 places, without trailing zeros); its unit is shown beside it."""
    return "—" if value is None else format_decimal(value, "#,##0.###")


# ----- the filters of the lists -------------------------------------------------------------------
# An invoice's status as the customer reads it: in the status filter, and on the lists (status_badge).
STATUS_LABELS = {"paid": _l("Paid"), "partly_paid": _l("Partly paid"), "unpaid": _l("Unpaid"),
                 "overdue": _l("Overdue"), "cancelled": _l("Cancelled"), "correcting": _l("Correcting")}


@bp.record_once
def _status_labels_global(state: BlueprintSetupState) -> None:
    # What add_app_template_global does, for a value that is not a function.
    state.app.jinja_env.globals["invoice_status_labels"] = STATUS_LABELS


class PeriodField(StringField):
    """A year ("2025") or a month ("2025-03", "03.2025"), read as its first or last day."""

    def __init__(self, label: Any, end: bool = False, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.end = end
        self.day: date | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        self.day = None
        self.data = (valuelist[0] if valuelist else "").strip()
        if not self.data:
            return
        found = PERIOD.match(self.data)
        if not found:
            raise ValueError(_l("Enter a year (2025) or a month (2025-03)."))
        year = int(found[1] or found[4])
        month = found[2] or found[3]
        if not 1900 <= year <= 9999 or (month and not 1 <= int(month) <= 12):
            raise ValueError(_l("Enter a year (2025) or a month (2025-03)."))
        if month is None:
            self.day = date(year, 12, 31) if self.end else date(year, 1, 1)
        else:
            first = date(year, int(month), 1)
            self.day = first.replace(day=calendar.monthrange(year, first.month)[1]) if self.end else first


class InvoiceFilterForm(Form):
    since = PeriodField(_l("Issued from"), name="from", description=_l("A year or a month, e.g. 2025 or 2025-03."))
    until = PeriodField(_l("Issued until"), end=True, name="to",
                        description=_l("A year or a month, e.g. 2025 or 2025-03."))
    status = SelectField(_l("Status"), validate_choice=False, choices=[
        SelectChoice("", _l("Any")), *(SelectChoice(status, label) for status, label in STATUS_LABELS.items())])

    def chosen(self) -> pages.InvoiceFilter:
        """What to list: the fields that are valid (an invalid one shows its error and filters nothing)."""
        since, until = self.since.day, self.until.day
        if since and until and since > until:
            self.until.errors = [*self.until.errors, _l("The end is before the start.")]
            since = until = None
        status = self.status.data if self.status.data in pages.STATUSES else None
        return pages.InvoiceFilter(since, until, status)


def _filters(form: InvoiceFilterForm) -> dict[str, str]:
    """The valid filters as typed, for the links to the list's other pages."""
    kept = {f.name: f.data for f in (form.since, form.until) if f.data and not f.errors}
    if form.status.data in pages.STATUSES:
        kept["status"] = form.status.data
    return kept


# ----- views --------------------------------------------------------------------------------------
@bp.route("/invoices")
@customer_required
def invoices():
    form = InvoiceFilterForm(request.args)
    form.validate()
    chosen = form.chosen()
    with reading() as conn:
        page = pages.invoice_page(conn, g.customer_id, today(), chosen, page_number(), INVOICES_PER_PAGE)
    return render_template("billing/invoices.html", form=form, page=page, params=_filters(form), fresh_at=fresh_at(),
                           filtered=chosen != pages.InvoiceFilter())


@bp.route("/invoices/<int:invoice_id>")
@customer_required
def invoice(invoice_id: int):
    with reading() as conn:
        found = pages.invoice(conn, g.customer_id, invoice_id, today())
    if found is None:
        abort(404)
    return render_template("billing/invoice.html", **found)


def _archived(pdf_path: str) -> Path | None:
    """The file at ``pdf_path`` inside the PDF archive; None when there is no archive, the path leads
    out of it (``..``, an absolute path, a link), or no such file is there."""
    archive = settings().billing.pdf_archive_dir
    if archive is None:
        return None
    try:
        root = Path(archive).resolve()
        target = (root / pdf_path).resolve()
    except (OSError, ValueError):  # a link loop, a NUL byte
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


@bp.route("/invoices/<int:invoice_id>/pdf")
@customer_required
def invoice_pdf(invoice_id: int) -> Response:
    """The invoice's PDF from the archive, as a download."""
    with reading() as conn:
        found = pages.invoice_pdf(conn, g.customer_id, invoice_id)
    path = _archived(found["pdf_path"]) if found else None
    if found is None or path is None:
        abort(404)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", found["number"]) + ".pdf"
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name, max_age=0)


class YearForm(Form):
    year = SelectField(_l("Year"), validate_choice=False)


@bp.route("/settlements")
@customer_required
def settlements():
    form = YearForm(request.args)
    year = request.args.get("year", type=int)
    if year is not None and not 1900 <= year <= 9999:
        year = None
    with reading() as conn:
        data = pages.ledger(conn, g.customer_id, year)
    form.year.choices = [SelectChoice("", _l("All years"))] + [SelectChoice(str(y)) for y in data["years"]]
    return render_template("billing/settlements.html", form=form, year=year, fresh_at=fresh_at(), **data)


@bp.route("/contracts")
@customer_required
def contracts():
    with reading() as conn:
        data = pages.contracts_of(conn, g.customer_id, today())
    return render_template("billing/contracts.html", **data)
