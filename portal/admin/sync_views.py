"""Sync health (/admin/sync): streams' freshness, daemons, recent runs; resync buttons and the requests they
queue, each with a page the browser reloads to watch it run."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from adapters.store.sync_state import daemons, requests
from portal import context
from portal.admin import resync, sync_status
from portal.admin.base import bp
from portal.admin.guard import require_role
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from sync.streams import BY_NAME

REQUEST_STATES = {"waiting": _l("waiting for a daemon"), "running": _l("running"), "ok": _l("finished"),
                  "failed": _l("failed"), "interrupted": _l("interrupted")}
MODES = {"incremental": _l("incremental"), "full": _l("full"), "reconcile": _l("reconciliation"),
         "customer": _l("customer")}


def duration(seconds: float | None) -> str:
    """An age or a wait in the largest unit that keeps it readable."""
    if seconds is None:
        return "—"
    whole = int(seconds)
    if whole < 120:
        return _("%(n)d s", n=whole)
    if whole < 7200:
        return _("%(n)d min", n=whole // 60)
    if whole < 172800:
        return _("%(n)d h", n=whole // 3600)
    return _("%(n)d days", n=whole // 86400)


@bp.route("/sync", endpoint="sync")
@require_role("operator")
def sync_health():
    chosen = request.args.get("stream", "")
    if chosen and chosen not in BY_NAME:
        chosen = ""  # an unknown filter (an old link): every stream's runs
    with context.reading() as conn:
        shown = sync_status.overview(conn, context.settings().daemon, context.now(), chosen or None)
    return render_template("admin/sync.html", chosen=chosen, names=list(BY_NAME), duration=duration,
                           request_states=REQUEST_STATES, modes=MODES, **shown)


@bp.route("/sync/requests", methods=["POST"])
@require_role("operator")
def resync_request():
    form = request.form
    outcome, request_id = resync.ask(context.unit_of_work(), g.admin, form.get("mode", ""),
                                     form.get("stream", "")[:40], form.get("customer_number", "")[:40])
    if outcome == "unknown_stream":
        flash(_("There is no stream of this name: nothing was queued. Choose one of the streams listed."), "error")
    elif outcome == "unknown_customer":
        flash(_("There is no customer with this number in the mirror: nothing was queued. Check the number"
                " with the customer, or find it under Customers."), "error")
    elif outcome != "queued":
        flash(_("This kind of resync is not offered here: nothing was queued."), "error")
    if request_id is None:
        return redirect(url_for("admin.sync"))
    flash(_("Request %(id)d queued: a running daemon starts it within a few seconds.", id=request_id), "success")
    with context.reading() as conn:
        if not daemons.alive(conn, sync_status.ALIVE_WITHIN):
            flash(_("No daemon has been seen in the last minute: the request waits until the sync daemon runs."),
                  "error")
    return redirect(url_for("admin.sync_request", request_id=request_id))


@bp.route("/sync/requests/<int:request_id>")
@require_role("operator")
def sync_request(request_id: int):
    with context.reading() as conn:
        found = requests.get(conn, request_id)
    if found is None:
        abort(404)
    return render_template("admin/sync_request.html", r=found, state=requests.state_of(found),
                           request_states=REQUEST_STATES, modes=MODES)
