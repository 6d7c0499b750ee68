"""Staff login: password, then a TOTP code (enrolled at the first login), then a session of its own.

Between the password and the code the session holds only ``admin_half`` (who, until when): no
admin page opens with it. Failed passwords and codes count against limits per e-mail address,
per network and per admin; each login, failure and enrolment goes to the audit log.
"""

from __future__ import annotations

from typing import Any

import structlog
from flask import current_app, flash, g, redirect, render_template, session, url_for

from adapters.store.logins import admins
from config.clock import utcnow
from portal.admin import staff, totp, totp_keys
from portal.admin.base import bp
from portal.admin.forms import CodeForm
from portal.admin.totp_keys import TotpVault
from portal.auth import limits, passwords
from portal.auth.forms import ChangePasswordForm, LoginForm, password_problem_text
from portal.context import engine, reading, unit_of_work
from portal.i18n import gettext as _

log = structlog.get_logger("portal.security")
HALF_LOGIN_S = 300  # the code must follow the password within five minutes
PER_ACCOUNT = limits.Limit("admin-login-account", 5, limits.LOGIN_PER_ACCOUNT.window)
PER_ADDRESS = limits.Limit("admin-login-address", 20, limits.LOGIN_PER_ADDRESS.window)
CODES = limits.Limit("admin-code", 5, limits.LOGIN_PER_ACCOUNT.window)
REAUTH = limits.Limit("admin-reauth", 5, limits.LOGIN_PER_ACCOUNT.window)


def _half() -> dict[str, Any] | None:
    """The admin whose password was right a moment ago (None: start again at the login page)."""
    half = session.get("admin_half")
    if not half or half[1] < utcnow().timestamp():
        return None
    with reading() as conn:
        admin = admins.get(conn, half[0])
    return admin if admin is not None and admin["disabled_at"] is None else None


def _complete(admin: dict[str, Any]) -> Any:
    session.rotate()  # type: ignore[attr-defined]
    session.clear()
    session["admin_id"] = admin["id"]
    log.info("admin_login_succeeded", admin_id=admin["id"])
    return redirect(url_for("admin.home"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if session.get("admin_id") is not None:
        return redirect(url_for("admin.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        checks = [(PER_ACCOUNT, email), (PER_ADDRESS, limits.client_network())]
        if (wait := limits.attempt(engine(), checks)) is not None:  # counted before the password is checked
            form.form_errors.append(_("Too many attempts. Try again in %(minutes)d min.", minutes=wait))
            return render_template("admin/login.html", form=form), 429
        with reading() as conn:
            admin = admins.by_email(conn, email)
        stored = admin["password_hash"] if admin and admin["disabled_at"] is None else None
        if not passwords.verify(stored, form.password.data):
            # Counted already, in a transaction of its own (portal.auth.limits): it counts even if the audit fails.
            if admin is not None:
                staff.login_failed(unit_of_work(), admin, "password")
            log.warning("admin_login_failed", network=limits.client_network())
            form.form_errors.append(_("The e-mail address or the password is wrong."))
            return render_template("admin/login.html", form=form), 200
        assert admin is not None
        limits.give_back(engine(), checks)
        limits.forget(engine(), PER_ACCOUNT, email)
        if passwords.needs_rehash(admin["password_hash"]):
            staff.rehash_password(unit_of_work(), admin, form.password.data)
        session.rotate()  # type: ignore[attr-defined]
        session.clear()
        session["admin_half"] = [admin["id"], utcnow().timestamp() + HALF_LOGIN_S]
        return redirect(url_for("admin.code" if admin["totp_confirmed_at"] else "admin.enrol"))
    return render_template("admin/login.html", form=form)


def _vault() -> TotpVault:
    vault = current_app.extensions["ibok"].totp_vault
    assert vault is not None
    return vault


def _code_problem(admin: dict[str, Any], form: CodeForm, *, confirm: bool) -> str | None:
    """None when the code is right and not used before (then taken); else what to tell the admin."""
    checks = [(CODES, str(admin["id"]))]
    # Counted before the code is checked, in a transaction of its own (portal.auth.limits), like every attempt.
    if (wait := limits.attempt(engine(), checks)) is not None:
        return _("Too many attempts. Try again in %(minutes)d min.", minutes=wait)
    stored = admin["totp_secret"]
    secret = _vault().open(stored) if stored else ""
    step = totp.matching_step(secret, form.code.data, admin["last_totp_step"])
    reseal = _vault().seal(secret) if stored and totp_keys.is_clear(stored) else None  # from before encryption
    if staff.take_code(unit_of_work(), admin, step, confirm=confirm, reseal=reseal):
        limits.give_back(engine(), checks)
        return None
    log.warning("admin_code_refused", admin_id=admin["id"])
    return _("The code is wrong or was used already. Wait for the next code and enter it.")


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    admin = _half()
    if admin is None:
        return redirect(url_for("admin.login"))
    if admin["totp_confirmed_at"] is None:
        return redirect(url_for("admin.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        if (problem := _code_problem(admin, form, confirm=False)) is None:
            limits.forget(engine(), CODES, str(admin["id"]))
            return _complete(admin)
        form.code.errors.append(problem)
    return render_template("admin/code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    admin = _half()
    if admin is None:
        return redirect(url_for("admin.login"))
    if admin["totp_confirmed_at"] is not None:
        return redirect(url_for("admin.code"))
    if admin["totp_secret"] is None:  # shown until a code from it confirms it, then never again
        admin = staff.offer_secret(unit_of_work(), admin, _vault().seal(totp.new_secret()))
    form = CodeForm()
    if form.validate_on_submit():
        if (problem := _code_problem(admin, form, confirm=True)) is None:
            limits.forget(engine(), CODES, str(admin["id"]))
            return _complete(admin)
        form.code.errors.append(problem)
    secret = _vault().open(admin["totp_secret"])
    uri = totp.provisioning_uri(secret, admin["email"])
    return render_template("admin/enrol.html", form=form, qr=totp.qr_data_uri(uri), secret=totp.grouped(secret))


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = ChangePasswordForm()
    admin = g.admin
    if form.validate_on_submit():
        checks = [(REAUTH, str(admin["id"]))]
        if (wait := limits.attempt(engine(), checks)) is not None:
            form.current.errors.append(_("Too many attempts. Try again in %(minutes)d min.", minutes=wait))
        elif not passwords.verify(admin["password_hash"], form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            limits.give_back(engine(), checks)  # the right current password is no failed attempt
            if (problem := passwords.problem(form.new.data, [admin["email"], admin["name"]])) is not None:
                form.new.errors.append(password_problem_text(problem))
            elif form.new.data == form.current.data:
                form.new.errors.append(_("The new password must differ from the current one."))
            else:
                staff.change_password(unit_of_work(), admin, form.new.data)
                ended = current_app.session_interface.end_other_staff_sessions(  # type: ignore[attr-defined]
                    admin["id"], session)
                session.rotate()  # type: ignore[attr-defined]
                log.info("admin_password_changed", admin_id=admin["id"], other_sessions_ended=ended)
                flash(_("Your password has been changed. Other sessions were logged out."), "success")
                return redirect(url_for("admin.home"))
    return render_template("admin/password.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    staff.logout(unit_of_work(), g.admin)
    session.end()  # type: ignore[attr-defined]
    flash(_("You have been logged out."), "info")
    return redirect(url_for("admin.login"))
