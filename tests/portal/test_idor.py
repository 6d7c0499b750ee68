"""Acceptance: every object is looked up through the logged-in customer's own accounts; another
customer's invoice, invoice PDF, meter, readings, service point or customer account answers exactly
like one that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.store.tables import contracts, invoices, meters
from portal.app import create_app
from tests.portal.conftest import PASSWORD, Site, csrf, portal_settings

MISSING = 2_000_000_000




def _body(response) -> str:
    """The page without what differs by request anyway (the URL in the language form, tokens)."""
    text = response.get_data(as_text=True)
    return re.sub(r'name="(next|csrf_token)" value="[^"]*"', "", text)


def _objects(site: Site, customer_id: int) -> dict[str, int]:
    with site.mirror.store.engine.connect() as conn:
        point = conn.execute(select(contracts.c.point_id).where(contracts.c.customer_id == customer_id)
                             .order_by(contracts.c.id)).scalars().first()
        return {
            "invoice": conn.execute(select(invoices.c.id).where(invoices.c.customer_id == customer_id)
                                    .order_by(invoices.c.id)).scalars().first(),
            "pdf_invoice": conn.execute(select(invoices.c.id).where(
                (invoices.c.customer_id == customer_id) & invoices.c.pdf_path.is_not(None))
                .order_by(invoices.c.id)).scalars().first(),
            "meter": conn.execute(select(meters.c.id).where(meters.c.point_id == point)).scalars().first(),
            "point": point,
            "customer": customer_id,
        }


def _paths(ids: dict[str, int]) -> list[tuple[str, str]]:
    return [("GET", f"/invoices/{ids['invoice']}"), ("GET", f"/invoices/{ids['pdf_invoice']}/pdf"),
            ("GET", f"/meters/{ids['meter']}/readings"), ("GET", f"/analysis?scope={ids['meter']}"),
            ("GET", f"/analysis.csv?scope={ids['meter']}"), ("GET", f"/readings/submit?point={ids['point']}"),
            ("POST", "/account/customer")]


def _ask(client: FlaskClient, method: str, path: str, ids: dict[str, int]):
    if method == "POST":
        return client.post(path, data={"csrf_token": csrf(client, "/"), "customer_id": ids["customer"]})
    return client.get(path)


def test_no_object_of_another_customer_can_be_reached_and_none_is_told_apart_from_a_missing_one(
        make_mirror, tmp_path: Path) -> None:
    mirror = make_mirror("sqlite", "sqlite")
    mirror.sync()
    archive = tmp_path / "pdf"
    site = Site(create_app(portal_settings(mirror, tmp_path, IBOK_PORTAL_DEVELOPMENT="true",
                                           IBOK_BILLING_PDF_ARCHIVE_DIR=str(archive))), mirror, None)  # type: ignore[arg-type]
    mine, theirs = site.customer_ids(2)
    mine_ids, their_ids = _objects(site, mine), _objects(site, theirs)
    assert None not in their_ids.values(), their_ids
    with site.mirror.store.engine.connect() as conn:  # their PDF exists in the archive
        path = conn.execute(select(invoices.c.pdf_path).where(invoices.c.id == their_ids["pdf_invoice"])).scalar()
    (archive / path).parent.mkdir(parents=True, exist_ok=True)
    (archive / path).write_bytes(b"%PDF-1.4 their invoice")
    site.login_for("anna@example.pl", mine)
    client = site.client()
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": "anna@example.pl",
                                "password": PASSWORD})
    missing_ids = {k: MISSING for k in their_ids}

    for (method, theirs_path), (_, missing_path) in zip(_paths(their_ids), _paths(missing_ids), strict=False):
        foreign = _ask(client, method, theirs_path, their_ids)
        absent = _ask(client, method, missing_path, missing_ids)
        assert foreign.status_code == absent.status_code == 404, (theirs_path, foreign.status_code)
        assert _body(foreign) == _body(absent), theirs_path
        assert b"their invoice" not in foreign.get_data()

    for method, own_path in _paths(mine_ids)[:-1]:  # and the customer's own objects are there
        if "pdf" in own_path:
            continue
        assert _ask(client, method, own_path, mine_ids).status_code == 200, own_path
