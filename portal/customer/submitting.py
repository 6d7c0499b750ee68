"""Submitting readings and messages, data changes and e-invoice consent, and following each one:
thin views over ``sync.submissions.service`` (the same functions `ibok submit` calls)."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from adapters.store.content import terms
from adapters.store.outbox import submitted as store
from portal import context
from portal.auth import email_change, reauth
from portal.auth.guard import customer_required
from portal.i18n import gettext as _
from portal.i18n import request_locale
from sync.submissions import service
from sync.submissions.messages import text
from sync.submissions.rules import CATEGORIES, ReadingEntry, check_email

bp = Blueprint("submit", __name__)


def _ctx() -> service.Context:
    return service.Context(context.engine(), f"portal:{g.account['id']}", context.settings().billing.timezone)


def _said(problems: list) -> dict[str, list[str]]:
    """Problems (or warnings) by form field, in the page's language."""
    locale = request_locale()
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field, []).append(text(p.code, locale, **p.params))
    return by_field


def _points(ctx: service.Context) -> dict[int, list[dict]]:
    with context.reading() as conn:
        held = store.held_meters(conn, g.customer_id, ctx.today())
    points: dict[int, list[dict]] = {}
    for meter in held:
        if meter["dismounted_on"] is None or meter["dismounted_on"] > ctx.today():
            points.setdefault(meter["point_id"], []).append(meter)
    return points


@bp.route("/readings/submit", methods=["GET", "POST"])
@customer_required
def readings():
    ctx = _ctx()
    points = _points(ctx)
    point = request.values.get("point", type=int) or next(iter(points), None)
    if points and point not in points:
        abort(404)
    meters = points.get(point, []) if point is not None else []
    errors: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    token = request.form.get("token") or service.new_token()
    if request.method == "POST" and meters:
        entries: list[ReadingEntry] = []
        for n, meter in enumerate(meters):
            raw = request.form.get(f"value-{n}", "").strip()
            if not raw:
                continue  # a meter left empty is not submitted
            on = request.form.get(f"date-{n}") or None
            try:
                day = date.fromisoformat(on) if on else None
            except ValueError:
                errors.setdefault(f"meters[{len(entries)}].date", []).append(_("Enter the date as on a calendar."))
                day = None
            entries.append(ReadingEntry(meter["serial_number"], raw, day, request.form.get(f"confirm-{n}") == "y"))
        if not errors:
            done = service.submit_readings(ctx, g.customer_id, entries, token=token)
            if done.ok:
                flash(_("Your readings were sent to the utility.") if done.created else
                      text("already_submitted", request_locale()), "success")
                return redirect(url_for("submit.history"))
            errors, warnings = _said(done.problems), _said(done.warnings)
        # Problems name the n-th submitted entry; the form shows them at the meter they belong to.
        filled = [n for n, _m in enumerate(meters) if request.form.get(f"value-{n}", "").strip()]
        errors, warnings = _by_meter(errors, filled), _by_meter(warnings, filled)
    return render_template("submit/readings.html", points=points, point=point, meters=meters, errors=errors,
                           warnings=warnings, values=dict(request.form), token=token, today=ctx.today())


def _by_meter(said: dict[str, list[str]], filled: list[int]) -> dict[str, list[str]]:
    """``meters[i].value`` of the i-th submitted entry → ``value-n`` of the form's n-th meter."""
    mapped: dict[str, list[str]] = {}
    for key, messages in said.items():
        if key.startswith("meters[") and "]." in key:
            index, name = int(key[7:key.index("]")]), key.split("].", 1)[1]
            key = f"{name}-{filled[index]}" if index < len(filled) else "form"
        elif key == "meters":
            key = "form"
        mapped.setdefault(key, []).extend(messages)
    return mapped


@bp.route("/submissions")
@customer_required
def history():
    views = service.submissions_of(_ctx(), g.customer_id, limit=100)
    return render_template("submit/history.html", views=views)


