"""Every page answers: a crawler follows every same-origin link (and GET form) of every page a customer
can reach, in Polish and in English, for each customer account of a login that holds several (a
company's contracts, sub-meters, overdue and overpaid accounts, announcements, forms, submissions),
and every page an anonymous visitor can reach; no answer is a server error, no internal link leads
nowhere (404), no page is left untranslated into a 500 by its catalogue."""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.store.content import announcements, downloads, terms
from adapters.store.db import writer
from adapters.store.tables import customer_summaries, invoices, meters
from sync.submissions import service
from sync.submissions.rules import ReadingEntry
from tests.portal.conftest import Site, csrf, log_in
from tests.portal.test_billing_pages import defer_due_dates, synced_site
from tests.writeback.harness import WriteBack

pytestmark = pytest.mark.integration

ORIGIN = "http://localhost"
PER_SHAPE = 6  # pages of one shape (an invoice's details, a list's page) visited per customer account
LEAVE = ("/logout", "/language", "/admin")  # POST only, or the staff's area (a login of its own)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Links(HTMLParser):
    """The addresses a page leads to: links, stylesheets, scripts, images, and GET forms sent with their
    fields as they are and with each other choice of each of their lists."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("a", "link") and a.get("href"):
            self.found.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.found.append(a["src"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "fields": {}, "choices": {}}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, None)
            self._form["choices"][self._select] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form["choices"][self._select].append(value)
            if "selected" in a or self._form["fields"][self._select] is None:
                self._form["fields"][self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            variants = [form["fields"]] + [{**form["fields"], name: choice} for name, choices in form["choices"].items()
                                           for choice in choices if choice != form["fields"][name]]
            for fields in variants:
                query = urlencode([(k, v) for k, v in fields.items() if v])
                self.found.append(f"{form['action']}?{query}" if query else str(form["action"]))


@dataclass
class Crawl:
    client: FlaskClient
    seen: set[str] = field(default_factory=set)
    shapes: Counter[str] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)
    pages: int = 0

    def run(self, *starts: str) -> None:
        queue = deque((start, "(start)") for start in starts)
        while queue:
            url, came_from = queue.popleft()
            if url in self.seen:
                continue
            self.seen.add(url)
            answer = self.client.get(url)
            self.pages += 1
            status, location, kind = answer.status_code, answer.headers.get("Location"), answer.mimetype
            body = answer.get_data(as_text=True) if kind == "text/html" else ""
            answer.close()  # a download's file is closed
            if status >= 500 or status in (400, 404):
                self.broken.append(f"{status} {url} (linked from {came_from})")
                continue
            if location is not None:
                target = _internal(location, url)
                if target is not None:
                    queue.append((target, url))
                continue
            parser = Links()
            parser.feed(body)
            for href in parser.found:
                target = _internal(href, url)
                if target is None or target in self.seen or target.startswith(LEAVE):
                    continue
                shape = _shape(target)
                if self.shapes[shape] >= PER_SHAPE:
                    continue
                self.shapes[shape] += 1
                queue.append((target, url))


def _internal(href: str, base: str) -> str | None:
    """The same-origin path and query an href leads to; None for another site, mailto:, tel:, data:."""
    absolute = urldefrag(urljoin(ORIGIN + base, href.strip()))[0]
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _shape(path: str) -> str:
    """A page's kind: its path with numbers as #, its query's names (an invoice, a page of a list)."""
    parts = urlsplit(path)
    names = ",".join(sorted({p.split("=")[0] for p in parts.query.split("&") if p}))
    return re.sub(r"\d+", "#", parts.path) + "?" + names


# ----- the scene ---------------------------------------------------------------------------------------
@dataclass
class Scene:
    site: Site
    email: str
    customer_ids: list[int]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    tmp = tmp_path_factory.mktemp("crawl")
    archive = tmp / "archive"
    archive.mkdir()
    site = synced_site(tmp, IBOK_BILLING_PDF_ARCHIVE_DIR=str(archive))
    defer_due_dates(site.mirror)  # unpaid, partly paid and overdue invoices on any day the suite runs
    engine = site.mirror.store.engine
    with engine.connect() as conn:
        busiest = conn.execute(select(invoices.c.customer_id).group_by(invoices.c.customer_id)
                               .order_by(func.count().desc()).limit(1)).scalar_one()
        overpaid = conn.execute(select(customer_summaries.c.customer_id).where(customer_summaries.c.balance < 0)
                                .order_by(customer_summaries.c.customer_id).limit(1)).scalar_one()
        owes = conn.execute(select(customer_summaries.c.customer_id).where(customer_summaries.c.balance > 0)
                            .order_by(customer_summaries.c.customer_id).limit(1)).scalar_one()
        for path in conn.execute(select(invoices.c.pdf_path).where(invoices.c.pdf_path.is_not(None))).scalars():
            (archive / path).parent.mkdir(parents=True, exist_ok=True)  # the archive billing points at
            (archive / path).write_bytes(PDF)
        metered = [c for c, _s, _m in WriteBack(site.mirror, site.mirror.billing.dsn).meters_held()]
        sub_metered = conn.execute(select(meters.c.point_id).where(~meters.c.main).limit(1)).scalar()
    ids = list(dict.fromkeys([busiest, overpaid, owes, metered[0]]))
    now = datetime.now(UTC)
    with writer(engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.\n\nDrugi akapit.", "Terms.\n\nSecond paragraph.",
                      at=now - timedelta(days=1))
        announcements.publish(conn, kind="outage", title_pl="Przerwa w dostawie wody", body_pl="Ul. Długa 5.",
                              title_en="Water supply interrupted", body_en="Długa 5.",
                              valid_from=now - timedelta(hours=1), valid_until=now + timedelta(days=2),
                              published_by="test")
        downloads.publish(conn, slug="reklamacja", title_pl="Reklamacja", title_en="Complaint", category="billing",
                          filename="reklamacja.pdf", content=PDF)
    email = "zarzadca@example.pl"
    site.login_for(email, *ids)
    ctx = service.Context(engine, "crawl")
    wb = WriteBack(site.mirror, site.mirror.billing.dsn)
    customer, serial, meter_id = wb.meters_held()[0]
    last = wb._last(customer, meter_id)
    assert service.submit_readings(ctx, customer, [ReadingEntry(serial, str(last + 3), None, True)], token="r1").ok
    assert service.send_message(ctx, ids[0], "INF", "Pytanie", "Kiedy kolejny odczyt?", token="m1").ok
    assert sub_metered is not None, "the data set has a sub-meter"
    yield Scene(site, email, ids)
    site.mirror.source.close()
    site.mirror.store.dispose()


def _customer_crawl(scene: Scene, lang: str) -> Crawl:
    client = scene.site.client()
    client.set_cookie("ibok_lang", lang)
    assert log_in(client, scene.email).status_code == 302
    crawl = Crawl(client)
    for customer_id in scene.customer_ids:
        chosen = client.post("/account/customer", data={"csrf_token": csrf(client, "/"), "customer_id": customer_id})
        assert chosen.status_code == 302
        crawl.seen.clear()  # every page again, as this customer account shows it
        crawl.shapes.clear()
        crawl.run("/")
    return crawl


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_page_a_customer_reaches_answers(scene: Scene, lang: str) -> None:
    started = time.monotonic()
    crawl = _customer_crawl(scene, lang)
    assert not crawl.broken, "\n".join(crawl.broken)
    reached = {re.sub(r"\?.*", "", s) for s in crawl.shapes}
    for page in ("/", "/invoices", "/invoices/#", "/invoices/#/pdf", "/settlements", "/analysis", "/analysis.csv",
                 "/meters", "/meters/#/readings", "/readings/submit", "/submissions", "/messages/new", "/contracts",
                 "/outages", "/account/e-invoice", "/account/contact", "/account/notifications", "/forms",
                 "/forms/reklamacja", "/account/password", "/account/customers/add", "/terms", "/accessibility"):
        assert page in reached or page in crawl.seen, f"the crawl never reached {page}: {sorted(reached)}"
    assert crawl.pages > 100
    assert time.monotonic() - started < 30, "the crawl must stay fast"


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_page_a_visitor_reaches_without_logging_in_answers(scene: Scene, lang: str) -> None:
    client = scene.site.client()
    client.set_cookie("ibok_lang", lang)
    crawl = Crawl(client)
    crawl.run("/login", "/register", "/password/forgot", "/terms", "/accessibility", "/forms")
    assert not crawl.broken, "\n".join(crawl.broken)
    assert {"/login", "/register", "/password/forgot", "/terms", "/accessibility", "/forms"} <= crawl.seen


def test_the_crawler_finds_a_broken_link_and_a_server_error_and_leaves_other_sites_alone() -> None:
    """The crawler itself: a link to nowhere and a page that fails are reported with where they were linked."""
    app = Flask(__name__)
    app.add_url_rule("/", "start", lambda: '<a href="/no-such-page">x</a> <a href="/fails#top">y</a>'
                                          ' <a href="https://example.com/">z</a> <a href="mailto:a@b.pl">m</a>'
                                          ' <form method="get" action="/list"><input name="page" value="2"></form>'
                                          ' <form method="post" action="/fails"></form>')
    app.add_url_rule("/fails", "fails", lambda: 1 / 0)
    app.add_url_rule("/list", "list", lambda: "ok" if request.args.get("page") == "2" else abort(400))
    crawl = Crawl(app.test_client())
    crawl.run("/")
    assert sorted(b.split(" (")[0] for b in crawl.broken) == ["404 /no-such-page", "500 /fails"]
    assert all("linked from /" in b for b in crawl.broken) and "/list?page=2" in crawl.seen
