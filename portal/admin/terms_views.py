"""Terms of service (administrators only): the versions published, and publishing a new one, in force
at once; customers who accepted an older one accept it at their next login. Audited."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from adapters.store.content import terms
from portal import context
from portal.admin import content
from portal.admin.base import bp
from portal.admin.content_forms import TermsForm
from portal.admin.guard import require_role
from portal.i18n import gettext as _


def _page(form: TermsForm) -> str:
    with context.reading() as conn:
        versions = terms.versions(conn)
    return render_template("admin/terms.html", versions=versions, form=form)


@bp.route("/terms")
@require_role("administrator")
def terms_versions():
    return _page(TermsForm())


@bp.route("/terms", methods=["POST"])
@require_role("administrator")
def terms_publish():
    form = TermsForm()
    if form.validate_on_submit():
        version = form.version.data.strip()
        if not content.publish_terms(context.unit_of_work(), version, form.body_pl.data.strip(),
                                     form.body_en.data.strip(), by=g.admin):
            form.version.errors.append(_("A version of this name exists already: give another name."))
        else:
            flash(_("Version %(version)s of the terms of service is in force: customers accept it at their"
                    " next login.", version=version), "success")
            return redirect(url_for("admin.terms_versions"))
    return _page(form), 400
