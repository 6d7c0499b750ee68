"""A new version of the terms of service, accepted at the next login: the login notes the version due
(in the session), ``login_required`` sends the customer here before any other page until it is accepted."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session
from flask_wtf import FlaskForm
from wtforms import HiddenField

from adapters.store.content import terms
from portal.auth import account as own_account
from portal.auth.guard import TERMS_DUE, login_required
from portal.auth.redirects import safe_next
from portal.context import reading, unit_of_work
from portal.i18n import request_locale

bp = Blueprint("acceptance", __name__)


class AcceptForm(FlaskForm):
    version = HiddenField()  # the version read: a newer one published meanwhile is shown, not accepted


def note_due(account_id: int) -> None:
    """At login: whether this login has a newer version of the terms to accept (one query, at login only)."""
    with reading() as conn:
        due = terms.due(conn, account_id)
    if due is not None:
        session[TERMS_DUE] = due["version"]


def _next() -> str:
    return safe_next(request.args.get("next"))


@bp.route("/account/terms", methods=["GET", "POST"])
@login_required
def accept():
    if session.get(TERMS_DUE) is None:
        return redirect(_next())
    with reading() as conn:
        in_force = terms.current(conn)
    if in_force is None:  # nothing to accept any more
        session.pop(TERMS_DUE, None)
        return redirect(_next())
    form = AcceptForm()
    if form.validate_on_submit() and form.version.data == in_force["version"]:
        own_account.accept_terms(unit_of_work(), g.account["id"], in_force["version"])
        session.pop(TERMS_DUE, None)
        return redirect(_next())
    form.version.data = in_force["version"]
    body = in_force["body_en"] if request_locale() == "en" else in_force["body_pl"]
    return render_template("auth/accept_terms.html", form=form, version=in_force["version"],
                           published_at=in_force["published_at"],
                           paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()])
