"""E-mail notifications: a login's switches per kind of message, and the unsubscribe links in each one.

The switches belong to the login (one person, one mailbox), for every customer account it holds.
An unsubscribe link needs no login: its signed token names the login and the kind. GET only shows
a button; the POST turns the kind off.
"""

from __future__ import annotations

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

from adapters.store.logins import preferences
from portal import context
from portal.auth import account as own_account
from portal.auth.guard import login_required
from portal.extensions import csrf
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from sync.mail import unsubscribe

bp = Blueprint("notify", __name__)

LABELS = {
    "invoice": _l("New invoice"),
    "due": _l("Payment due soon"),
    "overdue": _l("Payment overdue"),
    "outage": _l("Outage in my area"),
    "legalization": _l("Meter legalization ending (within 90 days)"),
    "reading": _l("Reading accepted or rejected"),
    "case": _l("Case stage changed"),
    "reply": _l("Reply to my message"),
}


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences_page():
    account_id = g.account["id"]
    if request.method == "POST":
        chosen = {kind: request.form.get(kind) == "y" for kind in preferences.KINDS}
        own_account.save_notifications(context.unit_of_work(), account_id, chosen)
        flash(_("Your choice was saved."), "success")
        return redirect(url_for("notify.preferences_page"))
    with context.reading() as conn:
        current = preferences.of(conn, account_id)
    return render_template("notifications/preferences.html", current=current, labels=LABELS)


def _target(token: str) -> tuple[int, str]:
    found = unsubscribe.read(context.settings().portal.secret_key, token)
    if found is None:
        abort(404)  # a damaged or forged link
    return found


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_page(token: str):
    """The link in an e-mail: a confirmation button (a link scanner's GET changes nothing)."""
    account_id, kind = _target(token)
    if request.method == "POST":  # from the button on this page: CSRF-checked like every form
        own_account.save_notifications(context.unit_of_work(), account_id, {kind: False})
        return render_template("notifications/unsubscribed.html", label=LABELS[kind])
    return render_template("notifications/unsubscribe.html", label=LABELS[kind])


@bp.route("/unsubscribe/<token>/one-click", methods=["POST"])
@csrf.exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" with no session and no form
def one_click(token: str):
    """The List-Unsubscribe header's address. Exempt from CSRF because no page of ours is involved:
    the signed token is the proof, and the worst a forged request can do is what the link allows."""
    account_id, kind = _target(token)
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    own_account.save_notifications(context.unit_of_work(), account_id, {kind: False})
    return "", 200
