"""Outage notices: billing's recent outages, the customer's service points, and what billing's points
tell of each network district (its towns and streets), for ``sync.outages`` to sort into sections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from adapters.store.tables import contracts, outages, points

RECENT = timedelta(days=7)  # ended outages stay listed this long


def recent_outages(conn: Connection, now: datetime, recent: timedelta = RECENT) -> list[dict[str, Any]]:
    """Billing's outages not over, or over within ``recent``, newest first, each marked ongoing or ended."""
    rows = [dict(r) for r in conn.execute(
        select(outages.c.id, outages.c.district, outages.c.starts_at, outages.c.ends_at, outages.c.description)
        .where(or_(outages.c.ends_at.is_(None), outages.c.ends_at >= now - recent))
        .order_by(outages.c.starts_at.desc(), outages.c.id.desc())).mappings()]
    for row in rows:
        row["ongoing"] = row["starts_at"] <= now and (row["ends_at"] is None or row["ends_at"] >= now)
        row["ended"] = row["ends_at"] is not None and row["ends_at"] < now
    return rows


def held_points(conn: Connection, customer_id: int, today: date) -> list[dict[str, Any]]:
    """The service points of the customer's contracts in force ``today``, with their districts."""
    c, p = contracts.c, points.c
    held = select(c.point_id).where(and_(c.customer_id == customer_id, c.starts_on <= today,
                                         or_(c.ends_on.is_(None), c.ends_on >= today)))
    return [dict(r) for r in conn.execute(
        select(p.id, p.street, p.house_number, p.flat_number, p.postal_code, p.city, p.district)
        .where(p.id.in_(held)).order_by(p.city, p.street, p.house_number, p.id)).mappings()]


def district_counts(conn: Connection) -> list[tuple[str, str, str, int]]:
    """How many of billing's points each (district, town, street) has: what names a district and tells
    which towns it serves. One grouped scan of the points (the portal keeps it a while per process)."""
    p = points.c
    return [(d, t, s, n) for d, t, s, n in conn.execute(
        select(p.district, p.city, p.street, func.count()).group_by(p.district, p.city, p.street))]
