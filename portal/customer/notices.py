"""Outage notices: those on the customer's streets, in their area, elsewhere, and those just finished
(``sync.outages`` decides), with the utility's announcements for the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates
from flask import Blueprint, g, render_template
from sqlalchemy import Connection

from adapters.store.content import announcements
from adapters.store.pages import notices
from portal import context
from portal.auth.guard import customer_required
from portal.customer import announced
from portal.i18n import gettext, request_locale
from sync import outages as matching

bp = Blueprint("notices", __name__)
DISTRICTS_TTL_S = 600.0  # how long a process keeps what billing's points say of each district


@dataclass(frozen=True)
class Districts:
    names: dict[str, matching.RegionName]
    towns: dict[str, frozenset[str]]


def districts() -> Districts:
    """District names and towns, from billing's points (and the ``portal.district_names`` setting)."""
    overrides = context.settings().portal.district_names

    def load(conn: Connection) -> Districts:
        counts = notices.district_counts(conn)
        return Districts(matching.region_names(counts, overrides), matching.region_towns(counts))
    return context.per_process("districts", DISTRICTS_TTL_S, load)


def region_label(code: str) -> str:
    """What a customer reads for a district: its name, never its bare code."""
    name = districts().names.get(code.strip())
    if name is None:
        return gettext("another part of the network")
    if name.street:
        return gettext("%(town)s (%(street)s area)", town=name.town, street=name.street)
    return name.town


def sections_for(conn: Connection, customer_id: int, today: date, now: datetime) -> matching.Sections:
    """The customer's outage sections, read with ``conn``."""
    rows = notices.recent_outages(conn, now, matching.RECENT)
    places = [matching.Place(p["id"], p["street"], p["house_number"], p["city"], p["district"])
              for p in notices.held_points(conn, customer_id, today)]
    found = [matching.Outage(r["id"], r["district"], r["starts_at"], r["ends_at"], r["description"]) for r in rows]
    return matching.sections(found, places, districts().towns, now)


@bp.app_template_filter("minute")
def to_the_minute(value: datetime | None) -> str:
    """A moment in billing's time zone to the minute ("21 lis 2026, 14:05"; "Nov 21, 2026, 2:05 PM")."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(context.settings().billing.timezone))
    locale = request_locale()
    return f"{dates.format_date(local, 'medium', locale=locale)}, {dates.format_time(local, 'short', locale=locale)}"


@bp.app_template_global("region_name")
def region_name(code: str) -> str:
    return region_label(code)


@bp.route("/outages")
@customer_required
def outages():
    today, now = context.today(), context.now()
    with context.reading() as conn:
        found = sections_for(conn, g.customer_id, today, now)
        # The utility's own announcements beside billing's outages: always read here (a page seldom seen).
        mine = announcements.for_customer(conn, g.customer_id, today, now)
    return render_template("notices/outages.html", announcements=announced.shown(mine), sections=found,
                           recent_days=matching.RECENT.days)
