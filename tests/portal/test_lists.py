"""Issue 19's lists through HTTP against the synced store: the 12-month summary, settlements newest first,
the service point on every invoice, a manager's overview of accounts, invoices as CSV, and outages
sorted by street, town and district. Expectations are the tests' own queries over the store."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import and_, func, select

from adapters.store.tables import (
    contracts,
    customer_months,
    customer_summaries,
    customers,
    invoices,
    payments,
    points,
    settlements,
)
from tests.conftest import AS_OF
from tests.portal.conftest import Site, csrf
from tests.portal.test_billing_pages import (
    all_pages,
    amount,
    busiest_customer,
    choose,
    customer_client,
    page,
    query,
    synced_site,
)

pytestmark = pytest.mark.integration

WARSAW = ZoneInfo("Europe/Warsaw")
NOON = datetime.combine(AS_OF, datetime.min.time().replace(hour=12), tzinfo=WARSAW)  # the stand-in's day


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = synced_site(tmp_path_factory.mktemp("lists"))
    yield site
    site.mirror.source.close()
    site.mirror.store.dispose()


def polish_client(client: FlaskClient) -> FlaskClient:
    client.set_cookie("ibok_lang", "pl")
    return client


def point_address(row) -> str:
    flat = f"/{row.flat_number}" if row.flat_number else ""
    return f"{row.street} {row.house_number}{flat}, {row.postal_code} {row.city}"


def invoice_points(site: Site, customer_ids: list[int]) -> dict[str, str]:
    """Each invoice's number → its service point's address, through its contract (the store's own join)."""
    i, c, p = invoices.c, contracts.c, points.c
    rows = query(site, select(i.number, p.street, p.house_number, p.flat_number, p.postal_code, p.city)
                 .join_from(invoices, contracts, c.id == i.contract_id).join(points, p.id == c.point_id)
                 .where(i.customer_id.in_(customer_ids)))
    return {r.number: point_address(r) for r in rows}


# ----- the last twelve months, on the portal's clock ----------------------------------------------------
def test_the_invoice_and_settlement_pages_sum_up_the_last_twelve_months_on_the_portals_clock(shop: Site) -> None:
    customer = busiest_customer(shop)
    i, pay, cm = invoices.c, payments.c, customer_months.c
    since = date(AS_OF.year - 1, AS_OF.month + 1, 1) if AS_OF.month < 12 else date(AS_OF.year, 1, 1)
    invoiced = query(shop, select(func.sum(i.gross)).where(and_(i.customer_id == customer, i.cancelled.is_(False),
                                                                i.issued_on >= since, i.issued_on <= AS_OF)))[0][0]
    paid = query(shop, select(func.sum(pay.amount)).where(and_(pay.customer_id == customer, pay.paid_on >= since,
                                                               pay.paid_on <= AS_OF)))[0][0]
    used = query(shop, select(func.sum(cm.consumption)).where(and_(cm.customer_id == customer, cm.month >= since,
                                                                   cm.month <= AS_OF)))[0][0]
    assert invoiced and paid and used
    with time_machine.travel(NOON, tick=False):
        client = customer_client(shop, "dwanascie@example.pl", customer)
        for path in ("/invoices", "/settlements"):
            body = page(client, path)
            summary = body[body.index('class="summary-12"'):body.index("</section>", body.index('class="summary-12"'))]
            figures = re.findall(r"<dd>([^<]+)</dd>", summary)
            assert [amount(figures[0]), amount(figures[1])] == [invoiced, paid], path
            assert Decimal(html.unescape(figures[2]).replace(",", "").replace("m³", "").strip()) == used, path
            assert since.strftime("%b") in summary and f"{since.year}" in summary  # the window is stated


# ----- settlements, newest first, a page at a time -------------------------------------------------------
def test_the_settlements_list_the_newest_entry_first_in_pages(shop: Site) -> None:
    customer = busiest_customer(shop)
    client = customer_client(shop, "najnowsze@example.pl", customer)
    bodies = all_pages(client, "/settlements")
    assert len(bodies) > 1, "the busiest customer has more than a page of entries"
    days = [date.fromisoformat(d) for body in bodies
            for d in re.findall(r'<td role="cell" class="date"[^>]*><time datetime="([^"]+)">', body)]
    assert days == sorted(days, reverse=True) and len(days) > 20
    assert "newest first" in bodies[0] and "Page 2 of" in bodies[1]


# ----- the service point on every invoice ------------------------------------------------------------------
def test_every_invoice_names_its_service_point_in_the_list_and_on_its_page(shop: Site) -> None:
    i, c = invoices.c, contracts.c
    # A customer with invoices for two or more service points: a manager's buildings.
    owner = query(shop, select(i.customer_id).join_from(invoices, contracts, c.id == i.contract_id)
                  .group_by(i.customer_id).having(func.count(func.distinct(c.point_id)) > 1).limit(1))
    customer = owner[0][0] if owner else busiest_customer(shop)
    expected = invoice_points(shop, [customer])
    client = customer_client(shop, "budynki@example.pl", customer)
    shown = {}
    for body in all_pages(client, "/invoices"):
        for number, place in re.findall(r'<a href="/invoices/\d+">([^<]+)</a>.*?class="point wide"[^>]*>([^<]*)<',
                                        body, re.S):
            shown[html.unescape(number)] = " ".join(html.unescape(place).split())
    assert shown == expected
    invoice_id, number = query(shop, select(i.id, i.number).where(i.customer_id == customer).limit(1))[0]
    detail = page(client, f"/invoices/{invoice_id}")
    assert html.escape(expected[number], quote=False) in " ".join(detail.split())


# ----- a manager's overview --------------------------------------------------------------------------------
def test_the_overview_shows_each_accounts_amount_due_and_the_totals_and_switches_in_one_click(shop: Site) -> None:
    s, i, st = customer_summaries.c, invoices.c, settlements.c
    chosen = [r[0] for r in query(shop, select(s.customer_id).order_by(s.open_amount.desc()).limit(3))]
    client = customer_client(shop, "zarzadca@example.pl", *chosen)
    today = datetime.now(WARSAW).date()
    body = page(client, "/accounts")
    rows = re.findall(r'<tr role="row" class="account[^"]*">(.*?)</tr>', body, re.S)
    assert len(rows) == 3
    total = Decimal(0)
    for customer, row in zip(chosen, rows, strict=True):
        number, due = query(shop, select(customers.c.number, s.open_amount).join_from(
            customers, customer_summaries, s.customer_id == customers.c.id).where(customers.c.id == customer))[0]
        left = func.coalesce(st.remaining, i.gross)
        overdue = query(shop, select(func.sum(left)).select_from(invoices.outerjoin(settlements, st.invoice_id == i.id))
                        .where(and_(i.customer_id == customer, i.cancelled.is_(False), i.gross > 0, left > 0,
                                    i.due_on < today)))[0][0] or Decimal("0.00")
        assert number in row
        assert amount(re.search(r'class="num due"[^>]*>([^<]+)<', row)[1]) == due
        assert amount(re.search(r'data-label="Overdue">([^<]+)<', row)[1]) == overdue
        assert f'value="{customer}"' in row  # its own one-click button
        total += due
    assert amount(re.search(r'class="total-due">([^<]+)<', body)[1]) == total
    foot = re.search(r"<tfoot.*?</tfoot>", body, re.S)[0]
    assert amount(re.search(r'class="num"[^>]*>([^<]+)<', foot)[1]) == total

    third = chosen[2]
    answer = client.post("/account/customer", data={"csrf_token": csrf(client, "/accounts"), "customer_id": third,
                                                    "next": "/invoices"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/invoices")
    number = query(shop, select(customers.c.number).where(customers.c.id == third))[0][0]
    assert f"<strong>{number}</strong>" in page(client, "/invoices")  # the header names the account shown
    elsewhere = client.post("/account/customer", data={"csrf_token": csrf(client, "/accounts"),
                                                       "customer_id": chosen[0], "next": "https://evil.example/"})
    assert elsewhere.headers["Location"].endswith("/")  # never away from the portal


def test_a_login_with_one_account_has_no_switch_but_may_open_its_overview(shop: Site) -> None:
    client = customer_client(shop, "jedno@example.pl", busiest_customer(shop))
    assert 'class="switch"' not in page(client, "/") and "/accounts/invoices.csv" not in page(client, "/invoices")
    assert len(re.findall(r'<tr role="row" class="account', page(client, "/accounts"))) == 1


# ----- invoices as CSV ----------------------------------------------------------------------------------------
def csv_rows(client: FlaskClient, path: str, delimiter: str) -> list[dict[str, str]]:
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    text = answer.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def test_the_invoices_csv_holds_every_invoice_of_the_account_or_of_all_accounts_and_nothing_else(shop: Site) -> None:
    i, st = invoices.c, settlements.c
    chosen = sorted(r[0] for r in query(shop, select(i.customer_id).distinct().limit(3)))
    client = polish_client(customer_client(shop, "arkusz@example.pl", *chosen))
    choose(client, chosen[1])
    one = csv_rows(client, "/invoices.csv", ";")
    stored = {r.number: r for r in query(shop, select(i.number, i.customer_id, i.issued_on, i.due_on, i.net, i.gross,
                                                      i.cancelled, st.remaining)
                                         .outerjoin_from(invoices, settlements, st.invoice_id == i.id)
                                         .where(i.customer_id.in_(chosen)))}
    mine = {n for n, r in stored.items() if r.customer_id == chosen[1]}
    assert {r["Numer faktury"] for r in one} == mine and len(one) == len(mine)
    places = invoice_points(shop, chosen)
    for row in one:
        expected = stored[row["Numer faktury"]]
        assert row["Data wystawienia"] == expected.issued_on.isoformat()
        assert row["Termin płatności"] == expected.due_on.isoformat()
        assert Decimal(row["Brutto"].replace(",", ".")) == expected.gross
        assert Decimal(row["Netto"].replace(",", ".")) == expected.net
        assert row["Punkt poboru"] == places[row["Numer faktury"]]
        if not expected.cancelled:
            remaining = expected.remaining if expected.remaining is not None else expected.gross
            assert Decimal(row["Pozostało do zapłaty"].replace(",", ".")) == remaining
        assert row["Status"]
    every = csv_rows(client, "/accounts/invoices.csv", ";")
    assert sorted(r["Numer faktury"] for r in every) == sorted(stored)
    numbers = {n for (n,) in query(shop, select(customers.c.number).where(customers.c.id.in_(chosen)))}
    assert {r["Numer klienta"] for r in every} == numbers

    client.set_cookie("ibok_lang", "en")
    english = csv_rows(client, "/invoices.csv", ",")
    assert {r["Invoice number"] for r in english} == mine and "." in english[0]["Gross"]


def test_text_that_would_run_as_a_formula_is_exported_as_text(make_mirror, tmp_path: Path) -> None:
    site = synced_site(tmp_path)
    customer = busiest_customer(site)
    point = query(site, select(contracts.c.point_id).where(contracts.c.customer_id == customer).limit(1))[0][0]
    with site.mirror.office() as office:
        office.update("PUNKTY", {"ID_PKT": point}, {"ULICA": '=HYPERLINK("http://x.example/")',
                                                    "DATA_MOD": office.now()})
        office.commit()
    site.mirror.sync()
    client = customer_client(site, "formula@example.pl", customer)
    rows = csv_rows(client, "/invoices.csv", ",")
    cells = [r["Service point"] for r in rows if "HYPERLINK" in r["Service point"]]
    assert cells and all(c.startswith("'=HYPERLINK") for c in cells)
    assert all(not v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)
    site.mirror.source.close()
    site.mirror.store.dispose()


# ----- outages ---------------------------------------------------------------------------------------------
def test_outages_are_sorted_by_the_customers_street_area_and_the_rest_with_names_and_minutes(shop: Site) -> None:
    p, c = points.c, contracts.c
    customer = busiest_customer(shop)
    street, city, district = query(shop, select(p.street, p.city, p.district).join_from(
        contracts, points, p.id == c.point_id).where(and_(c.customer_id == customer, c.ends_on.is_(None))).limit(1))[0]
    held = select(c.point_id).where(c.customer_id == customer)
    mine = select(p.district).where(p.id.in_(held))
    towns = select(p.city).where(p.id.in_(held))
    other = query(shop, select(p.district).where(and_(p.district.not_in(mine), p.city.not_in(towns))).limit(1))[0][0]
    shouted = street.upper()
    now = datetime.now(WARSAW).replace(tzinfo=None, microsecond=0)
    texts = {
        "theirs": (other, now - timedelta(hours=1), now + timedelta(hours=5),
                   f"[T1] Awaria sieci w miejscowości {city}, przy UL. {shouted} 3."),
        "area": (district, now - timedelta(hours=2), None, "[T2] Płukanie sieci przy ul. Nieistniejącej."),
        "planned": (district, now + timedelta(days=1), now + timedelta(days=1, hours=3), "[T3] Planowane prace."),
        "elsewhere": (other, now - timedelta(hours=3), now + timedelta(hours=3),
                      "[T4] Awaria przy ul. Nieistniejącej."),
        "finished": (district, now - timedelta(days=2), now - timedelta(days=1, hours=20), "[T5] Awaria zakończona."),
        "old": (district, now - timedelta(days=12), now - timedelta(days=11), "[T6] Dawna awaria."),
    }
    with shop.mirror.office() as office:
        for code, begin, end, text in texts.values():
            office.insert("AWARIE", {"ID_AWARII": office.next_ids("ID_AWARII"), "REJON": code, "OD": begin, "DO": end,
                                     "OPIS": text, "DATA_MOD": office.now()})
        office.commit()
    shop.mirror.sync()
    client = customer_client(shop, "awarie@example.pl", customer)
    body = page(client, "/outages")
    sections = {name: body[body.index(f'id="{name}-h"'):] for name in ("yours", "nearby", "elsewhere", "finished")}
    for name, following in (("yours", "nearby"), ("nearby", "elsewhere"), ("elsewhere", "finished")):
        sections[name] = sections[name][:sections[name].index(f'id="{following}-h"')]
    assert "[T1]" in sections["yours"] and "Concerns your address:" in sections["yours"]
    assert sections["nearby"].index("[T2]") < sections["nearby"].index("[T3]")  # ongoing before planned
    assert "[T4]" in sections["elsewhere"] and "[T5]" in sections["finished"] and "[T6]" not in body
    assert all(tag not in sections[s] for s in ("nearby", "elsewhere", "finished") for tag in ("[T1]",))
    visible = re.sub(r"<[^>]+>", " ", body[body.index("<main"):])
    assert not re.search(r"\b(?:District|Rejon)\s+R?\d", visible) and district.strip() not in visible.split()
    assert not re.search(r"\d{1,2}:\d{2}:\d{2}", visible), "times to the minute"
    start = texts["theirs"][1].strftime("%-I:%M %p")
    assert start in html.unescape(sections["yours"]).replace("\u202f", " ").replace("\xa0", " ")
    dashboard = page(client, "/")
    assert "[T1]" in dashboard and "[T4]" not in dashboard and "[T5]" not in dashboard


def test_the_new_queries_answer_alike_on_postgresql(shop: Site, make_mirror) -> None:
    from adapters.store.pages import billing as pages
    from adapters.store.pages import notices
    postgres = make_mirror("sqlite", "postgresql")
    postgres.sync()
    everyone = [r[0] for r in query(shop, select(customers.c.id).order_by(customers.c.id))]
    with shop.mirror.store.engine.connect() as lite, postgres.store.engine.connect() as pg:
        assert pages.accounts_overview(pg, everyone, AS_OF) == pages.accounts_overview(lite, everyone, AS_OF)
        assert pages.invoices_for_export(pg, everyone, AS_OF) == pages.invoices_for_export(lite, everyone, AS_OF)
        assert sorted(notices.district_counts(pg)) == sorted(notices.district_counts(lite))
        for customer in everyone[:8]:
            assert pages.twelve_months(pg, customer, AS_OF) == pages.twelve_months(lite, customer, AS_OF), customer
            assert notices.held_points(pg, customer, AS_OF) == notices.held_points(lite, customer, AS_OF), customer
        assert pages.accounts_overview(pg, [], AS_OF) == [] == pages.invoices_for_export(pg, [], AS_OF)
