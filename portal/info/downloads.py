"""Forms to download: the utility's forms by category, and each form's file; anyone may read them."""

from __future__ import annotations

import io
from decimal import Decimal
from itertools import groupby

from flask import Blueprint, Response, abort, render_template, send_file

from adapters.store.content import downloads as forms
from portal import context
from portal.i18n import lazy_gettext as _l
from portal.i18n import request_locale
from sync.formats import grouped

bp = Blueprint("forms", __name__)

CATEGORIES = {  # the headings of the page, in the store's order of categories
    "connection": _l("Connection to the network"),
    "contract": _l("Contracts"),
    "meter": _l("Meters"),
    "billing": _l("Billing and complaints"),
    "other": _l("Other matters"),
}


def size_text(size: int, locale: str) -> str:
    """A file's size as people read it: "850 B", "120 kB", "1,5 MB" (decimal units, as CLDR and Polish
    style guides write them)."""
    if size < 1000:
        return f"{size}\xa0B"
    if size < 1000 * 1000:
        return f"{grouped(Decimal(max(1, round(size / 1000))), 0, locale)}\xa0kB"
    return f"{grouped(Decimal(size) / 1_000_000, 1, locale)}\xa0MB"


@bp.route("/forms", endpoint="forms")
def forms_page():
    locale = request_locale()
    with context.reading() as conn:
        offered = forms.offered(conn, locale)
    shown = [{"slug": f["slug"], "title": f[f"title_{locale}"], "description": f[f"description_{locale}"],
              "category": f["category"],
              "kind": f"{forms.KIND_OF[f['media_type']]}, {size_text(f['size'], locale)}"} for f in offered]
    return render_template("info/forms.html", groups=[(CATEGORIES[category], list(items)) for category, items
                                                      in groupby(shown, key=lambda f: f["category"])])


@bp.route("/forms/<slug>", endpoint="download")
def download(slug: str) -> Response:
    """The form's file, as a download under its own name."""
    with context.reading() as conn:
        form = forms.one(conn, slug)
    if form is None:
        abort(404)
    return send_file(io.BytesIO(form["content"]), mimetype=form["media_type"], as_attachment=True,
                     download_name=form["filename"], etag=form["sha256"], last_modified=form["published_at"],
                     max_age=0)
