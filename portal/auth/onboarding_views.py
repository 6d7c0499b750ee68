"""Registering, confirming the e-mail address, resetting a forgotten password, linking another
customer account: thin views over ``portal.auth.onboarding``, each use case in a unit of work of its own.

An attempt is counted (``limits.attempt``, with its check) before its use case, in a transaction of
its own: it counts even when the use case fails or proves nothing."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)

from adapters.store.content import terms
from adapters.store.logins import tokens
from adapters.store.mirror import customer_numbers
from portal.auth import email_change, limits, links, onboarding, passwords
from portal.auth.forms import (
    ConfirmForm,
    EmailForm,
    NewPasswordForm,
    ProofForm,
    RegisterForm,
    password_problem_text,
)
from portal.auth.guard import login_required
from portal.context import engine, reading, unit_of_work
from portal.i18n import gettext as _
from portal.i18n import request_locale

bp = Blueprint("onboarding", __name__)


def _wait_message(minutes: int) -> str:
    return _("Too many attempts. Try again in %(minutes)d min.", minutes=minutes)


def _proof_checks(number: str, *more: tuple[limits.Limit, str]) -> list[tuple[limits.Limit, str]]:
    """The attempt limits of a proof: per client network, per customer number (however typed), and more."""
    return [(limits.PROOF_PER_ADDRESS, limits.client_network()),
            (limits.PROOF_PER_CUSTOMER, customer_numbers.number_of(number) or number.strip()), *more]


def _not_proven() -> str:
    return _("We could not match this customer number, invoice number and gross amount: the invoice must be one"
             " of the last three invoices of that customer number. Check all three on the invoice. No invoice yet?"
             " Tick the box for new customers, and our customer service office will check your request.")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Registration: closed (no terms of service published) is said instead of the form. A typed password
    is shown again when the form comes back for anything else than the password itself (the page is
    never cached: Cache-Control no-store), so that a typo elsewhere does not make the person type it again."""
    if g.get("account") is not None:
        return redirect(url_for("customer.dashboard"))
    with reading() as conn:
        in_force = terms.current(conn)
    if in_force is None:
        return render_template("auth/register_closed.html")
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        no_invoice = form.no_invoice.data
        problem = passwords.problem(form.password.data, [form.email.data, form.name.data, form.customer_number.data])
        checks = ([(limits.PROOF_PER_ADDRESS, limits.client_network())] if no_invoice
                  else _proof_checks(form.customer_number.data))
        if problem is not None:
            form.password.errors.append(password_problem_text(problem))
        elif (wait := limits.attempt(engine(), checks)) is not None:
            form.form_errors.append(_wait_message(wait))
            status = 429
        else:
            outcome = onboarding.register(unit_of_work(), onboarding.Registration(
                email=form.email.data.strip().lower(), name=form.name.data.strip(), password=form.password.data,
                customer_number=form.customer_number.data.strip(),
                invoice_number=None if no_invoice else form.invoice_number.data.strip(),
                invoice_gross=None if no_invoice else form.invoice_gross.data,
                terms_version=in_force["version"], locale=request_locale()))
            if outcome != onboarding.NOT_PROVEN:
                return render_template("auth/registered.html", email=form.email.data.strip().lower(),
                                       no_invoice=no_invoice)
            form.form_errors.append(_not_proven())
    if form.password.errors:
        form.password.data = ""  # a password refused is typed anew; any other one is kept
    return render_template("auth/register.html", form=form, terms=in_force), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_link(token: str):
    """The link e-mailed at registration: its token into the session, the browser on to the page without it."""
    return links.keep("confirm", token, "onboarding.confirm")


