"""The outbox in the admin area: counts by state, dead letters first with their errors, retry and (confirmed)
cancel, each audited; e-mails given up, shown without their params and with the recipient masked, retried."""

from __future__ import annotations

from sqlalchemy import Table, select

from adapters.store.db import writer
from adapters.store.tables import audit_log, mail_outbox, outbox
from portal.admin.outbox_views import masked
from tests.portal.conftest import Site, log_in
from tests.portal.staff import csrf_of, operator_client
from tests.portal.sync_scene import REFUSED, dead_letter, dead_mail, first_customer


def _row(site: Site, table: Table, key: object) -> dict:
    with site.mirror.store.engine.connect() as conn:
        return dict(conn.execute(select(table).where(table.c.id == key)).mappings().one())


def _audit(site: Site) -> list[tuple]:
    """The outbox's entries (not the logins')."""
    with site.mirror.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.object,
                                                      audit_log.c.detail)
                                               .where(audit_log.c.action.in_(("outbox.retry", "outbox.cancel",
                                                                              "mail.retry")))
                                               .order_by(audit_log.c.id))]


def test_recipients_are_masked_to_their_first_letter_and_domain() -> None:
    assert masked("jan.kowalski@example.pl") == "j***@example.pl"
    assert masked("a@b.pl") == "a***@b.pl" and masked("no-at-sign") == "***"


def test_dead_letters_are_listed_first_with_their_error_and_a_retry_puts_one_back_in_the_queue(site: Site) -> None:
    key = dead_letter(site, "t1")
    waiting = dead_letter(site, "t2")
    with writer(site.mirror.store.engine).begin() as conn:  # the second one still waits for the relay
        conn.execute(outbox.update().where(outbox.c.id == waiting).values(state="pending", attempts=0))
    _, number = first_customer(site)
    client, admin_id = operator_client(site)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert page.index(key) < page.index(waiting)  # dead letters first, whatever their age
    assert REFUSED.replace("'", "&#39;") in page and f'href="/admin/customers/{number}"' in page
    assert f'action="/admin/outbox/{key}/retry"' in page and f'action="/admin/outbox/{waiting}/retry"' not in page
    only_dead = client.get("/admin/outbox?state=dead").get_data(as_text=True)
    assert key in only_dead and waiting not in only_dead

    done = client.post(f"/admin/outbox/{key}/retry", data={"csrf_token": csrf_of(client, "/admin/outbox")})
    assert done.headers["Location"] == "/admin/outbox"
    row = _row(site, outbox, key)
    assert (row["state"], row["attempts"]) == ("pending", 0)
    assert "is back in the queue" in client.get("/admin/outbox").get_data(as_text=True)
    assert _audit(site) == [(f"admin:{admin_id}", "outbox.retry", f"submission:{key}", f"customer:{number}")]

    again = client.post(f"/admin/outbox/{key}/retry", data={"csrf_token": csrf_of(client, "/admin/outbox")})
    assert again.status_code == 302
    assert "not a dead letter any more" in client.get("/admin/outbox").get_data(as_text=True)
    assert len(_audit(site)) == 1
    assert client.post("/admin/outbox/no-such-key/retry",
                       data={"csrf_token": csrf_of(client, "/admin/outbox")}).status_code == 404


def test_cancelling_a_dead_letter_asks_for_a_confirmation_first(site: Site) -> None:
    key = dead_letter(site)
    client, admin_id = operator_client(site)
    csrf = csrf_of(client, "/admin/outbox")
    confirm = client.get(f"/admin/outbox/{key}/cancel")
    assert confirm.status_code == 200 and "Yes, cancel the submission" in confirm.get_data(as_text=True)
    unconfirmed = client.post(f"/admin/outbox/{key}/cancel", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 200 and "Yes, cancel the submission" in unconfirmed.get_data(as_text=True)
    assert _row(site, outbox, key)["state"] == "dead" and _audit(site) == []

    done = client.post(f"/admin/outbox/{key}/cancel", data={"csrf_token": csrf, "confirm": "yes"})
    assert done.headers["Location"] == "/admin/outbox"
    assert _row(site, outbox, key)["state"] == "cancelled"
    assert [a[:3] for a in _audit(site)] == [(f"admin:{admin_id}", "outbox.cancel", f"submission:{key}")]
    assert "Only a dead letter can be cancelled" in client.get(f"/admin/outbox/{key}/cancel").get_data(as_text=True)
    assert client.post(f"/admin/outbox/{key}/retry", data={"csrf_token": csrf}).status_code == 302
    assert _row(site, outbox, key)["state"] == "cancelled"  # a cancelled one is never retried


def test_an_email_given_up_is_shown_without_its_params_masked_and_retried(site: Site) -> None:
    message_id = dead_mail(site, "jan.kowalski@example.pl")
    client, admin_id = operator_client(site)
    page = client.get("/admin/outbox").get_data(as_text=True)
    mail_part = page[page.index('id="mail"'):]
    assert "j***@example.pl" in mail_part and "550 mailbox unavailable" in mail_part and "confirm_email" in mail_part
    assert "jan.kowalski" not in page and "SECRET-TOKEN" not in page
    done = client.post(f"/admin/outbox/mail/{message_id}/retry", data={"csrf_token": csrf_of(client, "/admin/outbox")})
    assert done.headers["Location"] == "/admin/outbox#mail"
    row = _row(site, mail_outbox, message_id)
    assert (row["state"], row["attempts"]) == ("pending", 0)
    assert _audit(site) == [(f"admin:{admin_id}", "mail.retry", f"mail:{message_id}", None)]
    again = client.post(f"/admin/outbox/mail/{message_id}/retry", data={"csrf_token": csrf_of(client, "/admin/outbox")})
    assert again.status_code == 302 and len(_audit(site)) == 1


def test_without_csrf_or_as_a_customer_nothing_changes(site: Site) -> None:
    key, message_id = dead_letter(site), dead_mail(site)
    client, _ = operator_client(site)
    for path in (f"/admin/outbox/{key}/retry", f"/admin/outbox/{key}/cancel", f"/admin/outbox/mail/{message_id}/retry"):
        assert client.post(path, data={"confirm": "yes"}).status_code == 400, path
    [customer_id] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer_id)
    anna = site.client()
    assert log_in(anna, "anna@example.pl").status_code == 302
    assert anna.get("/admin/outbox").status_code == 403
    csrf = csrf_of(anna, "/")
    for path in (f"/admin/outbox/{key}/retry", f"/admin/outbox/{key}/cancel", f"/admin/outbox/mail/{message_id}/retry"):
        assert anna.post(path, data={"csrf_token": csrf, "confirm": "yes"}).status_code == 403, path
    assert _row(site, outbox, key)["state"] == "dead" and _row(site, mail_outbox, message_id)["state"] == "dead"
    assert _audit(site) == []
