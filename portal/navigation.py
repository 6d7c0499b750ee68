"""The main menu: the customer's pages in order; an entry shows once its page exists."""

from __future__ import annotations

from flask import Flask, g, get_template_attribute, request, url_for
from markupsafe import Markup

from portal.i18n import gettext, request_locale
from portal.i18n import lazy_gettext as _l

MENU = (
    ("customer.dashboard", _l("Dashboard")),
    ("billing.invoices", _l("Invoices")),
    ("billing.settlements", _l("Settlements")),
    ("analysis.analysis", _l("Consumption")),
    ("meters.meters", _l("Meters and readings")),
    ("submit.readings", _l("Submit a reading")),
    ("submit.history", _l("My submissions")),
    ("submit.message", _l("Write to us")),
    ("billing.contracts", _l("Contracts")),
    ("notices.outages", _l("Outages")),
    ("submit.e_invoice", _l("E-invoice")),
    ("submit.contact", _l("Contact details")),
    ("notify.preferences_page", _l("Notifications")),
    ("forms.forms", _l("Forms to download")),
    ("auth.change_password", _l("Password")),
    ("onboarding.add_customer", _l("Add a customer account")),
)


def current(endpoint: str | None, entries: list[str]) -> str | None:
    """The menu entry a page belongs to: its own, else the first of its blueprint (an invoice's
    details belong to "Invoices", a meter's readings to "Meters and readings")."""
    if endpoint is None or endpoint in entries:
        return endpoint
    blueprint = endpoint.partition(".")[0]
    return next((e for e in entries if e.partition(".")[0] == blueprint), None)


def install(app: Flask) -> None:
    built: dict[tuple[str, str], list[tuple[str, str, str]]] = {}  # (script root, language) -> the menu

    def entries() -> list[tuple[str, str, str]]:
        """(endpoint, address, label) of each entry: the same for every page in a language, so built once."""
        key = (request.script_root, request_locale())
        if key not in built:
            built[key] = [(endpoint, url_for(endpoint), str(label)) for endpoint, label in MENU
                          if endpoint in app.view_functions]
        return built[key]

    drawn: dict[tuple[str, str, str | None], Markup] = {}  # (script root, language, current entry) -> its markup

    def nav(found: list[tuple[str, str, str]], here: str | None) -> Markup:
        """The menu as ``_chrome.html``'s ``menu_nav`` draws it: the same few dozen variants on every
        page, so each is drawn once per process."""
        key = (request.script_root, request_locale(), here)
        if key not in drawn:
            draw = get_template_attribute("_chrome.html", "menu_nav")
            drawn[key] = draw(gettext("Main menu"), found, here)  # Markup: the macro's template autoescapes
        return drawn[key]

    @app.context_processor
    def menu() -> dict[str, object]:
        if g.get("account") is None:
            return {"menu_nav": None}
        found = entries()
        return {"menu_nav": nav(found, current(request.endpoint, [e for e, _, _ in found]))}
