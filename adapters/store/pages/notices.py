"""Outage notices: those in the districts of the customer's service points first, then the others."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from adapters.store.tables import contracts, outages, points

RECENT = timedelta(days=7)  # ended outages stay listed this long


def outages_for(conn: Connection, customer_id: int, today: date, now: datetime) -> dict[str, list[dict[str, Any]]]:
    c = contracts.c
    held = select(c.point_id).where(and_(c.customer_id == customer_id, c.starts_on <= today,
                                         or_(c.ends_on.is_(None), c.ends_on >= today)))
    mine = set(conn.execute(select(points.c.district).where(points.c.id.in_(held))).scalars())
    rows = recent_outages(conn, now)
    return {"mine": [r for r in rows if r["district"] in mine],
            "others": [r for r in rows if r["district"] not in mine],
            "districts": sorted(mine)}


def recent_outages(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Billing's outages not over, or over within RECENT, newest first, each marked ongoing or ended."""
    rows = [dict(r) for r in conn.execute(
        select(outages.c.id, outages.c.district, outages.c.starts_at, outages.c.ends_at, outages.c.description)
        .where(or_(outages.c.ends_at.is_(None), outages.c.ends_at >= now - RECENT))
        .order_by(outages.c.starts_at.desc())).mappings()]
    for row in rows:
        row["ongoing"] = row["starts_at"] <= now and (row["ends_at"] is None or row["ends_at"] >= now)
        row["ended"] = row["ends_at"] is not None and row["ends_at"] < now
    return rows
