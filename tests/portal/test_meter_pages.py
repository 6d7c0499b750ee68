"""The customer's meters and their readings, proven through HTTP against the synced store.

Which meters and readings a customer sees follows the contracts: those at the points of their
contracts while the contracts ran, so that a house's new owner and its former one each see their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import and_, func, or_, select

from adapters.store.pages import meters as pages
from adapters.store.tables import contracts, meters, readings
from tests.portal.conftest import Site
from tests.portal.test_billing_pages import (
    all_pages,
    choose,
    customer_client,
    page,
    query,
    synced_site,
    today,
)

# The module's site is built by its own fixture: billing and store databases.
pytestmark = pytest.mark.integration

SOURCES = {"reader": "Reader", "customer": "Customer", "estimate": "Estimate", "remote": "Remote reading",
           "exchange": "Meter exchange"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site shared by this module's tests, which only read (each with its own login)."""
    site = synced_site(tmp_path_factory.mktemp("meter-pages"))
    yield site
    site.mirror.source.close()
    site.mirror.store.dispose()


def held(site: Site) -> dict[int, list[tuple[int, date, date | None]]]:
    """Each customer's contracts: (point, start, end)."""
    c = contracts.c
    found: dict[int, list[tuple[int, date, date | None]]] = {}
    for customer, point, starts, ends in query(site, select(c.customer_id, c.point_id, c.starts_on, c.ends_on)):
        found.setdefault(customer, []).append((point, starts, ends))
    return found


def expected_meters(site: Site, holdings: list[tuple[int, date, date | None]], day: date) -> dict[str, bool]:
    """Serial number -> whether at a point held today, of the meters that stood at a point of these
    contracts while one ran."""
    m = meters.c
    found: dict[str, bool] = {}
    for serial, point, mounted, dismounted in query(site, select(m.serial_number, m.point_id, m.mounted_on,
                                                                 m.dismounted_on)):
        spans = [(s, e) for p, s, e in holdings if p == point]
        if any((dismounted is None or s <= dismounted) and (e is None or e >= mounted) for s, e in spans):
            found[serial] = any(s <= day and (e is None or e >= day) for s, e in spans)
    return found


def serials(body: str, table: str) -> list[str]:
    found = re.search(rf'<caption id="{table}-caption"[^>]*>.*?</table>', body, re.S)
    return re.findall(r'<th scope="row">([^<]+)</th>', found[0]) if found else []


def meter_row(body: str, serial: str) -> str:
    return re.search(rf'<th scope="row">{serial}</th>.*?</tr>', body, re.S)[0]


def test_every_customer_sees_the_meters_of_their_contracts_current_ones_first(shop: Site) -> None:
    day, holdings = today(), held(shop)
    client = customer_client(shop, "liczniki@example.pl", *sorted(holdings))
    earlier_seen = dismounted_seen = 0
    for customer, own in sorted(holdings.items()):
        choose(client, customer)
        body = page(client, "/meters")
        expected = expected_meters(shop, own, day)
        current, earlier = serials(body, "current"), serials(body, "earlier")
        assert sorted(current) == sorted(s for s, now in expected.items() if now), customer
        assert sorted(earlier) == sorted(s for s, now in expected.items() if not now), customer
        assert body.find('id="current-caption"') < body.find('id="earlier-caption"') or not current or not earlier
        rows = [meter_row(body, s) for s in current]
        mounted = [i for i, row in enumerate(rows) if "dismounted on" not in row]
        assert mounted == list(range(len(mounted))), "mounted meters before dismounted ones"
        earlier_seen += bool(earlier)
        dismounted_seen += len(rows) - len(mounted)
    assert earlier_seen and dismounted_seen, "the stand-in has an owner change and a meter exchange"


def test_legalization_warnings_mark_the_meters_to_reverify(shop: Site) -> None:
    day, holdings = today(), held(shop)
    m = meters.c
    soon = day + timedelta(days=90)
    due = query(shop, select(m.serial_number, m.point_id, m.legalization_valid_until)
                .where(and_(m.dismounted_on.is_(None), m.legalization_valid_until <= soon)))
    client = customer_client(shop, "legalizacja@example.pl", *sorted(holdings))
    checked = 0
    for customer, own in sorted(holdings.items()):
        now = expected_meters(shop, own, day)
        mine = [(serial, until) for serial, _point, until in due if now.get(serial)]
        if not mine:
            continue
        choose(client, customer)
        body = page(client, "/meters")
        for serial, until in mine:
            warning = "expired" if until < day else "expires within 90 days"
            assert warning in meter_row(body, serial), (customer, serial)
            checked += 1
        for serial in serials(body, "earlier"):
            assert "expire" not in meter_row(body, serial)  # no longer this customer's concern
    assert checked, "the stand-in has meters to re-verify"


