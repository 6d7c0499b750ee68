"""For the tests of the administrators' content pages: an administrator logged in, and customers with a
login whose service points lie in different districts."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import and_, or_, select

from adapters.store.tables import contracts, points
from tests.portal.conftest import Site, log_in
from tests.portal.staff import admin_login, make_admin


def administrator(site: Site, email: str = "ewa@wodociagi.test", role: str = "administrator") -> FlaskClient:
    make_admin(site, email, role)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert admin_login(client, email).headers["Location"] == "/admin/"
    return client


def districts_by_customer(site: Site, today: date) -> dict[int, set[str]]:
    """Each customer's districts, by the contracts in force today (as the portal finds them)."""
    c = contracts.c
    found: dict[int, set[str]] = {}
    with site.mirror.store.engine.connect() as conn:
        for customer_id, district in conn.execute(
                select(c.customer_id, points.c.district).join(points, points.c.id == c.point_id)
                .where(and_(c.starts_on <= today, or_(c.ends_on.is_(None), c.ends_on >= today)))):
            found.setdefault(customer_id, set()).add(district)
    return found


def two_districts(site: Site, today: date) -> tuple[str, int, int]:
    """A district, a customer with a point there and a customer with none there."""
    found = districts_by_customer(site, today)
    for customer_id, mine in sorted(found.items()):
        district = min(mine)
        elsewhere = next((other for other, theirs in sorted(found.items()) if district not in theirs), None)
        if elsewhere is not None:
            return district, customer_id, elsewhere
    raise AssertionError("the data set has one district only")


def customer_client(site: Site, email: str, customer_id: int) -> FlaskClient:
    site.login_for(email, customer_id)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, email).status_code == 302
    return client
