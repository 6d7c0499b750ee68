"""The customer's invoices, settlements and contracts, proven through HTTP against the synced store.

Expectations are the tests' own queries over the store; pages are read in English (the language
cookie) so that no assertion depends on the Polish catalog.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import and_, func, select, update

from adapters.billing import payment
from adapters.store.db import writer
from adapters.store.pages import billing as pages
from adapters.store.tables import (
    contracts,
    customer_summaries,
    customers,
    invoice_lines,
    invoices,
    meters,
    payments,
    sellers,
    settlements,
)
from config import clock
from portal.app import create_app
from tests.conftest import BillingDatabase
from tests.portal.browser import VIEWPORTS, chromium, violations
from tests.portal.conftest import PASSWORD, Site, csrf, portal_settings
from tests.sync.conftest import Mirror, open_mirror

# The module's site is built by its own fixture: billing and store databases.
pytestmark = pytest.mark.integration

WARSAW = ZoneInfo("Europe/Warsaw")


# ----- one synced store for the read-only tests of a module ----------------------------------------
def synced_site(tmp: Path, **extra: str) -> Site:
    """The portal (development mode) on a freshly synced SQLite mirror of the tiny stand-in."""
    billing = BillingDatabase("sqlite", f"Driver=SQLite3;Database={tmp / 'billing.sqlite'};Timeout=10000",
                              str(tmp / "billing.sqlite"))
    mirror = open_mirror(billing, f"sqlite:///{tmp / 'store.sqlite3'}")
    mirror.sync()
    settings = portal_settings(mirror, tmp, IBOK_PORTAL_DEVELOPMENT="true", **extra)
    return Site(create_app(settings), mirror, settings)


def defer_due_dates(mirror: Mirror) -> None:
    """The stand-in is built as of a fixed day (AS_OF), so on a later real day every unpaid invoice is
    overdue. As a clerk grants a deferral, the office moves the due date of one partly paid and one
    unpaid invoice two weeks past today (stamping the change), and the sync brings it over: every
    status the portal shows then has an invoice on any day the tests run."""
    deferred = today() + timedelta(days=14)
    with mirror.office() as office:
        rows = office.rows("SELECT f.ID_FAKT, r.ZAPLACONO FROM FAKTURY f JOIN ROZRACHUNKI r ON r.ID_FAKT = f.ID_FAKT"
                           " WHERE r.POZOSTALO > 0 AND COALESCE(f.ANULOWANA, 'N') <> 'T' AND f.BRUTTO > 0"
                           " ORDER BY f.ID_FAKT")
        partly = next(r[0] for r in rows if r[1] > 0)
        unpaid = next(r[0] for r in rows if r[1] == 0)
        for invoice_id in (partly, unpaid):
            office.update("FAKTURY", {"ID_FAKT": invoice_id}, {"TERMIN_PLATNOSCI": deferred, "DATA_MOD": office.now()})
        office.commit()
    mirror.sync()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site shared by this module's tests, which only read (each with its own login); its PDF archive
    is an empty directory of its own."""
    tmp = tmp_path_factory.mktemp("billing-pages")
    (tmp / "archive").mkdir()
    site = synced_site(tmp, IBOK_BILLING_PDF_ARCHIVE_DIR=str(tmp / "archive"))
    defer_due_dates(site.mirror)
    yield site
    site.mirror.source.close()
    site.mirror.store.dispose()


def query(site: Site, statement):
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(statement).all()


def today() -> date:
    return datetime.now(WARSAW).date()


# ----- a logged-in customer reading pages ------------------------------------------------------------
def customer_client(site: Site, email: str, *customer_ids: int) -> FlaskClient:
    """A client logged in (English pages) to a new login holding these customer accounts, the first chosen."""
    site.login_for(email, *customer_ids)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    answer = client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def choose(client: FlaskClient, customer_id: int) -> None:
    """Show the pages of another of the login's customer accounts."""
    answer = client.post("/account/customer", data={"csrf_token": csrf(client, "/"), "customer_id": customer_id})
    assert answer.status_code == 302


