"""The consumption analysis: the tariff averages against a direct computation, the page and its CSV
against the store, one meter (never another owner's months, never another customer's meter)."""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, event, select, update

from adapters.store.db import writer
from adapters.store.mirror import averages
from adapters.store.mirror.derived import month_of
from adapters.store.pages.analysis import add_months, months_between
from adapters.store.tables import (
    contracts,
    customer_months,
    meter_months,
    meters,
    tariff_months,
)
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import PASSWORD, Site, log_in
from tests.sync.conftest import Mirror

PERIOD = {"from": "2025-11", "to": "2026-10"}  # the tiny data's last 12 full months
MONTHS = months_between(date(2025, 11, 1), date(2026, 10, 1))
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
# The tiny stand-in's service point 10 changed owner: customer 8 held it to 2025-03-31, customer 7 since
# 2025-04-01; its one meter, 12, was read every other month throughout.
NEW_OWNER, OLD_OWNER, SHARED_METER = 7, 8, 12


# ----- helpers -------------------------------------------------------------------------------------
def _refresh(engine: Engine) -> int:
    with writer(engine).begin() as conn:
        return averages.refresh(conn)


def _client(site: Site, customer_id: int, lang: str = "en") -> FlaskClient:
    site.login_for(f"c{customer_id}@example.pl", customer_id)
    client = site.client()
    answer = log_in(client, f"c{customer_id}@example.pl")
    assert answer.status_code == 302
    client.set_cookie("ibok_lang", lang)
    return client


class _Tables(HTMLParser):
    """The cells of every table row (th and td texts), and the notes, of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.notes: list[str] = []
        self._cell: list[str] | None = None
        self._note: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "p" and ("class", "note") in attrs:
            self._note = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "p" and self._note is not None:
            self.notes.append(" ".join("".join(self._note).split()))
            self._note = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._note):
            if part is not None:
                part.append(data)


def _page(client: FlaskClient, **params: str) -> tuple[str, _Tables]:
    answer = client.get("/analysis", query_string=params)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    html = answer.get_data(as_text=True)
    parsed = _Tables()
    parsed.feed(html)
    return html, parsed


def _csv(client: FlaskClient, **params: str) -> tuple[Any, list[list[str]]]:
    answer = client.get("/analysis.csv", query_string=params)
    assert answer.status_code == 200
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())  # a BOM: Excel reads UTF-8
    text = body.decode("utf-8")[1:]
    delimiter = ";" if text.split("\r\n")[0].count(";") else ","
    return answer, list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _english(value: Decimal | None, places: int) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def _store(engine: Engine, table: Any, key: Any, key_value: Any, measure: str) -> dict[date, Decimal]:
    with engine.connect() as conn:
        return {m: v for m, v in conn.execute(select(table.c.month, table.c[measure]).where(key == key_value))}


def _month_name(month: date) -> str:
    return f"{EN_MONTHS[month.month - 1]} {month.year}"


# ----- the averages --------------------------------------------------------------------------------
def _expected_averages(months_rows: list, contract_rows: list) -> dict[tuple[str, date], tuple[int, Decimal, Decimal]]:
    """tariff_months computed in Python from the store's rows, as the module documents it."""
    held = defaultdict(list)
    for row in contract_rows:
        held[row.customer_id].append(row)
    groups: dict[tuple[str, date], list] = defaultdict(list)
    for row in months_rows:
        tariffs = {c.tariff for c in held[row.customer_id] if month_of(c.starts_on) <= row.month
                   and (c.ends_on is None or month_of(c.ends_on) >= row.month)}
        for tariff in tariffs:
            groups[(tariff, row.month)].append(row)

    def mean(values: list[Decimal], quantum: str) -> Decimal:
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal(quantum), ROUND_HALF_UP)

    return {key: (len(rows), mean([r.consumption for r in rows], "0.001"), mean([r.charges for r in rows], "0.01"))
            for key, rows in groups.items()}


@pytest.mark.parametrize("store_kind", ["sqlite", "postgresql"])
def test_tariff_averages_match_a_direct_computation_over_the_stores_rows(
        make_mirror: Callable[[str, str], Mirror], store_kind: str) -> None:
    mirror = make_mirror("sqlite", store_kind)
    mirror.sync()
    engine = mirror.store.engine
    with writer(engine).begin() as conn:
        # Harder cases than the tiny data has: a company in two tariffs (one contract moved to G2),
        # two overlapping contracts in one tariff (counted once), and a contract ending mid-period.
        two = conn.execute(select(contracts.c.id).where(contracts.c.customer_id == 2).order_by(contracts.c.id)
                           ).scalars().all()
        conn.execute(update(contracts).where(contracts.c.id == two[0]).values(tariff="G2"))
        conn.execute(update(contracts).where(contracts.c.id == two[1]).values(ends_on=date(2025, 8, 14)))
    assert _refresh(engine) > 0
    assert _refresh(engine) > 0  # again: replaces, never duplicates
    with engine.connect() as conn:
        expected = _expected_averages(conn.execute(select(customer_months)).all(),
                                      conn.execute(select(contracts)).all())
        stored = conn.execute(select(tariff_months)).all()
    assert {(r.tariff, r.month): (r.customers, r.consumption, r.charges) for r in stored} == expected
    assert len({r.refreshed_at for r in stored}) == 1
    assert {"G1", "G2", "P1"} <= {r.tariff for r in stored}


