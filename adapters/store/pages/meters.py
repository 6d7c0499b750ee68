"""The customer's meters and their readings, read through the customer's contracts.

A customer sees a meter standing at one of the points of their contracts when it stood there
while a contract of theirs ran, and of its readings those taken at such a point while the
contract ran: a new owner of a house sees neither the former owner's readings nor the meters
taken away before they moved in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    and_,
    bindparam,
    case,
    exists,
    false,
    or_,
    select,
    true,
)

from adapters.store.pages.billing import Page, paginate
from adapters.store.pages.dashboard import LEGALIZATION_WARNING
from adapters.store.tables import contracts, meters, points, readings

# Built once, run with parameters (customer, today, meter): building a statement costs more than running it.
_c, _m, _p, _r = contracts.c, meters.c, points.c, readings.c
_CUSTOMER: BindParameter[int] = bindparam("customer")
_TODAY: BindParameter[date] = bindparam("today")
# The meter stood at a point of one of the customer's contracts while that contract ran.
_HELD_WHILE_MOUNTED = exists().where(and_(
    _c.customer_id == _CUSTOMER, _c.point_id == _m.point_id,
    or_(_m.dismounted_on.is_(None), _c.starts_on <= _m.dismounted_on),
    or_(_c.ends_on.is_(None), _c.ends_on >= _m.mounted_on)))
# The meter's point is held by a current contract of the customer.
_HELD_NOW = exists().where(and_(_c.customer_id == _CUSTOMER, _c.point_id == _m.point_id, _c.starts_on <= _TODAY,
                                or_(_c.ends_on.is_(None), _c.ends_on >= _TODAY)))
_METERS = (select(_m.id, _m.serial_number, _m.main, _m.diameter_mm, _m.mounted_on, _m.dismounted_on,
                  _m.legalization_valid_until, case((_HELD_NOW, true()), else_=false()).label("current"),
                  _p.street, _p.house_number, _p.flat_number, _p.postal_code, _p.city)
           .select_from(meters.outerjoin(points, _p.id == _m.point_id)).where(_HELD_WHILE_MOUNTED))
# At points held now first, mounted before dismounted, main before sub-meters.
_ALL_METERS = _METERS.order_by(case((_HELD_NOW, 0), else_=1), case((_m.dismounted_on.is_(None), 0), else_=1),
                               _m.main.desc(), _m.dismounted_on.desc(), _m.serial_number)
_ONE_METER = _METERS.where(_m.id == bindparam("meter"))
# Readings taken at a point of the customer's while they held it, newest first.
_READINGS = (select(_r.id, _r.read_on, _r.state, _r.consumption, _r.source)
             .where(and_(_r.meter_id == bindparam("meter"),
                         exists().where(and_(_c.customer_id == _CUSTOMER, _c.point_id == _r.point_id,
                                             _c.starts_on <= _r.read_on,
                                             or_(_c.ends_on.is_(None), _c.ends_on >= _r.read_on)))))
             .order_by(_r.read_on.desc(), _r.id.desc()))


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
    rows = [dict(r) for r in conn.execute(_ALL_METERS, {"customer": customer_id, "today": today}).mappings()]
    for row in rows:
        row["legalization"] = legalization(row, today)
    return rows


def meter(conn: Connection, customer_id: int, meter_id: int, today: date) -> dict[str, Any] | None:
    """One of the customer's meters; None when the customer has no such meter."""
    row = conn.execute(_ONE_METER, {"customer": customer_id, "today": today, "meter": meter_id}).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["legalization"] = legalization(found, today)
    return found


def reading_page(conn: Connection, customer_id: int, meter_id: int, number: int, size: int) -> Page:
    """The meter's readings the customer may see (taken at a point of theirs while they held it),
    newest first, one page of them (by the index on meter and date)."""
    return paginate(conn, _READINGS, number, size, {"customer": customer_id, "meter": meter_id})
