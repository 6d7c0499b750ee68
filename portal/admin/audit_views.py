"""The audit log page: searchable by actor, action, object and days, newest first, a page at a time."""

from __future__ import annotations

from datetime import date

from flask import render_template, request

from adapters.store.logins import audit
from portal import context
from portal.admin.base import bp
from portal.admin.guard import require_role

PAGE_SIZE = 50


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else 1


@bp.route("/audit")
@require_role("administrator")
def audit_log():
    args = request.args
    chosen = audit.AuditFilter(actor=args.get("actor", "")[:60], action=args.get("action", "")[:40],
                               object=args.get("object", "")[:60], since=_day(args.get("since")),
                               until=_day(args.get("until")))
    with context.reading() as conn:
        page = audit.search(conn, chosen, _number(args.get("page")), PAGE_SIZE, context.settings().billing.timezone)
    kept = {k: v for k, v in (("actor", chosen.actor), ("action", chosen.action), ("object", chosen.object),
                              ("since", chosen.since and chosen.since.isoformat()),
                              ("until", chosen.until and chosen.until.isoformat())) if v}
    return render_template("admin/audit.html", chosen=chosen, page=page, params=kept)
