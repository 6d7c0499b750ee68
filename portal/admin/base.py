"""The admin blueprint (url prefix /admin): its guard before every view, its menu, its 403 page."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for

from portal.admin import guard
from portal.i18n import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(guard.load_admin)

# (endpoint, label, the least role that sees it): see ``guard`` for the role matrix.
MENU = (
    ("admin.home", _l("Overview"), "operator"),
    ("admin.registrations", _l("Registrations"), "operator"),
    ("admin.customers", _l("Customers"), "operator"),
    ("admin.sync", _l("Sync health"), "operator"),
    ("admin.outbox", _l("Outbox"), "operator"),
    ("admin.notices", _l("Announcements"), "administrator"),
    ("admin.forms_library", _l("Forms library"), "administrator"),
    ("admin.terms_versions", _l("Terms of service"), "administrator"),
    ("admin.audit_log", _l("Audit log"), "administrator"),
    ("admin.accounts", _l("Staff accounts"), "administrator"),
)

ROLE_NAMES = {"operator": _l("operator"), "administrator": _l("administrator")}
# Pages that belong to a menu entry of another name (a customer's page to "Customers").
PARENT = {"admin.customer": "admin.customers", "admin.approve": "admin.registrations",
          "admin.reject": "admin.registrations", "admin.disable": "admin.accounts",
          "admin.sync_request": "admin.sync", "admin.resync_request": "admin.sync",
          "admin.outbox_retry": "admin.outbox", "admin.outbox_cancel": "admin.outbox",
          "admin.mail_retry": "admin.outbox",
          "admin.notice_new": "admin.notices", "admin.notice_withdraw": "admin.notices",
          "admin.form_upload": "admin.forms_library", "admin.form_replace": "admin.forms_library",
          "admin.form_withdraw": "admin.forms_library", "admin.terms_publish": "admin.terms_versions"}


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
def forbidden(_error: Exception):
    return render_template("admin/forbidden.html"), 403
