"""Staff accounts (administrators only): who has access, with which role; disabling an account."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from adapters.store.logins import admins
from portal.admin import staff
from portal.admin.base import bp
from portal.admin.guard import require_role
from portal.context import reading, unit_of_work
from portal.i18n import gettext as _


@bp.route("/admins")
@require_role("administrator")
def accounts():
    with reading() as conn:
        staff = admins.listing(conn)
    return render_template("admin/admins.html", staff=staff)


@bp.route("/admins/<int:admin_id>/disable", methods=["POST"])
@require_role("administrator")
def disable(admin_id: int):
    if admin_id == g.admin["id"]:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin.accounts"))
    if staff.disable(unit_of_work(), admin_id, by=g.admin) == "missing":
        abort(404)
    flash(_("The account is disabled: its sessions end at their next request."), "success")
    return redirect(url_for("admin.accounts"))
