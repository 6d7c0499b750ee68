"""The forms library (administrators only): every form published, uploading a new one, a new file for
one (the same address), withdrawing one. The checks of a file are the store's (``adapters.store.content.downloads``,
as for `ibok portal form add`); each change is audited."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from adapters.store.content import downloads as forms
from portal import context
from portal.admin import content as published_content
from portal.admin.base import bp
from portal.admin.content_forms import FormUploadForm, NewVersionForm
from portal.admin.guard import require_role
from portal.admin.uploads import UPLOAD_LIMIT
from portal.i18n import gettext as _
from portal.info.downloads import CATEGORIES


def _rejected(exc: forms.FormRejected, kind_of_name: str) -> str:
    """The store's reason in the administrator's language where it is the usual one."""
    if "content is not" in str(exc):
        return _("The file's content is not %(kind)s, whatever its name says: save it again as %(kind)s.",
                 kind=kind_of_name)
    if "is empty" in str(exc):
        return _("The file is empty.")
    return _("The file cannot be published: %(reason)s", reason=str(exc))


def _page(upload: FormUploadForm | None = None, versions: dict[str, NewVersionForm] | None = None) -> str:
    with context.reading() as conn:
        published = forms.published(conn)
    upload = upload or FormUploadForm()
    upload.category.choices = [SelectChoice(c, label) for c, label in CATEGORIES.items()]
    versions = versions or {}
    for f in published:
        versions.setdefault(f["slug"], NewVersionForm(prefix=f"v-{f['slug']}"))
    return render_template("admin/forms.html", published=published, upload=upload, versions=versions,
                           kinds=forms.KIND_OF, categories=CATEGORIES)


def _publish(upload: Any, **fields: Any) -> dict[str, Any] | str:
    """Publish the file uploaded with ``fields``: the form as listed, or what to fix."""
    name = upload.filename or ""
    content = upload.read()
    try:
        return published_content.publish_form(context.unit_of_work(), filename=name, content=content, by=g.admin,
                                              **fields)
    except forms.FormRejected as exc:
        kind = forms.KINDS.get(name[name.rfind("."):].lower(), ("",))[0]
        return _rejected(exc, kind)


@bp.route("/forms")
@require_role("administrator")
def forms_library():
    return _page()


@bp.route("/forms", methods=["POST"])
@require_role("administrator")
def form_upload():
    upload = FormUploadForm()
    upload.category.choices = [SelectChoice(c, label) for c, label in CATEGORIES.items()]
    if upload.validate_on_submit():
        with context.reading() as conn:
            taken = any(f["slug"] == upload.slug.data for f in forms.published(conn))
        if taken:
            upload.slug.errors.append(_("A form has this address already: upload its new file with "
                                        "“New version” beside it."))
        else:
            done = _publish(upload.file.data, slug=upload.slug.data, title_pl=upload.title_pl.data,
                            title_en=upload.title_en.data, description_pl=upload.description_pl.data or None,
                            description_en=upload.description_en.data or None, category=upload.category.data)
            if isinstance(done, dict):
                flash(_("The form %(title)s is published at /forms.", title=done["title_pl"]), "success")
                return redirect(url_for("admin.forms_library"))
            upload.file.errors.append(done)
    return _page(upload=upload), 400


@bp.route("/forms/<slug>/replace", methods=["POST"])
@require_role("administrator")
def form_replace(slug: str):
    with context.reading() as conn:
        found = next((f for f in forms.published(conn) if f["slug"] == slug), None)
    if found is None:
        abort(404)
    version = NewVersionForm(prefix=f"v-{slug}")
    if version.validate_on_submit():
        done = _publish(version.file.data, slug=slug, title_pl=found["title_pl"], title_en=found["title_en"],
                        description_pl=found["description_pl"], description_en=found["description_en"],
                        category=found["category"])
        if isinstance(done, dict):
            flash(_("The new file of %(title)s is published.", title=found["title_pl"]), "success")
            return redirect(url_for("admin.forms_library"))
        version.file.errors.append(done)
    return _page(versions={slug: version}), 400


@bp.route("/forms/<slug>/withdraw", methods=["POST"])
@require_role("administrator")
def form_withdraw(slug: str):
    if published_content.withdraw_form(context.unit_of_work(), slug, by=g.admin):
        flash(_("The form is withdrawn: customers no longer see it."), "success")
    else:
        flash(_("This form was not offered (withdrawn already?): nothing was changed."), "info")
    return redirect(url_for("admin.forms_library"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: Exception):
    """A body over the limit, refused before it is read: a sentence rather than a bare 413."""
    return render_template("admin/too_large.html", limit_mb=UPLOAD_LIMIT // 1024 // 1024), 413