# ----- the page and the CSV --------------------------------------------------------------------------
def test_the_page_and_the_csv_show_the_stores_figures_with_the_year_before_and_the_tariff(site: Site) -> None:
    engine = site.mirror.store.engine
    _refresh(engine)
    customer = 2  # a company: three points, tariff P1
    client = _client(site, customer)
    html, page = _page(client, **PERIOD, measure="consumption", scope="account", chart="line")
    own = _store(engine, customer_months, customer_months.c.customer_id, customer, "consumption")
    with engine.connect() as conn:
        tariff = {m: v for m, v in conn.execute(select(tariff_months.c.month, tariff_months.c.consumption)
                                                 .where(tariff_months.c.tariff == "P1"))}
    header, *body, totals = page.rows
    assert header == ["Month", "This period (m³)", "A year earlier (m³)", "Average household in tariff P1 (m³)"]
    assert [row[0] for row in body] == [_month_name(m) for m in MONTHS]
    for row, month in zip(body, MONTHS, strict=False):
        earlier = add_months(month, -12)
        assert row[1:] == [_english(own[month], 3), _english(own.get(earlier, Decimal("0.000")), 3),
                           _english(tariff[month], 3)], month
    assert totals[0] == "Total" and totals[1] == _english(sum(own[m] for m in MONTHS), 3)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-line"' in html and 'role="img"' in html
    assert "<title id=\"analysis-chart-title\">Consumption (m³) per month, November 2025 – October 2026" in html
    assert "style=" not in html and "<style" not in html
    assert "This period (November 2025 – October 2026)" in html
    assert "A year earlier (November 2024 – October 2025)" in html
    assert any("tariff P1" in note for note in page.notes)

    answer, rows = _csv(client, **PERIOD, measure="consumption", scope="account", chart="line")
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="analysis-consumption-2025-11-2026-10.csv"'
    assert rows[0] == ["Month", "This period (m³)", "Month a year earlier", "A year earlier (m³)",
                       "Average household in tariff P1 (m³)"]
    assert [r[0] for r in rows[1:]] == [m.strftime("%Y-%m") for m in MONTHS]
    for row, month in zip(rows[1:], MONTHS, strict=False):
        earlier = add_months(month, -12)
        assert row[2] == earlier.strftime("%Y-%m")
        assert [Decimal(row[1]), Decimal(row[3]), Decimal(row[4])] == [own[month], own.get(earlier, 0), tariff[month]]