def page(client: FlaskClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


def all_pages(client: FlaskClient, path: str) -> list[str]:
    """The list at ``path`` and every further page, following its "next page" links."""
    bodies = [page(client, path)]
    while found := re.search(r'<a href="([^"]+)" rel="next">', bodies[-1]):
        bodies.append(page(client, html.unescape(found[1])))
    return bodies


def invoice_ids(bodies: list[str]) -> list[int]:
    return [int(i) for body in bodies for i in re.findall(r'<th scope="row"[^>]*><a href="/invoices/(\d+)">', body)]


def amount(text: str) -> Decimal:
    """An amount as the English pages show it ("-1,234.50 zł"; a balance "1,234.50 zł overpaid") back to
    a Decimal (an overpaid balance below zero, as billing keeps it)."""
    plain = html.unescape(text)
    sign = -1 if plain.endswith("overpaid") else 1
    for word in ("zł", "to pay", "overpaid", ","):
        plain = plain.replace(word, "")
    return sign * Decimal(plain.strip())


def comparable(body: str) -> str:
    """A page without what differs between any two requests: the CSRF token and the address asked for."""
    body = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', body)
    return re.sub(r'name="next" value="[^"]*"', 'name="next"', body)


# ----- the store's own answers -----------------------------------------------------------------------
def statuses(site: Site) -> dict[int, tuple[int, str, bool]]:
    """Every invoice: (customer, status as the portal defines it, correcting), by id."""
    i, s = invoices.c, settlements.c
    rows = query(site, select(i.id, i.customer_id, i.cancelled, i.correcting, i.gross, i.due_on, s.paid, s.remaining)
                 .outerjoin_from(invoices, settlements, s.invoice_id == i.id))
    day, found = today(), {}
    for invoice_id, customer_id, cancelled, correcting, gross, due_on, paid, remaining in rows:
        paid, remaining = (Decimal(0), gross) if remaining is None else (paid, remaining)
        status = ("cancelled" if cancelled else "correcting" if gross <= 0 else "paid" if remaining <= 0
                  else "overdue" if due_on < day else "partly_paid" if paid > 0 else "unpaid")
        found[invoice_id] = (customer_id, status, correcting)
    return found


def newest_first(site: Site, customer_id: int, *where) -> list[int]:
    i = invoices.c
    return [r[0] for r in query(site, select(i.id).where(and_(i.customer_id == customer_id, *where))
                                .order_by(i.issued_on.desc(), i.id.desc()))]


def busiest_customer(site: Site) -> int:
    i = invoices.c
    return query(site, select(i.customer_id).group_by(i.customer_id).order_by(func.count().desc()).limit(1))[0][0]


# ----- invoices ----------------------------------------------------------------------------------------
def test_the_invoice_list_shows_the_customers_own_invoices_newest_first_in_pages(shop: Site) -> None:
    busiest = busiest_customer(shop)
    expected = newest_first(shop, busiest)
    assert len(expected) > pages_size(), "the stand-in should give one customer more than one page"
    client = customer_client(shop, "lista@example.pl", busiest)
    bodies = all_pages(client, "/invoices")
    assert invoice_ids(bodies) == expected
    assert len(bodies) == -(-len(expected) // pages_size())
    assert f"Page 2 of {len(bodies)}" in bodies[1]
    assert f"Invoices found: {len(expected)}." in bodies[0]


def pages_size() -> int:
    from portal.customer.billing import INVOICES_PER_PAGE
    return INVOICES_PER_PAGE


def test_each_status_filter_lists_exactly_the_matching_invoices(shop: Site) -> None:
    known = statuses(shop)
    client = customer_client(shop, "statusy@example.pl", *sorted({c for c, _s, _k in known.values()}))
    checked = set()
    for status in pages.STATUSES:
        holders = sorted({c for c, s, correcting in known.values()
                          if (correcting if status == "correcting" else s == status)})
        if not holders:  # the stand-in may have none today (e.g. nothing unpaid and not yet due)
            continue
        choose(client, holders[0])
        bodies = all_pages(client, f"/invoices?status={status}")
        expected = [i for i in newest_first(shop, holders[0])
                    if (known[i][2] if status == "correcting" else known[i][1] == status)]
        assert invoice_ids(bodies) == expected != [], status
        assert f'<option selected value="{status}">' in bodies[0]
        badges = sum(b.count(f'class="status status-{status}"') for b in bodies)
        assert badges == len(expected) or status == "correcting", status  # a correction shows its payment's
        checked.add(status)
    assert checked >= {"paid", "partly_paid", "overdue", "cancelled", "correcting"}, checked


def test_an_unpaid_invoice_turns_overdue_the_day_after_it_is_due_on_the_portals_clock(shop: Site) -> None:
    """The portal's "today" is the one clock (config.clock): moved to the due date and a day past it,
    the same invoice is unpaid and then overdue, in the list, its filter and the dashboard's sum."""
    i, s = invoices.c, settlements.c
    invoice_id, customer_id, due_on = query(shop, select(i.id, i.customer_id, i.due_on)
                                            .join(settlements, s.invoice_id == i.id)
                                            .where(s.remaining > 0, s.paid == 0, i.gross > 0, i.cancelled.is_(False))
                                            .order_by(i.due_on.desc(), i.id))[0]
    for day, status in ((due_on, "unpaid"), (due_on + timedelta(days=1), "overdue")):
        noon = datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=WARSAW)
        with time_machine.travel(noon, tick=False):  # logged in on that day: a session lives for hours
            client = customer_client(shop, f"zegar-{status}@example.pl", customer_id)
            assert clock.today("Europe/Warsaw") == day
            listed = invoice_ids(all_pages(client, f"/invoices?status={status}"))
            assert invoice_id in listed, (day, status)
            other = "overdue" if status == "unpaid" else "unpaid"
            assert invoice_id not in invoice_ids(all_pages(client, f"/invoices?status={other}")), (day, other)
            assert f'class="status status-{status}"' in page(client, f"/invoices/{invoice_id}")


def test_the_period_filters_take_a_year_or_a_month_at_either_end(shop: Site) -> None:
    busiest = busiest_customer(shop)
    client = customer_client(shop, "okres@example.pl", busiest)
    i = invoices.c
    cases = {
        "from=2025-03&to=2025-08": (date(2025, 3, 1), date(2025, 8, 31)),
        "from=2026": (date(2026, 1, 1), date.max),
        "to=2025": (date.min, date(2025, 12, 31)),
        "from=02.2026&to=2026-02": (date(2026, 2, 1), date(2026, 2, 28)),
    }
    for params, (since, until) in cases.items():
        expected = newest_first(shop, busiest, i.issued_on >= since, i.issued_on <= until)
        assert expected, params
        assert invoice_ids(all_pages(client, f"/invoices?{params}")) == expected, params

    nothing = page(client, "/invoices?from=1999&to=1999")
    assert "No invoices match these filters." in nothing and invoice_ids([nothing]) == []
    wrong = page(client, "/invoices?from=March&status=paid")
    assert 'aria-invalid="true" id="from"' in wrong and "Enter a year (2025) or a month (2025-03)." in wrong
    known = statuses(shop)
    paid = [n for n in newest_first(shop, busiest) if known[n][1] == "paid"]
    assert invoice_ids(all_pages(client, "/invoices?from=March&status=paid")) == paid  # the valid filter still works
    backwards = page(client, "/invoices?from=2026&to=2025")
    assert "The end is before the start." in backwards
    everything = newest_first(shop, busiest)
    beyond = page(client, f"/invoices?page={10**20}")  # the last page
    assert invoice_ids([beyond]) == everything[-(len(everything) % pages_size() or pages_size()):]


def test_an_invoices_lines_add_up_to_its_totals(shop: Site) -> None:
    i, line = invoices.c, invoice_lines.c
    one_line_each = select(line.invoice_id).group_by(line.invoice_id).having(func.count() >= 3).limit(1)
    correction = select(i.id).where(and_(i.correcting.is_(True), i.cancelled.is_(False))).limit(1)
    chosen = [r[0] for r in query(shop, one_line_each)] + [r[0] for r in query(shop, correction)]
    owners = dict(query(shop, select(i.id, i.customer_id).where(i.id.in_(chosen))))
    client = customer_client(shop, "pozycje@example.pl", *sorted(set(owners.values())))
    for invoice_id in chosen:
        choose(client, owners[invoice_id])
        body = page(client, f"/invoices/{invoice_id}")
        lines = re.findall(r'<tr[^>]*class="line"[^>]*>(.*?)</tr>', body, re.S)
        stored = query(shop, select(line.net, line.vat, line.gross).where(line.invoice_id == invoice_id))
        assert len(lines) == len(stored) > 0
        total = re.search(r'<tr[^>]*class="total"[^>]*>(.*?)</tr>', body, re.S)[1]
        net, vat, gross = query(shop, select(i.net, i.vat, i.gross).where(i.id == invoice_id))[0]
        for column, expected in (("net", net), ("vat", vat), ("gross", gross)):
            shown = [amount(re.search(rf'class="num {column}"[^>]*>([^<]+)<', row)[1]) for row in lines]
            assert sum(shown) == amount(re.search(rf'class="num {column}"[^>]*>([^<]+)<', total)[1]) == expected, column


def test_a_correcting_invoice_and_the_corrected_one_link_to_each_other(shop: Site) -> None:
    i = invoices.c
    fixed, corrected, owner = query(shop, select(i.id, i.corrects_id, i.customer_id)
                                    .where(i.corrects_id.is_not(None)).limit(1))[0]
    client = customer_client(shop, "korekta@example.pl", owner)
    correction = page(client, f"/invoices/{fixed}")
    assert "Correcting invoice" in correction
    assert re.search(rf'<dt>Corrects invoice</dt>\s*<dd><a href="/invoices/{corrected}">', correction)
    original = page(client, f"/invoices/{corrected}")
    assert "Corrections of this invoice" in original and f'href="/invoices/{fixed}"' in original
    seller = query(shop, select(sellers.c.name).join_from(invoices, contracts, contracts.c.id == i.contract_id)
                   .join(sellers, sellers.c.id == contracts.c.seller_id).where(i.id == fixed))[0][0]
    assert html.escape(seller, quote=False) in correction


# ----- settlements -----------------------------------------------------------------------------------
def ledger_balances(body: str) -> list[Decimal]:
    """The running balances of a page of the settlements, newest first."""
    return [amount(b) for b in re.findall(r'class="num balance"[^>]*>([^<]+)<', body)]


def all_balances(client: FlaskClient, path: str) -> list[Decimal]:
    """The running balances of every page of the settlements at ``path``, newest first."""
    return [b for body in all_pages(client, path) for b in ledger_balances(body)]


def test_the_running_balance_ends_at_the_customers_balance(shop: Site) -> None:
    i, p, summary = invoices.c, payments.c, customer_summaries.c
    chosen = [r[0] for r in query(shop, select(summary.customer_id).order_by(summary.customer_id).limit(6))]
    client = customer_client(shop, "saldo@example.pl", *chosen)
    for customer in chosen:
        choose(client, customer)
        balances = all_balances(client, "/settlements")
        balance = query(shop, select(summary.balance).where(summary.customer_id == customer))[0][0]
        entries = (len(query(shop, select(i.id).where(and_(i.customer_id == customer, i.cancelled.is_(False)))))
                   + len(query(shop, select(p.id).where(p.customer_id == customer))))
        assert len(balances) == entries and balances[0] == balance, customer  # the newest entry first

    customer = chosen[1]
    choose(client, customer)

    def balance_between(since: date, until: date) -> Decimal:
        invoiced = query(shop, select(i.gross).where(and_(i.customer_id == customer, i.cancelled.is_(False),
                                                          i.issued_on >= since, i.issued_on <= until)))
        paid = query(shop, select(p.amount).where(and_(p.customer_id == customer, p.paid_on >= since,
                                                       p.paid_on <= until)))
        return sum((r[0] for r in invoiced), Decimal(0)) - sum((r[0] for r in paid), Decimal(0))

    for year in (2025, 2026):
        body = page(client, f"/settlements?year={year}")
        opening = balance_between(date.min, date(year - 1, 12, 31))
        balances = all_balances(client, f"/settlements?year={year}")
        assert balances[-1] == opening, year  # the opening balance's row, at the end of the last page
        assert balances[0] == opening + balance_between(date(year, 1, 1), date(year, 12, 31)), year
        assert f'<option selected value="{year}">' in body
    empty = page(client, "/settlements?year=1999")
    assert "No invoices or payments in 1999." in empty
    assert ledger_balances(page(client, "/settlements?year=0"))[0] == balance_between(date.min, date.max)  # all


# ----- contracts -------------------------------------------------------------------------------------
def test_the_contracts_page_shows_the_contracts_sellers_and_the_customers_data(shop: Site) -> None:
    c = contracts.c
    customer = query(shop, select(c.customer_id).group_by(c.customer_id).order_by(func.count().desc()).limit(1))[0][0]
    client = customer_client(shop, "umowy@example.pl", customer)
    body = html.unescape(page(client, "/contracts"))
    own = query(shop, select(c.number, c.services, sellers.c.bank_account)
                .join_from(contracts, sellers, sellers.c.id == c.seller_id).where(c.customer_id == customer))
    assert len(own) > 1
    labels = {"W": "water supply", "K": "sewage disposal", "WK": "water supply and sewage disposal"}
    for number, services, account in own:
        section = re.search(rf"Contract {re.escape(number)}.*?</section>", body, re.S)[0]
        shown = re.sub(r"<[^>]+>", "", section)  # the account in its groups of four, each a span
        assert f"<dd>{labels[services]}</dd>" in section and payment.grouped(payment.account_iban(account)) in shown
    assert sorted(re.findall(r'<h2 id="contract-\d+-h">Contract (\S+)', body)) == sorted(n for n, _s, _a in own)
    name, number = query(shop, select(customers.c.name, customers.c.number).where(customers.c.id == customer))[0]
    assert name in body and f"<dd>{number}</dd>" in body


# ----- the PDF archive ---------------------------------------------------------------------------------
def test_an_invoice_pdf_comes_from_the_archive_and_never_from_outside_it(site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    app = create_app(portal_settings(site.mirror, tmp_path, IBOK_BILLING_PDF_ARCHIVE_DIR=str(archive),
                                     IBOK_PORTAL_DEVELOPMENT="true"))
    archived = Site(app, site.mirror, app.extensions["ibok"].settings)
    i = invoices.c
    (first, first_pdf), (second, second_pdf) = query(site, select(i.id, i.pdf_path).where(and_(
        i.customer_id == site.customer_ids(1)[0], i.pdf_path.is_not(None))).order_by(i.id).limit(2))
    (archive / first_pdf).parent.mkdir(parents=True, exist_ok=True)
    (archive / first_pdf).write_bytes(b"%PDF-1.4\n% a stand-in invoice\n%%EOF\n")
    client = customer_client(archived, "pdf@example.pl", site.customer_ids(1)[0])

    assert f'href="/invoices/{first}/pdf"' in page(client, f"/invoices/{first}")
    with client.get(f"/invoices/{first}/pdf") as served:  # closes the file sent
        assert served.status_code == 200 and served.data.startswith(b"%PDF-1.4")
        assert served.mimetype == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/invoices/{second}/pdf").status_code == 404  # listed in billing, not in the archive

    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 not an invoice of this archive")
    for escape in ("../secret.pdf", str(tmp_path / "secret.pdf"), f"{Path(second_pdf).parent}/../../../secret.pdf"):
        with writer(site.mirror.store.engine).begin() as conn:
            conn.execute(update(invoices).where(i.id == second).values(pdf_path=escape))
        assert client.get(f"/invoices/{second}/pdf").status_code == 404, escape
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(update(invoices).where(i.id == second).values(pdf_path=None))
    assert "/pdf" not in page(client, f"/invoices/{second}")
    assert client.get(f"/invoices/{second}/pdf").status_code == 404

    without_archive = customer_client(site, "bez-archiwum@example.pl", site.customer_ids(1)[0])
    assert without_archive.get(f"/invoices/{first}/pdf").status_code == 404  # pdf_archive_dir not set


# ----- another customer's objects --------------------------------------------------------------------
def test_another_customers_invoice_pdf_and_readings_answer_like_missing_ones(shop: Site) -> None:
    mine, theirs = shop.customer_ids(2)
    i, m = invoices.c, meters.c
    archive = Path(shop.settings.billing.pdf_archive_dir)
    their_invoice, their_pdf = query(shop, select(i.id, i.pdf_path).where(and_(
        i.customer_id == theirs, i.pdf_path.is_not(None))).limit(1))[0]
    (archive / their_pdf).parent.mkdir(parents=True, exist_ok=True)
    (archive / their_pdf).write_bytes(b"%PDF-1.4\n% theirs\n")  # it exists: only ownership can refuse it
    missing = 1 + max(query(shop, select(func.max(i.id)))[0][0], query(shop, select(func.max(m.id)))[0][0])

    owner = customer_client(shop, "wlasciciel@example.pl", theirs)
    their_meter = int(re.search(r'href="/meters/(\d+)/readings"', page(owner, "/meters"))[1])
    with owner.get(f"/invoices/{their_invoice}/pdf") as served:
        assert served.status_code == 200
    assert owner.get(f"/meters/{their_meter}/readings").status_code == 200

    client = customer_client(shop, "ciekawski@example.pl", mine)
    for theirs_path, missing_path in ((f"/invoices/{their_invoice}", f"/invoices/{missing}"),
                                      (f"/invoices/{their_invoice}/pdf", f"/invoices/{missing}/pdf"),
                                      (f"/meters/{their_meter}/readings", f"/meters/{missing}/readings")):
        refused, absent = client.get(theirs_path), client.get(missing_path)
        assert refused.status_code == absent.status_code == 404, theirs_path
        assert comparable(refused.get_data(as_text=True)) == comparable(absent.get_data(as_text=True)), theirs_path


# ----- the same answers on PostgreSQL ----------------------------------------------------------------------
def test_the_billing_queries_answer_alike_on_postgresql(shop: Site, make_mirror) -> None:
    postgres = make_mirror("sqlite", "postgresql")
    postgres.sync()
    defer_due_dates(postgres)  # as the shop's
    day = today()
    with shop.mirror.store.engine.connect() as lite, postgres.store.engine.connect() as pg:
        for customer in shop.customer_ids(8):
            for chosen in (pages.InvoiceFilter(), pages.InvoiceFilter(date(2025, 1, 1), date(2025, 12, 31), "paid"),
                           pages.InvoiceFilter(status="overdue"), pages.InvoiceFilter(status="correcting")):
                assert (pages.invoice_page(lite, customer, day, chosen, 1, 24)
                        == pages.invoice_page(pg, customer, day, chosen, 1, 24)), (customer, chosen)
            for year in (None, 2025):
                assert pages.ledger(lite, customer, year) == pages.ledger(pg, customer, year), (customer, year)
            assert pages.contracts_of(lite, customer, day) == pages.contracts_of(pg, customer, day), customer
        for (invoice_id, customer) in query(shop, select(invoices.c.id, invoices.c.customer_id)
                                            .where(invoices.c.corrects_id.is_not(None))):
            found = pages.invoice(pg, customer, invoice_id, day)
            assert found == pages.invoice(lite, customer, invoice_id, day) and found["corrected"] is not None
            assert pages.invoice(pg, customer + 1, invoice_id, day) is None


# ----- in a browser ----------------------------------------------------------------------------------------
def test_the_billing_and_meter_pages_are_accessible_on_a_phone_and_a_desktop(site: Site,
                                                                           live: Callable[[str], str]) -> None:
    i, m, c = invoices.c, meters.c, contracts.c
    warned = {r[0] for r in query(site, select(c.customer_id).join_from(contracts, meters, m.point_id == c.point_id)
                                  .where(and_(m.dismounted_on.is_(None), c.ends_on.is_(None),
                                              m.legalization_valid_until <= today() + timedelta(days=90))))}
    kinds: dict[int, set[str]] = {}
    for owner, status, _correcting in statuses(site).values():
        kinds.setdefault(owner, set()).add(status)
    customer = max(sorted(warned), key=lambda w: len(kinds.get(w, ())))  # badges and warnings in sight
    site.login_for("oko@example.pl", customer)
    invoice_id = query(site, select(i.id).where(i.customer_id == customer).limit(1))[0][0]
    meter_id = query(site, select(m.id).join_from(meters, contracts, contracts.c.point_id == m.point_id)
                     .where(contracts.c.customer_id == customer).limit(1))[0][0]
    paths = ["/invoices", "/invoices?from=1999&to=1999&status=overdue", f"/invoices/{invoice_id}", "/settlements",
             "/contracts", "/meters", f"/meters/{meter_id}/readings"]
    with chromium() as browser:
        for viewport in VIEWPORTS:
            page_ = browser.new_page(viewport=VIEWPORTS[viewport], locale="pl-PL")
            page_.goto(live("/login"))
            page_.get_by_label("Adres e-mail").fill("oko@example.pl")
            page_.get_by_label("Hasło").fill(PASSWORD)
            page_.get_by_role("button", name="Zaloguj się").click()
            page_.wait_for_url(live("/"))
            for path in paths:
                page_.goto(live(path))
                assert page_.locator('link[href$="pages.css"]').count() == 1
                found = violations(page_)
                assert not found, f"{viewport} {path}: {found}"
                assert page_.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (viewport, path)
            page_.close()
