"""The admin area (/admin): staff logins with a second factor, the registration queue, customer
lookup and the audit log. ``blueprint()`` gives the one blueprint with every view attached."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported with the views: `ibok admin` (portal.admin.cli) needs none of it
    from flask import Blueprint


def blueprint() -> Blueprint:
    from portal.admin import (  # noqa: F401 - importing a module attaches its views
        accounts_views,
        audit_views,
        auth,
        customers,
        downloads_views,
        home,
        notices_views,
        outbox_views,
        registrations,
        sync_views,
        terms_views,
    )
    from portal.admin.base import bp
    return bp
