"""Announcements (administrators only): the current, future and past ones; publishing one for every
customer or for districts, with its validity period; withdrawing one. Each change is audited."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from adapters.store.content import announcements
from adapters.store.pages import notices as notice_pages
from portal import context
from portal.admin import content
from portal.admin.base import bp
from portal.admin.content_forms import NoticeForm
from portal.admin.guard import require_role
from portal.customer import announced
from portal.i18n import gettext as _


@bp.route("/notices")
@require_role("administrator")
def notices():
    now = context.now()
    with context.reading() as conn:
        found = announcements.listing(conn, now)
        from_billing = notice_pages.recent_outages(conn, now)
    return render_template("admin/notices.html", outages=from_billing, **found)


@bp.route("/notices/new", methods=["GET", "POST"])
@require_role("administrator")
def notice_new():
    with context.reading() as conn:
        districts = announcements.districts(conn)
    form = NoticeForm()
    form.set_districts(districts)
    if not form.is_submitted():
        form.valid_from.data = context.now().replace(second=0, microsecond=0)
    if not form.validate_on_submit():
        return render_template("admin/notice_new.html", form=form), 400 if form.is_submitted() else 200
    content.publish_notice(context.unit_of_work(), g.admin, kind=form.kind.data, title_pl=form.title_pl.data,
                           body_pl=form.body_pl.data, title_en=form.title_en.data, body_en=form.body_en.data,
                           valid_from=form.valid_from.data, valid_until=form.valid_until.data,
                           targets=form.targets())
    announced.forget()
    flash(_("The announcement is published: customers see it while it is valid."), "success")
    return redirect(url_for("admin.notices"))


@bp.route("/notices/<int:announcement_id>/withdraw", methods=["POST"])
@require_role("administrator")
def notice_withdraw(announcement_id: int):
    if content.withdraw_notice(context.unit_of_work(), g.admin, announcement_id) == "missing":
        abort(404)
    announced.forget()
    flash(_("The announcement is withdrawn: customers no longer see it."), "success")
    return redirect(url_for("admin.notices"))
