"""The customer's invoices (with their PDFs), settlements and contracts: read-only pages.

Every object is looked up through ``g.customer_id``: another customer's invoice, or its PDF,
answers exactly like one that does not exist (404, the same page).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
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
from portal.customer import spreadsheet, transfer
from portal.i18n import gettext, request_locale
from portal.i18n import lazy_gettext as _l
from sync.formats import pln

bp = Blueprint("billing", __name__)

SETTLEMENTS_PER_PAGE = 20  # entries of the settlements per page, newest first: about a year of invoices and payments
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


bp.add_app_template_filter(transfer.account_groups, "account_groups")
bp.add_app_template_global(transfer.code_svg, "transfer_code_svg")


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
        summary = pages.twelve_months(conn, g.customer_id, today())
    return render_template("billing/invoices.html", form=form, page=page, params=_filters(form), fresh_at=fresh_at(),
                           filtered=chosen != pages.InvoiceFilter(), summary=summary)


# ----- invoices as CSV: the chosen account's, or every account's of the login ---------------------------
def point_address(row: Mapping[str, Any]) -> str:
    """A service point's address on one line ("Łąkowa 5/2, 95-100 Zgierz"); empty when there is none."""
    if not row.get("street"):
        return ""
    flat = f"/{row['flat_number']}" if row.get("flat_number") else ""
    return f"{row['street']} {row['house_number']}{flat}, {row['postal_code']} {row['city']}"


def invoices_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The invoices as spreadsheet rows (``portal.customer.spreadsheet`` tells the format)."""
    header = [gettext("Customer number"), gettext("Document"), gettext("Invoice number"), gettext("Issued"),
              gettext("Billing period from"), gettext("Billing period to"), gettext("Due date"),
              gettext("Service point"), gettext("Net"), gettext("VAT"), gettext("Gross"), gettext("Amount paid"),
              gettext("Left to pay"), gettext("Status")]
    lines = []
    for r in rows:
        settled = not r["cancelled"]
        lines.append([r["customer_number"], gettext("Correcting invoice") if r["correcting"] else gettext("Invoice"),
                      r["number"], r["issued_on"], r["period_from"], r["period_to"], r["due_on"], point_address(r),
                      r["net"], r["vat"], r["gross"], r["paid"] if settled else None,
                      r["remaining"] if settled else None, str(STATUS_LABELS.get(r["status"], r["status"]))])
    return spreadsheet.csv_bytes(header, lines, request_locale() == "pl")


def csv_download(body: bytes, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{safe}.csv"',
                                                        "Cache-Control": "no-store"})


@bp.route("/invoices.csv")
@customer_required
def invoices_file() -> Response:
    """Every invoice of the chosen customer account, whatever the list's filters."""
    with reading() as conn:
        rows = pages.invoices_for_export(conn, [g.customer_id], today())
    number = next((c["number"] for c in g.customers if c["id"] == g.customer_id), str(g.customer_id))
    return csv_download(invoices_csv(rows), f"{gettext('invoices')}-{number}-{today().isoformat()}")


@bp.route("/accounts/invoices.csv")
@customer_required
def all_invoices_file() -> Response:
    """Every invoice of every customer account of the login (a property manager's buildings)."""
    with reading() as conn:
        rows = pages.invoices_for_export(conn, [c["id"] for c in g.customers], today())
    return csv_download(invoices_csv(rows), f"{gettext('invoices-all-accounts')}-{today().isoformat()}")


@bp.route("/invoices/<int:invoice_id>")
@customer_required
def invoice(invoice_id: int):
    with reading() as conn:
        found = pages.invoice(conn, g.customer_id, invoice_id, today())
    if found is None:
        abort(404)
    pdf_path = found["invoice"]["pdf_path"]
    return render_template("billing/invoice.html", transfer=transfer.for_invoice(found["invoice"]),
                           pdf_ready=bool(pdf_path) and _archived(pdf_path) is not None, **found)


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
        summary = pages.twelve_months(conn, g.customer_id, today())
    form.year.choices = [SelectChoice("", _l("All years"))] + [SelectChoice(str(y)) for y in data["years"]]
    # Newest first, a page at a time: the running balance is computed over the whole history first.
    newest = data.pop("entries")[::-1]
    count = max(1, -(-len(newest) // SETTLEMENTS_PER_PAGE))
    number = min(page_number(), count)
    start = (number - 1) * SETTLEMENTS_PER_PAGE
    page = pages.Page(newest[start:start + SETTLEMENTS_PER_PAGE], number, SETTLEMENTS_PER_PAGE, len(newest))
    return render_template("billing/settlements.html", form=form, year=year, fresh_at=fresh_at(), page=page,
                           params={"year": year} if year else {}, summary=summary, **data)


@bp.route("/contracts")
@customer_required
def contracts():
    with reading() as conn:
        data = pages.contracts_of(conn, g.customer_id, today())
    return render_template("billing/contracts.html", **data)
