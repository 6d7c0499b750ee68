"""The outboxes (/admin/outbox): customer submissions on their way to billing, and e-mails on their way
to customers; counts by state, dead letters with their errors, retry and cancel (after a confirmation).

An e-mail's ``params`` are never shown (they may hold a link with a token) and its recipient only masked.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox import mail
from portal import context
from portal.admin import unblock
from portal.admin.base import bp
from portal.admin.guard import require_role
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l

LIMIT = 50
STATES = {"pending": _l("waiting"), "sent": _l("delivered"), "dead": _l("dead letter"), "cancelled": _l("cancelled")}
KINDS = {"reading": _l("meter reading"), "message": _l("message"), "change": _l("data change")}
MAIL_STATES = {"pending": _l("waiting"), "sent": _l("sent"), "dead": _l("given up")}


def masked(address: str) -> str:
    """"jan.kowalski@example.pl" as "j***@example.pl": enough to tell messages apart, not to read the address."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@bp.route("/outbox", endpoint="outbox")
@require_role("operator")
def outbox_page():
    chosen = request.args.get("state", "")
    if chosen not in STATES:
        chosen = ""  # every state, dead letters first
    with context.reading() as conn:
        counts, rows = outbox.counts(conn), outbox.listing(conn, chosen or None, LIMIT, dead_first=True)
        found = mail.counts(conn)
        mail_counts = {state: int(found.get(state, 0)) for state in mail.STATES}
        dead_mail = [m | {"to_address": masked(m["to_address"])} for m in mail.dead(conn, LIMIT)]
    return render_template("admin/outbox.html", chosen=chosen, counts=counts, rows=rows, limit=LIMIT,
                           states=STATES, kinds=KINDS, mail_counts=mail_counts, mail_states=MAIL_STATES,
                           dead_mail=dead_mail)


def _said(outcome: str) -> None:
    if outcome == "missing":
        abort(404)
    if outcome == "not_dead":
        flash(_("This is not a dead letter any more (perhaps someone else decided, or it was delivered):"
                " nothing was changed."), "info")


@bp.route("/outbox/<key>/retry", methods=["POST"])
@require_role("operator")
def outbox_retry(key: str):
    outcome = unblock.retry_submission(context.unit_of_work(), key[:36], g.admin)
    _said(outcome)
    if outcome == "retried":
        flash(_("Submission %(key)s is back in the queue: the daemon delivers it within a few seconds.", key=key),
              "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/outbox/<key>/cancel", methods=["GET", "POST"])
@require_role("operator")
def outbox_cancel(key: str):
    """GET: what is about to be cancelled, and the button; POST (from that page, confirmed): cancel it."""
    key = key[:36]
    if request.method == "GET" or request.form.get("confirm") != "yes":
        with context.reading() as conn:
            found = outbox.get(conn, key)
        if found is None:
            abort(404)
        return render_template("admin/outbox_cancel.html", row=found, states=STATES, kinds=KINDS)
    outcome = unblock.cancel_submission(context.unit_of_work(), key, g.admin)
    _said(outcome)
    if outcome == "cancelled":
        flash(_("Submission %(key)s cancelled: it will not be delivered, and the customer sees it as cancelled.",
                key=key), "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/outbox/mail/<int:message_id>/retry", methods=["POST"])
@require_role("operator")
def mail_retry(message_id: int):
    if unblock.retry_mail(context.unit_of_work(), message_id, g.admin) == "retried":
        flash(_("E-mail %(id)d is back in the queue: the daemon sends it within a few seconds.", id=message_id),
              "success")
    else:
        flash(_("This e-mail is not given up any more (perhaps someone else retried it): nothing was changed."),
              "info")
    return redirect(url_for("admin.outbox") + "#mail")
