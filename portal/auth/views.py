"""Logging in and out, and changing the password (the first login with a one-time password too)."""

from __future__ import annotations

import hashlib

import structlog
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from adapters.store.logins import accounts
from adapters.store.mirror import customer_numbers
from portal.auth import acceptance, limits, passwords, reauth
from portal.auth import account as own_account
from portal.auth.forms import ChangePasswordForm, LoginForm, password_problem_text
from portal.auth.guard import login_required
from portal.auth.redirects import safe_next
from portal.context import engine, reading, unit_of_work
from portal.i18n import COOKIE, LOCALES
from portal.i18n import gettext as _

bp = Blueprint("auth", __name__)
log = structlog.get_logger("portal.security")


def _subject(email: str) -> str:
    """A stable pseudonym of an e-mail address for logs (never the address itself)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("account") is not None:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        # The login is named by its e-mail address, or by a customer number (with or without its leading
        # zeros or the word "klient") that exactly one login holds. A number is limited in a bucket of its
        # own, never its login's address's: a lock-out shared between the two would tell which address a
        # number belongs to. Either way the same answers in the same time (a dummy hash when none).
        typed = form.email.data.strip()
        number = None if "@" in typed else customer_numbers.number_of(typed)
        subject = typed.lower() if number is None else f"customer:{number}"
        checks = [(limits.LOGIN_PER_ACCOUNT, subject), (limits.LOGIN_PER_ADDRESS, limits.client_network())]
        wait = limits.attempt(engine(), checks)  # counted before the password is checked: see limits.attempt
        if wait is not None:
            log.warning("login_locked_out", subject=_subject(subject), network=limits.client_network())
            form.form_errors.append(_("Too many attempts. Try again in %(minutes)d min.", minutes=wait))
            return render_template("auth/login.html", form=form), 429
        with reading() as conn:
            account = accounts.by_email(conn, typed) if number is None else accounts.by_customer_number(conn, number)
        stored = account["password_hash"] if account and account["disabled_at"] is None else None
        if not passwords.verify(stored, form.password.data):
            log.warning("login_failed", subject=_subject(subject), network=limits.client_network())
            form.form_errors.append(_("The e-mail address or the password is wrong.") if number is None
                                    else _("The customer number or the password is wrong."))
            return render_template("auth/login.html", form=form), 200
        assert account is not None
        limits.give_back(engine(), checks)  # the right password is no failed attempt
        if account["email_confirmed_at"] is None:
            log.info("login_unconfirmed", account_id=account["id"])
            form.form_errors.append(_("Confirm your e-mail address first: open the link we sent you. No e-mail?"
                                      " Ask for a new password link below, it confirms the address too."))
            return render_template("auth/login.html", form=form), 200
        limits.forget(engine(), limits.LOGIN_PER_ACCOUNT, subject)
        if passwords.needs_rehash(account["password_hash"]):
            own_account.rehash_password(unit_of_work(), account["id"], form.password.data)
        session.rotate()  # type: ignore[attr-defined]
        session.clear()
        session["account_id"] = account["id"]
        chosen = request.cookies.get(COOKIE)
        if chosen in LOCALES and chosen != account["locale"]:  # chosen before logging in: kept on the login
            own_account.choose_language(unit_of_work(), account["id"], chosen)
        acceptance.note_due(account["id"])  # a newer version of the terms: accepted before any page
        log.info("login_succeeded", account_id=account["id"])
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    account = g.get("account")
    if account is not None:
        log.info("logout", account_id=account["id"])
    session.end()  # type: ignore[attr-defined]
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = g.account
        if (wrong := reauth.password_problem(engine(), account, form.current.data, "password")) is not None:
            form.current.errors.append(wrong)
        elif (problem := passwords.problem(form.new.data, [account["email"], account["name"]])) is not None:
            form.new.errors.append(password_problem_text(problem))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("The new password must differ from the current one."))
        else:
            own_account.change_password(unit_of_work(), account["id"], form.new.data)
            ended = current_app.session_interface.end_other_sessions(account["id"], session)  # type: ignore[attr-defined]
            session.rotate()  # type: ignore[attr-defined]
            log.info("password_changed", account_id=account["id"], other_sessions_ended=ended)
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("customer.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def language():
    chosen = request.form.get("lang")
    response = redirect(safe_next(request.form.get("next")))
    if chosen in LOCALES:
        account = g.get("account")
        if account is not None and account["locale"] != chosen:  # the login's language, on every device
            own_account.choose_language(unit_of_work(), account["id"], chosen)
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="Lax",
                            secure=not current_app.config["IBOK_DEVELOPMENT"])
    return response
