"""The admin area's landing page: what waits for the staff (registrations, dead letters, e-mails given up)."""

from __future__ import annotations

from flask import render_template

from adapters.store.logins import registration_queue
from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox import mail
from portal.admin.base import bp
from portal.admin.guard import require_role
from portal.context import reading


@bp.route("/")
@require_role("operator")
def home():
    with reading() as conn:
        counts = {"registrations": registration_queue.pending_count(conn),
                  "dead_letters": outbox.counts(conn).get("dead", 0),
                  "dead_mail": int(mail.counts(conn).get("dead", 0))}
    return render_template("admin/home.html", counts=counts)
