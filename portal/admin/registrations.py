"""The registration queue: pending requests beside what billing holds; approve, or reject with a reason."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from adapters.store.logins import registration_queue
from portal.admin import decisions
from portal.admin.audit import record_shown
from portal.admin.base import bp
from portal.admin.forms import RejectForm
from portal.admin.guard import require_role
from portal.context import reading, unit_of_work
from portal.i18n import gettext as _


def _queue(failed: RejectForm | None = None, failed_id: int | None = None) -> str:
    with reading() as conn:
        waiting = registration_queue.pending(conn)
    if waiting:  # what billing holds of each customer was shown: audited by the requests shown
        record_shown(unit_of_work(), "registration.view", None,
                     " ".join(f"registration:{r['id']}" for r in waiting)[:400])
    forms = {r["id"]: (failed if r["id"] == failed_id and failed is not None else RejectForm(prefix=f"r{r['id']}"))
             for r in waiting}
    return render_template("admin/registrations.html", waiting=waiting, forms=forms)


def _said(outcome: str) -> None:
    if outcome == "missing":
        abort(404)
    if outcome == "decided":
        flash(_("This request was decided already (perhaps by someone else): nothing was changed."), "info")
    elif outcome == "no_customer":
        flash(_("There is no customer with this number in the billing data: nothing was changed. Check the number"
                " with the customer, or reject the request with the reason."), "error")


@bp.route("/registrations")
@require_role("operator")
def registrations():
    return _queue()


@bp.route("/registrations/<int:registration_id>/approve", methods=["POST"])
@require_role("operator")
def approve(registration_id: int):
    outcome = decisions.approve(unit_of_work(), registration_id, g.admin)
    _said(outcome)
    if outcome == "approved":
        flash(_("Request %(id)d approved: the customer account is linked and the customer is told by e-mail.",
                id=registration_id), "success")
    return redirect(url_for("admin.registrations"))


@bp.route("/registrations/<int:registration_id>/reject", methods=["POST"])
@require_role("operator")
def reject(registration_id: int):
    form = RejectForm(prefix=f"r{registration_id}")
    if not form.validate_on_submit():
        return _queue(form, registration_id), 400
    outcome = decisions.reject(unit_of_work(), registration_id, g.admin, form.reason.data)
    _said(outcome)
    if outcome == "rejected":
        flash(_("Request %(id)d rejected: the customer is told the reason by e-mail.", id=registration_id), "success")
    return redirect(url_for("admin.registrations"))
