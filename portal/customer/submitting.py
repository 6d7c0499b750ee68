"""Submitting readings and messages, data changes and e-invoice consent, and following each one:
thin views over ``sync.submissions.service`` (the same functions `ibok submit` calls)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
from sync.submissions.messages import source_label, text
from sync.submissions.rules import CATEGORIES, ReadingEntry, check_email, parse_state

bp = Blueprint("submit", __name__)


def _ctx() -> service.Context:
    settings = context.settings()
    return service.Context(context.engine(), f"portal:{g.account['id']}", settings.billing.timezone,
                           household_daily=Decimal(settings.portal.household_litres_a_day) / 1000)


def _said(problems: list) -> dict[str, list[str]]:
    """Problems (or warnings) by form field, in the page's language."""
    locale = request_locale()
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field, []).append(text(p.code, locale, **p.params))
    return by_field


def _groups(ctx: service.Context) -> list[dict]:
    """The meters a reading can be given for, by service point (with its address), numbered in the
    form's order: every point of the account in one form."""
    with context.reading() as conn:
        held = store.held_meters(conn, g.customer_id, ctx.today())
    groups: dict[int, dict] = {}
    for meter in held:
        if meter["dismounted_on"] is None or meter["dismounted_on"] > ctx.today():
            meter["last_reading"] = service.meter_facts_of(meter).last
            group = groups.setdefault(meter["point_id"], {**meter, "id": meter["point_id"], "meters": []})
            group["meters"].append(meter)
    n = 0
    for group in groups.values():
        for meter in group["meters"]:
            meter["n"], n = n, n + 1
    return list(groups.values())


def _key(state: Decimal | None, day: date) -> str | None:
    """What a confirmation or a review was given for: the value and its date (a change asks again)."""
    return None if state is None else f"{state}@{day.isoformat()}"


@bp.route("/readings/submit", methods=["GET", "POST"])
@customer_required
def readings():
    """Readings of every meter of the account, grouped by service point. Sending takes two steps:
    "Check" shows what each value implies (consumption since the last reading, its rough cost,
    a note when it is below billing's estimate, a confirmation for an unusual value); "Send" then
    sends exactly the values reviewed (a value changed meanwhile is reviewed again)."""
    ctx = _ctx()
    today = ctx.today()
    groups = _groups(ctx)
    point = request.values.get("point", type=int)  # one service point only (a link from elsewhere)
    if point is not None:
        groups = [group for group in groups if group["id"] == point]
        if not groups:
            abort(404)
    meters = [m for group in groups for m in group["meters"]]
    correcting = request.values.get("correct") or None
    for meter in meters:  # a reading of the customer's own to correct, from the submissions page
        own = meter["own"]
        meter["correcting"] = own if own is not None and correcting == own["id"] else None
    errors: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    offers: dict[int, dict] = {}
    implied: dict[int, object] = {}
    keys: dict[int, str] = {}
    token = request.form.get("token") or service.new_token()
    if request.method == "POST" and meters:
        entries: list[ReadingEntry] = []
        filled: list[int] = []
        reviewed = True
        for meter in meters:
            n = meter["n"]
            raw = request.form.get(f"value-{n}", "").strip()
            if not raw:
                continue  # a meter left empty is not submitted
            on = request.form.get(f"date-{n}") or None
            try:
                day = date.fromisoformat(on) if on else None
            except ValueError:
                errors.setdefault(f"date-{n}", []).append(_("Enter the date as on a calendar."))
                day = None
            key = _key(parse_state(raw)[0], day or today)
            if key is not None:
                keys[n] = key
            reviewed = reviewed and key is not None and request.form.get(f"reviewed-{n}") == key
            entries.append(ReadingEntry(meter["serial_number"], raw, day,
                                        key is not None and request.form.get(f"confirm-{n}") == key,
                                        request.form.get(f"replace-{n}") or None))
            filled.append(n)
        if not errors:
            done = service.submit_readings(ctx, g.customer_id, entries, token=token, dry_run=not reviewed)
            if done.ok:
                _flash_sent(done)
                return redirect(url_for("submit.history"))
            implied = {filled[i]: v for i, v in done.implications.items()}
            offers = _offers(done.problems, filled, entries)
            # Problems name the n-th submitted entry; the form shows them at the meter they belong to.
            errors, warnings = _by_meter(_said(done.problems), filled), _by_meter(_said(done.warnings), filled)
    review = bool(implied) and not errors
    return render_template("submit/readings.html", groups=groups, meters=meters, errors=errors, warnings=warnings,
                           values=dict(request.form), token=token, today=today, implied=implied, offers=offers,
                           keys=keys, review=review, source_label=source_label, locale=request_locale())


def _flash_sent(done: service.Submitted) -> None:
    if not done.created:
        flash(text("already_submitted", request_locale()), "success")
        return
    flash(_("Your readings are saved. Below you can see when each one is passed to the utility and what the"
            " utility answers."), "success")
    if any(i.below_estimate is not None for i in done.implications.values()):
        flash(_("A reading of yours is below the utility's estimate. That is fine: the utility will correct its"
                " estimate."), "info")


def _offers(problems: list, filled: list[int], entries: list[ReadingEntry]) -> dict[int, dict]:
    """What the customer can do about a reading below the last one, by the form's meter: replace their
    own reading still waiting here, or write to the office (a message prepared with both values)."""
    offers: dict[int, dict] = {}
    for p in problems:
        if not p.field.startswith("meters["):
            continue
        index = int(p.field[7:p.field.index("]")])
        if index >= len(filled):
            continue
        n, entry = filled[index], entries[index]
        on = entry.on.isoformat() if entry.on else None
        if p.code == "value_below_own":
            offers[n] = {"replace": p.params["submission"]}
        elif p.code in ("value_below_sent", "correction_too_late"):
            offers[n] = {"message": url_for("submit.message", reading=p.params["submission"], value=entry.value,
                                            on=on)}
        elif p.code == "value_below_last":
            offers[n] = {"message": url_for("submit.message", meter=entry.meter, value=entry.value,
                                            on=on)}
    return offers


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


@bp.route("/submissions/<key>/withdraw", methods=["POST"])
@customer_required
def withdraw(key: str):
    """Take back a reading no relay has had yet; once one has it, say so and offer the office."""
    done = service.withdraw_reading(_ctx(), g.customer_id, key)
    if done.ok:
        flash(_("Your reading was withdrawn: it will not be sent to the utility."), "success")
    elif done.problems[0].code == "submission_unknown":
        abort(404)
    else:
        flash(text("withdraw_too_late", request_locale()), "error")
    return redirect(url_for("submit.history"))


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
    values = request.form if request.method == "POST" else _draft()
    return render_template("submit/message.html", categories=CATEGORIES, errors=errors, values=values,
                           token=token)


def _draft() -> dict[str, str]:
    """A message prepared about a reading that can no longer be changed online (from the readings
    form: ``reading`` or ``meter``, with the right ``value`` and its date ``on``); empty otherwise."""
    reading, meter = request.args.get("reading"), request.args.get("meter")
    if not reading and not meter:
        return {}
    try:
        on = date.fromisoformat(request.args["on"]) if request.args.get("on") else None
    except ValueError:
        on = None
    draft = service.correction_draft(_ctx(), g.customer_id, request_locale(), value=request.args.get("value", ""),
                                     on=on, reading=reading or None, meter=meter or None)
    return {} if draft is None else {"category": draft.category, "subject": draft.subject, "body": draft.body}


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
