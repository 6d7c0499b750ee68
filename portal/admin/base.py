"""The admin blueprint (url prefix /admin): its guard before every view, its menu, its 403 page."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.admin import guard

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(guard.load_admin)

# (endpoint, label, the least role that sees it): see ``guard`` for the role matrix.
MENU = (
    ("admin.home", _l("Overview"), "operator"),
    ("admin.registrations", _l("Registrations"), "operator"),
    ("admin.customers", _l("Customers"), "operator"),
    ("admin.audit_log", _l("Audit log"), "administrator"),
    ("admin.accounts", _l("Staff accounts"), "administrator"),
)

ROLE_NAMES = {"operator": _l("operator"), "administrator": _l("administrator")}
# Pages that belong to a menu entry of another name (a customer's page to "Customers").
PARENT = {"admin.customer": "admin.customers", "admin.approve": "admin.registrations",
          "admin.reject": "admin.registrations", "admin.disable": "admin.accounts"}


@bp.context_processor
def menu() -> dict[str, object]:
    admin = g.get("admin")
    if admin is None:
        return {"admin_menu": [], "admin_current": None, "role_names": ROLE_NAMES}
    entries = [(endpoint, url_for(endpoint), str(label)) for endpoint, label, role in MENU
               if guard.allowed(admin["role"], role)]
    here = request.endpoint or ""
    return {"admin_menu": entries, "admin_current": PARENT.get(here, here), "role_names": ROLE_NAMES}


@bp.errorhandler(403)
def forbidden(_error: Exception):  # noqa: ANN201
    return render_template("admin/forbidden.html"), 403
