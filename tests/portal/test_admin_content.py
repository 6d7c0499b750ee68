"""The administrators' content pages: announcements for districts or everyone (seen by the customers
there and nobody else), the forms library (a form uploaded is downloadable at /forms), and new terms of
service, accepted at the next login. Operators are refused every one; each change is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.tables import (
    announcements,
    audit_log,
    forms,
    terms_acceptances,
    terms_versions,
)
from tests.portal.conftest import Site, log_in
from tests.portal.content_scene import administrator, customer_client, two_districts
from tests.portal.staff import csrf_of

ZONE = ZoneInfo("Europe/Warsaw")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _today():
    return datetime.now(UTC).astimezone(ZONE).date()


def _count(site: Site, table) -> int:
    with site.mirror.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _audit(site: Site, action: str) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()]


def _audit_all(site: Site) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()]


def _notice(client: FlaskClient, **fields: object) -> object:
    now = datetime.now(UTC)
    data = {"csrf_token": csrf_of(client, "/admin/notices/new"), "kind": "outage",
            "title_pl": "Przerwa w dostawie wody", "body_pl": "Wymiana zasuwy na ul. Polnej.",
            "title_en": "", "body_en": "", "valid_from": _local(now - timedelta(minutes=5)),
            "valid_until": _local(now + timedelta(hours=6)), "audience": ["*"]}
    data.update(fields)
    return client.post("/admin/notices/new", data=data)


def test_an_operator_is_refused_every_content_page_and_action(site: Site) -> None:
    operator = administrator(site, "ola@wodociagi.test", "operator")
    csrf = csrf_of(operator, "/admin/")
    for path in ("/admin/notices", "/admin/notices/new", "/admin/forms", "/admin/terms"):
        assert operator.get(path).status_code == 403, path
    for path in ("/admin/notices/new", "/admin/notices/1/withdraw", "/admin/forms", "/admin/forms/wniosek/replace",
                 "/admin/forms/wniosek/withdraw", "/admin/terms"):
        assert operator.post(path, data={"csrf_token": csrf}).status_code == 403, path
    menu = operator.get("/admin/").get_data(as_text=True)
    assert "/admin/notices" not in menu and "/admin/forms" not in menu and "/admin/terms" not in menu
    assert _count(site, announcements) == _count(site, forms) == 0 and _count(site, terms_versions) == 0
    assert [e["action"] for e in _audit_all(site)] == ["admin.login"]  # nothing was done, nothing audited


def test_an_announcement_for_one_district_is_seen_there_and_not_elsewhere(site: Site) -> None:
    district, there, elsewhere = two_districts(site, _today())
    admin = administrator(site)
    anna, jan = customer_client(site, "anna@example.pl", there), customer_client(site, "jan@example.pl", elsewhere)
    assert "Announcements from the utility" not in anna.get("/").get_data(as_text=True)

    form = admin.get("/admin/notices/new").get_data(as_text=True)
    assert f'value="{district}"' in form and "Every customer" in form
    done = _notice(admin, audience=[district], title_en="Water supply interruption",
                   body_en="A valve is replaced in Polna Street.")
    assert done.status_code == 302 and done.headers["Location"] == "/admin/notices"
    listed = admin.get("/admin/notices").get_data(as_text=True)
    assert "Przerwa w dostawie wody" in listed and f"districts {district}" in listed

    for page in ("/", "/outages"):
        assert "Water supply interruption" in anna.get(page).get_data(as_text=True), page
        assert "Water supply interruption" not in jan.get(page).get_data(as_text=True), page
    assert "A valve is replaced in Polna Street." in anna.get("/outages").get_data(as_text=True)
    anna.set_cookie("ibok_lang", "pl")
    assert "Przerwa w dostawie wody" in anna.get("/").get_data(as_text=True)

    with site.mirror.store.engine.connect() as conn:
        announcement_id = conn.execute(select(announcements.c.id)).scalar_one()
    [entry] = _audit(site, "notice.publish")
    assert entry["object"] == f"announcement:{announcement_id}" and district in entry["detail"]
    gone = admin.post(f"/admin/notices/{announcement_id}/withdraw",
                      data={"csrf_token": csrf_of(admin, "/admin/notices")})
    assert gone.status_code == 302 and len(_audit(site, "notice.withdraw")) == 1
    assert "Przerwa w dostawie wody" not in anna.get("/").get_data(as_text=True)
    assert "withdrawn" in admin.get("/admin/notices").get_data(as_text=True)

    assert _notice(admin, kind="info", title_pl="Nowe godziny kasy").status_code == 302  # for everyone
    assert "Nowe godziny kasy" in jan.get("/").get_data(as_text=True)  # no English: shown in Polish


def test_a_planned_announcement_is_listed_as_planned_and_not_shown_yet(site: Site) -> None:
    district, there, _ = two_districts(site, _today())
    admin = administrator(site)
    later = datetime.now(UTC) + timedelta(days=2)
    assert _notice(admin, audience=[district], valid_from=_local(later),
                   valid_until=_local(later + timedelta(hours=3))).status_code == 302
    page = admin.get("/admin/notices").get_data(as_text=True)
    assert page.index("Przerwa w dostawie wody") > page.index("Planned")
    anna = customer_client(site, "anna@example.pl", there)
    assert "Przerwa w dostawie wody" not in anna.get("/outages").get_data(as_text=True)


def test_an_announcement_with_wrong_dates_texts_or_districts_is_refused_and_nothing_changes(site: Site) -> None:
    admin = administrator(site)
    now = datetime.now(UTC)
    cases = [
        ({"valid_until": _local(now - timedelta(hours=1))}, "The end must come after the start."),
        ({"valid_from": _local(now - timedelta(days=2)), "valid_until": _local(now - timedelta(days=1))},
         "The end has passed already"),
        ({"valid_until": ""}, "Give the day and hour the announcement ends."),
        ({"valid_from": "tomorrow"}, "Not a valid datetime value"),
        ({"title_pl": "  "}, "Give the title in Polish."),
        ({"body_pl": ""}, "Give the text in Polish."),
        ({"title_en": "Interruption"}, "Give both the English title and text, or neither."),
        ({"audience": []}, "Choose the districts, or every customer."),
        ({"audience": ["ZZZ"]}, "Choose districts from the list"),
    ]
    for fields, message in cases:
        answer = _notice(admin, **fields)
        assert answer.status_code == 400, fields
        assert message in answer.get_data(as_text=True), fields
    district = two_districts(site, _today())[0]
    mixed = _notice(admin, audience=["*", district])
    assert "either every customer or districts" in mixed.get_data(as_text=True)
    assert _count(site, announcements) == 0 and _audit(site, "notice.publish") == []


def _upload(client: FlaskClient, name: str = "wniosek.pdf", content: bytes = PDF, **fields: str) -> object:
    data = {"csrf_token": csrf_of(client, "/admin/forms"), "slug": "wniosek-o-przylacze",
            "title_pl": "Wniosek o przyłączenie", "title_en": "Connection application", "description_pl": "",
            "description_en": "", "category": "connection", "file": FileStorage(BytesIO(content), name)}
    data.update(fields)
    return _multipart(client, "/admin/forms", data)


def _multipart(client: FlaskClient, path: str, data: dict) -> object:
    """A multipart POST encoded in memory (the test client spools a large body to a file it never closes)."""
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_form_uploaded_by_an_administrator_is_downloadable_at_forms_until_withdrawn(site: Site) -> None:
    admin = administrator(site)
    big = PDF + b"%" + b"x" * (3 * 1024 * 1024)  # more than the 2 MB other requests may have
    done = _upload(admin, content=big)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/forms"
    customer = site.client()
    customer.set_cookie("ibok_lang", "en")
    assert "Connection application" in customer.get("/forms").get_data(as_text=True)
    file = customer.get("/forms/wniosek-o-przylacze")
    assert file.status_code == 200 and file.data == big and "wniosek.pdf" in file.headers["Content-Disposition"]
    [entry] = _audit(site, "form.publish")
    assert entry["object"] == "form:wniosek-o-przylacze"

    replaced = _multipart(admin, "/admin/forms/wniosek-o-przylacze/replace",
                          {"csrf_token": csrf_of(admin, "/admin/forms"),
                           "v-wniosek-o-przylacze-file": FileStorage(BytesIO(PDF), "wniosek-2.pdf")})
    assert replaced.status_code == 302 and len(_audit(site, "form.new_version")) == 1
    assert customer.get("/forms/wniosek-o-przylacze").data == PDF
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(forms.c.title_en, forms.c.filename)).one() == ("Connection application",
                                                                                   "wniosek-2.pdf")

    assert admin.post("/admin/forms/wniosek-o-przylacze/withdraw",
                      data={"csrf_token": csrf_of(admin, "/admin/forms")}).status_code == 302
    assert customer.get("/forms/wniosek-o-przylacze").status_code == 404
    assert len(_audit(site, "form.withdraw")) == 1
    assert "withdrawn" in admin.get("/admin/forms").get_data(as_text=True)


def test_a_form_that_is_not_what_it_says_or_lacks_its_titles_is_refused_and_nothing_changes(site: Site) -> None:
    admin = administrator(site)
    cases = [
        ({"name": "wniosek.pdf", "content": b"MZ\x90\x00 not a pdf"}, "content is not PDF"),
        ({"name": "wniosek.exe", "content": PDF}, "A form must be a PDF, ODT or DOCX file."),
        ({"name": "wniosek.pdf", "content": PDF, "slug": "Wniosek Ą"}, "Use lower-case letters"),
        ({"name": "wniosek.pdf", "content": PDF, "title_en": ""}, "Give the title in English."),
        ({"name": "wniosek.pdf", "content": PDF, "description_pl": "Opis"}, "in both languages"),
    ]
    for fields, message in cases:
        answer = _upload(admin, **fields)
        assert answer.status_code == 400, fields
        assert message in answer.get_data(as_text=True), fields
    assert _count(site, forms) == 0
    assert _upload(admin).status_code == 302
    taken = _upload(admin, title_pl="Inny")
    assert taken.status_code == 400 and "A form has this address already" in taken.get_data(as_text=True)
    assert _count(site, forms) == 1 and len(_audit(site, "form.publish")) == 1
    # Elsewhere the 2 MB limit stands: a large body to the login page is refused unread.
    assert site.client().post("/login", data=b"x=" + b"y" * (3 * 1024 * 1024),
                              content_type="application/x-www-form-urlencoded").status_code == 413


def test_a_new_terms_version_is_accepted_at_the_next_login(site: Site) -> None:
    with writer(site.mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.", at=datetime.now(UTC) - timedelta(days=30))
    customer_id = site.customer_ids(1)[0]
    account_id = site.login_for("anna@example.pl", customer_id)
    with writer(site.mirror.store.engine).begin() as conn:
        terms.accept(conn, account_id, "2026-11")
    admin = administrator(site)
    page = admin.get("/admin/terms").get_data(as_text=True)
    assert "2026-11" in page
    csrf = csrf_of(admin, "/admin/terms")
    empty = admin.post("/admin/terms", data={"csrf_token": csrf, "version": "2026-12", "body_pl": "", "body_en": ""})
    assert empty.status_code == 400 and "Give the text in Polish." in empty.get_data(as_text=True)
    again = admin.post("/admin/terms", data={"csrf_token": csrf, "version": "2026-11", "body_pl": "A", "body_en": "B"})
    assert again.status_code == 400 and "exists already" in again.get_data(as_text=True)
    assert _count(site, terms_versions) == 1
    done = admin.post("/admin/terms", data={"csrf_token": csrf, "version": "2026-12",
                                            "body_pl": "Nowy regulamin.\n\nDrugi akapit.",
                                            "body_en": "New terms.\n\nSecond paragraph."})
    assert done.status_code == 302 and len(_audit(site, "terms.publish")) == 1

    anna = site.client()
    anna.set_cookie("ibok_lang", "en")
    assert log_in(anna, "anna@example.pl").status_code == 302
    for path in ("/", "/invoices", "/outages"):
        assert anna.get(path).headers["Location"].startswith("/account/terms?next="), path
    asked = anna.get("/account/terms?next=/invoices").get_data(as_text=True)
    assert "New terms." in asked and "Second paragraph." in asked and "2026-12" in asked
    csrf = csrf_of(anna, "/account/terms")
    assert anna.post("/account/terms?next=/invoices", data={"version": "2026-12"}).status_code == 400  # no CSRF
    accepted = anna.post("/account/terms?next=/invoices", data={"csrf_token": csrf, "version": "2026-12"})
    assert accepted.headers["Location"] == "/invoices"
    assert anna.get("/").status_code == 200
    with site.mirror.store.engine.connect() as conn:
        assert set(conn.execute(select(terms_acceptances.c.version).where(
            terms_acceptances.c.account_id == account_id)).scalars()) == {"2026-11", "2026-12"}

    again = site.client()
    assert log_in(again, "anna@example.pl").status_code == 302
    assert again.get("/").status_code == 200  # accepted once: never asked again


def test_billings_outages_are_listed_beside_the_announcements_read_only(site: Site) -> None:
    with site.mirror.office() as office:
        district = office.one("SELECT MIN(REJON) FROM PUNKTY")[0]
        # Stamped on the office's (test) clock, for the sync; going on now on the real one, which the page
        # lists by (billing keeps local time in Warsaw).
        outage_id, stamp = office.next_ids("ID_AWARII"), office.now()
        now = datetime.now(ZoneInfo("Europe/Warsaw")).replace(tzinfo=None, microsecond=0)
        office.insert("AWARIE", {"ID_AWARII": outage_id, "REJON": district, "OD": now - timedelta(hours=1),
                                 "DO": now + timedelta(hours=6), "OPIS": "Awaria magistrali na ul. Lipowej.",
                                 "DATA_MOD": stamp})
        office.commit()
    site.mirror.sync()
    page = administrator(site).get("/admin/notices").get_data(as_text=True)
    listed = page[page.index('id="billing-outages"'):]
    assert "Awaria magistrali na ul. Lipowej." in listed and f"<td>{district.strip()}</td>" in listed
    assert "withdraw" not in listed.lower()  # billing's own: changed there, not here
