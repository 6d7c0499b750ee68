"""The customer's meters and their readings, read through the customer's contracts.

A customer sees a meter standing at one of the points of their contracts when it stood there
while a contract of theirs ran, and of its readings those taken at such a point while the
contract ran: a new owner of a house sees neither the former owner's readings nor the meters
taken away before they moved in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from adapters.store.pages.billing import Page, paginate
from adapters.store.pages.dashboard import LEGALIZATION_WARNING
from adapters.store.tables import contracts, meters, points, readings


def _held_while_mounted(customer_id: int) -> ColumnElement[bool]:
    """The meter stood at a point of one of the customer's contracts while that contract ran."""
    c, m = contracts.c, meters.c
    return exists().where(and_(c.customer_id == customer_id, c.point_id == m.point_id,
                               or_(m.dismounted_on.is_(None), c.starts_on <= m.dismounted_on),
                               or_(c.ends_on.is_(None), c.ends_on >= m.mounted_on)))


def _held_now(customer_id: int, today: date) -> ColumnElement[bool]:
    """The meter's point is held by a current contract of the customer."""
    c, m = contracts.c, meters.c
    return exists().where(and_(c.customer_id == customer_id, c.point_id == m.point_id, c.starts_on <= today,
                               or_(c.ends_on.is_(None), c.ends_on >= today)))


def _meters(customer_id: int, today: date) -> Any:
    m, p = meters.c, points.c
    return (select(m.id, m.serial_number, m.main, m.diameter_mm, m.mounted_on, m.dismounted_on,
                   m.legalization_valid_until, case((_held_now(customer_id, today), true()), else_=false())
                   .label("current"), p.street, p.house_number, p.flat_number, p.postal_code, p.city)
            .select_from(meters.outerjoin(points, p.id == m.point_id))
            .where(_held_while_mounted(customer_id)))


def legalization(meter: dict[str, Any], today: date) -> str | None:
    """"expired" or "expiring" (within 90 days) for a meter still mounted at a point the customer holds now;
    None when in order, dismounted, or no longer the customer's concern."""
    if meter["dismounted_on"] is not None or not meter["current"]:
        return None
    if meter["legalization_valid_until"] < today:
        return "expired"
    return "expiring" if meter["legalization_valid_until"] <= today + LEGALIZATION_WARNING else None


def meters_of(conn: Connection, customer_id: int, today: date) -> list[dict[str, Any]]:
    """The customer's meters: at points held now first, mounted before dismounted, main before sub-meters."""
    m = meters.c
    query = _meters(customer_id, today).order_by(
        case((_held_now(customer_id, today), 0), else_=1), case((m.dismounted_on.is_(None), 0), else_=1),
        m.main.desc(), m.dismounted_on.desc(), m.serial_number)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["legalization"] = legalization(row, today)
    return rows


def meter(conn: Connection, customer_id: int, meter_id: int, today: date) -> dict[str, Any] | None:
    """One of the customer's meters; None when the customer has no such meter."""
    row = conn.execute(_meters(customer_id, today).where(meters.c.id == meter_id)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["legalization"] = legalization(found, today)
    return found


def reading_page(conn: Connection, customer_id: int, meter_id: int, number: int, size: int) -> Page:
    """The meter's readings the customer may see (taken at a point of theirs while they held it),
    newest first, one page of them (by the index on meter and date)."""
    r, c = readings.c, contracts.c
    held = exists().where(and_(c.customer_id == customer_id, c.point_id == r.point_id, c.starts_on <= r.read_on,
                               or_(c.ends_on.is_(None), c.ends_on >= r.read_on)))
    query = (select(r.id, r.read_on, r.state, r.consumption, r.source)
             .where(and_(r.meter_id == meter_id, held)).order_by(r.read_on.desc(), r.id.desc()))
    return paginate(conn, query, number, size)
