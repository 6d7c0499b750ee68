"""Money and the balance read the same on every page: an amount written one way per language
("3 807,83 zł", "3,807.83 zł"), and a balance as an amount without a sign and what it means ("to pay",
"overpaid") on the dashboard, the settlements and the staff's view of the customer alike; the
accessibility statement answers in both languages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.store.tables import customer_summaries, customers
from sync.formats import pln
from tests.portal.conftest import Site, csrf, log_in
from tests.portal.staff import operator_client
from tests.portal.test_billing_pages import synced_site

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = synced_site(tmp_path_factory.mktemp("balance-words"))
    yield site
    site.mirror.source.close()
    site.mirror.store.dispose()


def _balances(site: Site) -> dict[str, tuple[int, str, Decimal]]:
    """One customer who owes, one who overpaid: (id, number, balance) each."""
    with site.mirror.store.engine.connect() as conn:
        rows = conn.execute(select(customers.c.id, customers.c.number, customer_summaries.c.balance)
                            .join(customer_summaries, customer_summaries.c.customer_id == customers.c.id)
                            .order_by(customers.c.id)).all()
    owes = next(r for r in rows if r.balance > 0)
    overpaid = next(r for r in rows if r.balance < 0)
    return {"owes": tuple(owes), "overpaid": tuple(overpaid)}  # type: ignore[dict-item]


def _text(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\xa0", " ")


def _client(site: Site, email: str, customer_id: int, lang: str) -> object:
    site.login_for(email, customer_id)
    client = site.client()
    client.set_cookie("ibok_lang", lang)
    assert log_in(client, email).status_code == 302
    return client


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_balance_reads_the_same_on_the_dashboard_the_settlements_and_the_staffs_page(shop: Site,
                                                                                          lang: str) -> None:
    words = {"en": {"owes": "to pay", "overpaid": "overpaid"}, "pl": {"owes": "do zapłaty", "overpaid": "nadpłat"}}
    staff, _ = operator_client(shop, f"ola-{lang}@wodociagi.test")
    staff.set_cookie("ibok_lang", lang)
    for kind, (customer_id, number, balance) in _balances(shop).items():
        client = _client(shop, f"{kind}-{lang}@example.pl", customer_id, lang)
        amount = pln(abs(balance), lang).replace("\xa0", " ")
        pages = {"dashboard": _text(client.get("/").get_data(as_text=True)),
                 "settlements": _text(client.get("/settlements?year=0").get_data(as_text=True)),
                 "staff": _text(staff.get(f"/admin/customers/{number}").get_data(as_text=True))}
        for name, text in pages.items():
            assert amount in text, (kind, name, amount)
            assert words[lang][kind] in text.split(amount, 1)[1][:40], (kind, name)  # the meaning next to it
            assert f"-{amount}" not in text and f"+{amount}" not in text, (kind, name)  # never a sign
        assert "PLN" not in "".join(pages.values())


def test_amounts_are_written_one_way_per_language_headings_included(shop: Site) -> None:
    customer_id = _balances(shop)["owes"][0]
    for lang, pattern in (("en", r"\d,\d{3}\.\d{2} zł|\d\.\d{2} zł"), ("pl", r"\d,\d{2} zł")):
        client = _client(shop, f"money-{lang}@example.pl", customer_id, lang)
        for path in ("/", "/invoices", "/settlements?year=0", "/analysis?measure=charges"):
            text = _text(client.get(path).get_data(as_text=True))
            assert "PLN" not in text, (lang, path)
            if path != "/analysis?measure=charges":
                assert re.search(pattern, text), (lang, path)
        analysis = _text(client.get("/analysis?measure=charges").get_data(as_text=True))
        assert ("Charges (zł)" if lang == "en" else "(zł)") in analysis


@pytest.mark.parametrize(("lang", "heading", "sentence"), [
    ("en", "Accessibility statement", "Text can be enlarged to 200% without losing content"),
    ("pl", "Deklaracja dostępności", "Tekst można powiększyć do 200% bez utraty treści"),
])
def test_the_accessibility_statement_answers_in_both_languages(shop: Site, lang: str, heading: str,
                                                               sentence: str) -> None:
    client = shop.client()
    client.set_cookie("ibok_lang", lang)
    page = client.get("/accessibility")
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200 and heading in text and sentence in text and "%%" not in text
    assert csrf(client, "/accessibility")  # the footer's language button works there too