@bp.route("/messages/new", methods=["GET", "POST"])
@customer_required
def message():
    errors: dict[str, list[str]] = {}
    token = request.form.get("token") or service.new_token()
    if request.method == "POST":
        done = service.send_message(_ctx(), g.customer_id, request.form.get("category", ""),
                                    request.form.get("subject", ""), request.form.get("body", ""), token=token)
        if done.ok:
            flash(_("Your message was sent. Its case number will appear here once the office registers it."),
                  "success")
            return redirect(url_for("submit.history"))
        errors = _said(done.problems)
    return render_template("submit/message.html", categories=CATEGORIES, errors=errors, values=request.form,
                           token=token)


@bp.route("/account/contact", methods=["GET", "POST"])
@customer_required
def contact():
    """Three settings, each saying what it changes: the login's e-mail address ("email": what it logs in
    with and iBOK writes to; changed once the new address's owner opens the link sent to it), and the
    e-mail address ("billing_email") and phone number ("phone") billing keeps for the customer account
    chosen (data-change requests the utility carries out). Each after the password."""
    ctx = _ctx()
    errors: dict[str, list[str]] = {}
    token = request.form.get("token") or service.new_token()
    if request.method == "POST":
        what = request.form.get("what")
        if what not in ("email", "billing_email", "phone"):
            abort(400)
        wrong = reauth.password_problem(ctx.engine, g.account, request.form.get("password", ""), what)
        if wrong is not None:
            errors["password"] = [wrong]
        elif what == "email":
            new = request.form.get("email", "").strip()
            errors = _said(check_email(new, g.account["email"]))
            if not errors:
                email_change.ask(context.unit_of_work(), g.account, new)
                flash(_("We sent a link to %(email)s. Your address changes when you open it.", email=new), "success")
                return redirect(url_for("submit.contact"))
        else:
            field = "email" if what == "billing_email" else "phone"
            done = service.request_change(ctx, g.customer_id, field, request.form.get(what, ""), token=token)
            if done.ok:
                flash(_("Your request was sent to the utility; the change shows here once it is made."), "success")
                return redirect(url_for("submit.history"))
            errors = {what: sum(_said(done.problems).values(), [])}
    with context.reading() as conn:
        customer = store.customer(conn, g.customer_id)
        waiting = {f: store.pending_change(conn, g.customer_id, f) for f in ("EMAIL", "TELEFON")}
    return render_template("submit/contact.html", customer=customer, errors=errors, values=request.form,
                           token=token, waiting=waiting)


@bp.route("/account/e-invoice", methods=["GET", "POST"])
@customer_required
def e_invoice():
    """Consent to invoices by e-mail: separate, explicit, revocable, recorded with time and terms version."""
    ctx = _ctx()
    errors: dict[str, list[str]] = {}
    with context.reading() as conn:
        customer = store.customer(conn, g.customer_id)
        in_force = terms.current(conn)
        pending = store.pending_change(conn, g.customer_id, "E_FAKTURA")
        history = terms.consents(conn, g.customer_id)
    token = request.form.get("token") or service.new_token()
    if request.method == "POST" and in_force is not None:
        consent = request.form.get("action") == "give"
        if consent and request.form.get("agree") != "y":
            errors["agree"] = [_("Tick the box to give your consent.")]
        else:
            done = service.set_e_invoice(ctx, g.customer_id, consent, token=token, account_id=g.account["id"],
                                         terms_version=in_force["version"])
            if done.ok:
                flash(_("Your consent was sent to the utility.") if consent else
                      _("Your withdrawal of consent was sent to the utility."), "success")
                return redirect(url_for("submit.e_invoice"))
            errors = _said(done.problems)
    state = pending if pending is not None else ("T" if customer and customer["e_invoice"] else "N")
    return render_template("submit/e_invoice.html", customer=customer, consented=state == "T",
                           pending=pending is not None, history=history, errors=errors, token=token,
                           terms=in_force)