@bp.route(f"/confirm/{links.PLACEHOLDERS['confirm']}", methods=["GET", "POST"])
def confirm():
    token = links.kept("confirm")
    with reading() as conn:
        works = onboarding.link_works(conn, token, "confirm")
    if not works:
        return render_template("auth/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        if onboarding.confirm(unit_of_work(), token) is None:
            return render_template("auth/link_invalid.html"), 404
        links.spent("confirm")
        flash(_("Your e-mail address is confirmed. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/confirm.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_new_email_link(token: str):
    """The link sent to a login's new address: its token into the session, the browser on to the page."""
    return links.keep("email", token, "onboarding.confirm_new_email")


@bp.route(f"/account/email/{links.PLACEHOLDERS['email']}", methods=["GET", "POST"])
def confirm_new_email():
    """One click (a POST) and the login uses the new address."""
    token = links.kept("email")
    new = email_change.pending(engine(), token)
    if new is None:
        return render_template("auth/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        if email_change.confirm(unit_of_work(), token) is None:
            return render_template("auth/link_invalid.html"), 404
        links.spent("email")
        flash(_("Your login's e-mail address is now %(email)s.", email=new), "success")
        return redirect(url_for("submit.contact") if g.get("account") else url_for("auth.login"))
    return render_template("auth/confirm_email_change.html", form=form, email=new)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        checks = [(limits.RESET_PER_ACCOUNT, email), (limits.RESET_PER_ADDRESS, limits.client_network())]
        wait = limits.attempt(engine(), checks)
        if wait is not None:
            form.form_errors.append(_wait_message(wait))
            return render_template("auth/forgot.html", form=form), 429
        onboarding.request_reset(unit_of_work(), email)
        return render_template("auth/forgot_sent.html", email=email)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_link(token: str):
    """The e-mailed reset link: its token into the session, the browser on to the page without it."""
    return links.keep("reset", token, "onboarding.reset_password")


@bp.route(f"/password/reset/{links.PLACEHOLDERS['reset']}", methods=["GET", "POST"])
def reset_password():
    """A new password for the link kept in the session. A new password sent is counted per client network
    and per link before anything else, and the link checked before the password (zxcvbn) and its hash
    (Argon2, seconds of CPU): a bogus link costs a lookup."""
    token = links.kept("reset")
    form = NewPasswordForm()
    sent = form.validate_on_submit()
    if sent:
        checks = [(limits.RESET_LINK_PER_ADDRESS, limits.client_network())]
        if token:
            checks.append((limits.RESET_LINK_PER_LINK, tokens.digest(token)))
        wait = limits.attempt(engine(), checks)  # counted and checked at once: every reset sent counts
        if wait is not None:
            form.form_errors.append(_wait_message(wait))
            return render_template("auth/reset.html", form=form), 429
    with reading() as conn:
        works = onboarding.link_works(conn, token, "reset")
    if not works:
        return render_template("auth/link_invalid.html"), 404
    if sent:
        problem = passwords.problem(form.new.data)
        if problem is not None:
            form.new.errors.append(password_problem_text(problem))
        elif onboarding.reset_password(unit_of_work(), token, form.new.data) is None:
            return render_template("auth/link_invalid.html"), 404
        else:
            session.end()  # type: ignore[attr-defined]  # the login's sessions ended: this browser's too
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/account/customers/add", methods=["GET", "POST"])
@login_required
def add_customer():
    form = ProofForm()
    if form.validate_on_submit():
        checks = _proof_checks(form.customer_number.data, (limits.PROOF_PER_ACCOUNT, str(g.account["id"])))
        wait = limits.attempt(engine(), checks)
        if wait is not None:
            form.form_errors.append(_wait_message(wait))
            return render_template("auth/add_customer.html", form=form), 429
        gross = form.invoice_gross.data  # an amount once validated (validate_invoice_gross); without one, not proven
        linked = None if gross is None else onboarding.link_customer(
            unit_of_work(), g.account["id"], form.customer_number.data, form.invoice_number.data, gross)
        if linked is None:
            form.form_errors.append(_not_proven())
        else:
            session["customer_id"] = linked
            flash(_("The customer account has been added."), "success")
            return redirect(url_for("customer.dashboard"))
    return render_template("auth/add_customer.html", form=form)