def test_a_meters_readings_come_newest_first_in_pages_with_their_sources(shop: Site) -> None:
    r, m = readings.c, meters.c
    meter_id, customer = query(shop, select(r.meter_id, contracts.c.customer_id)
                               .join_from(readings, contracts, contracts.c.point_id == r.point_id)
                               .where(contracts.c.ends_on.is_(None))
                               .group_by(r.meter_id, contracts.c.customer_id)
                               .order_by(func.count().desc(), r.meter_id).limit(1))[0]
    c = contracts.c
    while_held = select(r.id).join_from(readings, contracts, and_(
        c.point_id == r.point_id, c.customer_id == customer, c.starts_on <= r.read_on,
        or_(c.ends_on.is_(None), c.ends_on >= r.read_on)))
    stored = query(shop, select(r.read_on, r.state, r.consumption, r.source)
                   .where(and_(r.meter_id == meter_id, r.id.in_(while_held))).order_by(r.read_on.desc(), r.id.desc()))
    serial = query(shop, select(m.serial_number).where(m.id == meter_id))[0][0]
    client = customer_client(shop, "odczyty@example.pl", customer)
    bodies = all_pages(client, f"/meters/{meter_id}/readings")
    from portal.customer.meters import READINGS_PER_PAGE
    assert len(bodies) == -(-len(stored) // READINGS_PER_PAGE) > 1
    assert f"Readings of meter {serial}" in bodies[0] and "Previous page" in bodies[-1]
    rows = [row for body in bodies
            for row in re.findall(r"<tbody[^>]*>(.*?)</tbody>", body, re.S)[0].split("</tr>")[:-1]]
    assert len(rows) == len(stored)
    for row, (read_on, state, consumption, source) in zip(rows, stored, strict=True):
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        assert cells == [format_date(read_on, "medium", locale="en"),
                         f"{format_decimal(state, '#,##0.000', locale='en')} m³",
                         f"{format_decimal(consumption, '#,##0.000', locale='en')} m³", SOURCES[source]]
    assert client.get(f"/meters/{meter_id}/readings?page=99").status_code == 200  # the last page, not an error


def test_a_houses_new_owner_and_its_former_one_see_only_their_own_readings(shop: Site) -> None:
    r = readings.c
    before, after = contracts.alias(), contracts.alias()
    point, former, ended, new, started = query(shop, select(
        before.c.point_id, before.c.customer_id, before.c.ends_on, after.c.customer_id, after.c.starts_on)
        .join_from(before, after, and_(before.c.point_id == after.c.point_id,
                                       before.c.customer_id != after.c.customer_id,
                                       after.c.starts_on > before.c.ends_on))
        .order_by(before.c.point_id).limit(1))[0]
    meter_id = query(shop, select(r.meter_id).where(r.point_id == point).group_by(r.meter_id)
                     .having(and_(func.min(r.read_on) <= ended, func.max(r.read_on) >= started)).limit(1))[0][0]
    client = customer_client(shop, "dom@example.pl", former, new)
    shown: dict[int, list[str]] = {}
    for customer in (former, new):
        choose(client, customer)
        bodies = all_pages(client, f"/meters/{meter_id}/readings")
        shown[customer] = [d for body in bodies for d in re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', body)]

    def dates(*where) -> list[str]:
        return [format_date(d, "medium", locale="en") for (d,) in query(shop, select(r.read_on).where(
            and_(r.meter_id == meter_id, r.point_id == point, *where)).order_by(r.read_on.desc(), r.id.desc()))]

    holdings = held(shop)
    former_start = min(s for p, s, _e in holdings[former] if p == point)
    assert shown[former] == dates(r.read_on >= former_start, r.read_on <= ended) != []
    assert shown[new] == dates(r.read_on >= started) != []
    assert not set(shown[former]) & set(shown[new])


def test_the_meter_queries_answer_alike_on_postgresql(shop: Site, make_mirror) -> None:
    postgres = make_mirror("sqlite", "postgresql")
    postgres.sync()
    day = today()
    with shop.mirror.store.engine.connect() as lite, postgres.store.engine.connect() as pg:
        for customer in sorted(held(shop)):
            found = pages.meters_of(pg, customer, day)
            assert found == pages.meters_of(lite, customer, day), customer
            for meter in found:
                assert pages.meter(pg, customer, meter["id"], day) == pages.meter(lite, customer, meter["id"], day)
                assert (pages.reading_page(pg, customer, meter["id"], 2, 12)
                        == pages.reading_page(lite, customer, meter["id"], 2, 12)), (customer, meter["id"])
        assert pages.meter(pg, 10**6, found[0]["id"], day) is None


def test_only_a_number_names_a_meter_or_an_invoice(shop: Site) -> None:
    client = customer_client(shop, "sciezka@example.pl", shop.customer_ids(1)[0])
    for path in ("/meters/abc/readings", "/meters/-1/readings", "/invoices/1%2F..%2F2", "/invoices/-1/pdf"):
        assert client.get(path).status_code == 404, path