def test_a_tariffs_averages_are_read_once_a_while_by_a_process_for_every_customer_in_the_tariff(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = site.mirror.store.engine
    _refresh(engine)
    with engine.connect() as conn:
        held = conn.execute(select(contracts.c.customer_id, contracts.c.tariff)).all()
    tariffs = defaultdict(set)
    for customer, tariff in held:
        tariffs[customer].add(tariff)
    by_tariff = defaultdict(list)
    for customer, held_tariffs in sorted(tariffs.items()):
        if len(held_tariffs) == 1:
            by_tariff[next(iter(held_tariffs))].append(customer)
    first, second = next(customers for customers in by_tariff.values() if len(customers) >= 2)[:2]
    statements: list[str] = []
    portal_engine = site.app.extensions["ibok"].engine
    listener = lambda *args: statements.append(args[2]) if "tariff_months" in args[2] else None  # noqa: E731
    event.listen(portal_engine, "before_cursor_execute", listener)
    try:
        clients = [_client(site, customer) for customer in (first, second)]
        pages = [_page(client, **PERIOD)[1] for client in clients]
        assert len(statements) == 1  # the second customer's page used the process's copy
        tariff_column = [[row[-1] for row in page.rows[1:-1]] for page in pages]
        assert tariff_column[0] == tariff_column[1] and any(v != "—" for v in tariff_column[0])
        monkeypatch.setattr("portal.customer.analysis.AVERAGES_TTL_S", 0.0)
        _page(clients[0], **PERIOD)
        assert len(statements) == 2  # the copy had expired: read again
    finally:
        event.remove(portal_engine, "before_cursor_execute", listener)


def test_the_default_period_is_the_last_twelve_full_months_and_the_csv_link_keeps_the_choices(site: Site) -> None:
    client = _client(site, 2)
    html, page = _page(client)
    this_month = datetime.now(ZoneInfo("Europe/Warsaw")).date().replace(day=1)
    expected = months_between(add_months(this_month, -12), add_months(this_month, -1))
    assert [row[0] for row in page.rows[1:-1]] == [_month_name(m) for m in expected]
    assert "/analysis.csv?from={}&amp;to={}&amp;measure=consumption&amp;scope=account&amp;chart=line".format(
        expected[0].strftime("%Y-%m"), expected[-1].strftime("%Y-%m")) in html
    html, _page_ = _page(client, **PERIOD, measure="charges", chart="column")
    assert 'class="chart chart-column"' in html and 'value="column" checked' in html
    assert "/analysis.csv?from=2025-11&amp;to=2026-10&amp;measure=charges&amp;scope=account&amp;chart=column" in html


def test_the_polish_csv_has_semicolons_decimal_commas_and_the_stores_charges(site: Site) -> None:
    engine = site.mirror.store.engine
    _refresh(engine)
    customer = 2
    client = _client(site, customer, "pl")
    answer, rows = _csv(client, **PERIOD, measure="charges", scope="account", chart="column")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="analiza-oplaty-2025-11-2026-10.csv"'
    assert answer.get_data(as_text=True).splitlines()[1].count(";") == 4
    charges = _store(engine, customer_months, customer_months.c.customer_id, customer, "charges")
    for row, month in zip(rows[1:], MONTHS, strict=False):
        assert re.fullmatch(r"-?\d+,\d{2}", row[1]), row
        assert Decimal(row[1].replace(",", ".")) == charges[month]
    assert len(rows) == 1 + len(MONTHS) and all(len(r) == 5 for r in rows)


def test_one_meter_shows_its_own_months_only_and_charges_fall_back_to_the_account(site: Site) -> None:
    engine = site.mirror.store.engine
    readings = _store(engine, meter_months, meter_months.c.meter_id, SHARED_METER, "consumption")
    assert date(2025, 1, 1) in readings  # read for the previous owner: never shown to the new one
    client = _client(site, NEW_OWNER)
    html, page = _page(client, **PERIOD, scope=str(SHARED_METER))
    header, *body, _totals = page.rows
    assert header == ["Month", "This period (m³)", "A year earlier (m³)"]  # no tariff average for one meter
    # The new owner's figures: from its first reading at the point to the last (a reading's consumption
    # spread over the days since the one before, so a month between two readings has its share); a
    # month outside them none.
    first, last = min(m for m in readings if m >= date(2025, 4, 1)), max(readings)

    def shown(month: date) -> Decimal | None:
        return None if month < first or month > last else readings.get(month, Decimal("0.000"))

    for row, month in zip(body, MONTHS, strict=False):
        assert row[1] == _english(shown(month), 3), month
        assert row[2] == _english(shown(add_months(month, -12)), 3), month  # the previous owner's: none
    with engine.connect() as conn:
        serial = conn.execute(select(meters.c.serial_number).where(meters.c.id == SHARED_METER)).scalar_one()
    assert f"Consumption (m³) per month, November 2025 – October 2026, meter {serial}</h2>" in html
    assert any("whole account only" in note for note in page.notes)
    _answer, rows = _csv(client, **PERIOD, scope=str(SHARED_METER))
    assert rows[0] == ["Month", "This period (m³)", "Month a year earlier", "A year earlier (m³)"]
    assert [r[1] for r in rows[1:]] == [str(shown(m)) if shown(m) is not None else "" for m in MONTHS]

    old = _client(site, OLD_OWNER)
    _html, page = _page(old, **PERIOD, scope=str(SHARED_METER))
    assert {row[1] for row in page.rows[1:-1]} == {"—"}  # nothing after the old owner left
    assert page.rows[1][2] == _english(readings[date(2024, 11, 1)], 3)

    html, page = _page(client, **PERIOD, measure="charges", scope=str(SHARED_METER))
    assert any("billed for the whole account" in note for note in page.notes)
    assert '<option value="account" selected>' in html
    charges = _store(engine, customer_months, customer_months.c.customer_id, NEW_OWNER, "charges")
    # Invoices spread over their billing periods: after the last period there is nothing to show yet.
    assert [row[1] for row in page.rows[1:-1]] == [
        _english(charges.get(m, Decimal("0.00")) if m <= max(charges) else None, 2) for m in MONTHS]


def test_another_customers_meter_is_not_found_exactly_like_no_meter(site: Site) -> None:
    client = _client(site, 1)  # customer 1 holds meters 1 and 2
    answers = {scope: client.get("/analysis", query_string={**PERIOD, "scope": scope})
               for scope in (str(SHARED_METER), "999999", "abc", "-1", "1.0")}
    assert {a.status_code for a in answers.values()} == {404}
    # The same page, but for the language button's way back to the address asked for, and the CSRF
    # token (signed with the second it was made in).
    bodies = {re.sub(r'name="(next|csrf_token)" value="[^"]*"', "", a.get_data(as_text=True)) for a in answers.values()}
    assert len(bodies) == 1, "".join(difflib.unified_diff(*(b.splitlines(keepends=True) for b in list(bodies)[:2])))
    for scope in (str(SHARED_METER), "999999"):
        assert client.get("/analysis.csv", query_string={**PERIOD, "scope": scope}).status_code == 404
        # ... whatever else is wrong with the request
        assert client.get("/analysis", query_string={"from": "x", "scope": scope}).status_code == 404
    assert client.get("/analysis", query_string={**PERIOD, "scope": "1"}).status_code == 200


def test_a_period_ending_before_it_starts_or_too_long_is_explained(site: Site) -> None:
    client = _client(site, 2)
    wrong = client.get("/analysis", query_string={"from": "2026-05", "to": "2026-01"})
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    assert 'role="alert"' in text and 'aria-invalid="true" aria-describedby="to-error"' in text
    assert "The period cannot end before it starts." in text
    long = client.get("/analysis", query_string={"from": "2020-01", "to": "2026-01"})
    assert long.status_code == 400 and "at most 60 months" in long.get_data(as_text=True)
    assert client.get("/analysis", query_string={"measure": "water"}).status_code == 400
    assert client.get("/analysis.csv", query_string={"from": "2026-13"}).status_code == 400
    assert site.client().get("/analysis").status_code == 302  # not logged in: to the login page


def test_several_tariffs_compare_with_the_main_contracts_and_say_so(site: Site) -> None:
    engine = site.mirror.store.engine
    customer = 2
    with writer(engine).begin() as conn:
        ids = conn.execute(select(contracts.c.id, contracts.c.starts_on).where(contracts.c.customer_id == customer)
                           .order_by(contracts.c.starts_on.desc())).all()
        conn.execute(update(contracts).where(contracts.c.id == ids[0].id).values(tariff="G1"))  # the newest
        main = conn.execute(select(contracts.c.number).where(contracts.c.id == ids[-1].id)).scalar_one()  # oldest
    _refresh(engine)
    _html, page = _page(_client(site, customer), **PERIOD)
    assert page.rows[0][-1] == "Average household in tariff P1 (m³)"
    assert any(f"several tariffs (G1, P1); the comparison uses tariff P1 of your main contract, {main}" in note
               for note in page.notes), page.notes


# ----- in a browser --------------------------------------------------------------------------------
def _accessible_without_sideways_scrolling(page: Page, where: str) -> None:
    if page.locator('link[href$="/charts.css"]').count() == 0:  # until base.html links it
        page.add_style_tag(url=page.url.split("/analysis")[0] + "/static/css/charts.css")
    found = violations(page)
    assert not found, f"{where}: {found}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{where}: sideways scrolling"


def test_the_analysis_page_with_line_and_column_charts_is_accessible_on_a_phone_and_a_desktop(
        site: Site, live: Callable[[str], str]) -> None:
    _refresh(site.mirror.store.engine)
    site.login_for("anna@example.pl", 2)
    with chromium() as browser:
        for viewport, size in VIEWPORTS.items():
            context = browser.new_context(viewport=size, locale="en-GB")
            context.add_cookies([{"name": "ibok_lang", "value": "en", "url": live("/")}])
            page = context.new_page()
            page.goto(live("/analysis?from=2025-11&to=2026-10"))
            page.get_by_label("E-mail address").fill("anna@example.pl")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Consumption analysis")
            chart = page.get_by_role("img",
                                     name="Consumption (m³) per month, November 2025 – October 2026, whole account")
            expect(chart).to_be_visible()
            assert page.locator("svg.chart-line").count() == 1
            width = chart.bounding_box()["width"]
            assert 0 < width <= size["width"], "the chart fits the screen"
            _accessible_without_sideways_scrolling(page, f"line chart, {viewport}")

            page.get_by_label("Column chart").check()
            page.get_by_label("Charges (zł)").check()
            page.get_by_role("button", name="Show the analysis").click()
            expect(page.get_by_role("img", name=re.compile(r"^Charges \(zł\) per month"))).to_be_visible()
            assert page.locator("svg.chart-column rect").count() > 12
            expect(page.get_by_role("table")).to_contain_text("Average household in tariff P1")
            _accessible_without_sideways_scrolling(page, f"column chart, {viewport}")

            page.get_by_label("From (month)").select_option("2026-06")
            page.get_by_label("To (month)").select_option("2026-01")
            page.get_by_role("button", name="Show the analysis").click()
            expect(page.get_by_role("alert")).to_be_visible()
            _accessible_without_sideways_scrolling(page, f"period error, {viewport}")
            context.close()
