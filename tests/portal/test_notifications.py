"""Customer notifications end to end: billing changes, sync, the notifier, the mailer, a real SMTP server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.logins import preferences
from adapters.store.outbox import notifications
from adapters.store.tables import mail_outbox
from tests.portal.conftest import Site
from tests.portal.mailbox import Mailbox, free_port, mailbox
from tests.portal.notify_scene import (
    EMAIL,
    START,
    Scene,
    open_scene,
    subject,
    unsubscribe_path,
)

TODAY = date(2026, 11, 22)  # billing's day in the scene


@pytest.fixture
def scene(site: Site, box: Mailbox) -> Scene:
    """The scene, with the reminders of the first run already delivered: later mails are news."""
    scene = open_scene(site)
    scene.deliver(box)
    box.messages.clear()
    return scene


def _subjects(box: Mailbox) -> list[str]:
    return sorted(subject(m) for m in box.to(EMAIL))


def _again_nothing(scene: Scene, box: Mailbox) -> None:
    """A second run of the same sync and notifier sends nothing new."""
    scene.site.mirror.sync()
    assert scene.notify().total == 0
    assert scene.deliver(box).sent == 0


def test_a_new_login_is_not_told_of_history_only_of_what_is_due_or_current(site: Site) -> None:
    scene = open_scene(site)
    with scene.engine.connect() as conn:
        events = list(conn.execute(select(mail_outbox.c.event)).scalars())
        recent = [r for r in notifications.issued_invoices(conn, TODAY - timedelta(days=30))
                  if r["customer_id"] == scene.customer_id]
    assert recent  # the customer has a recent invoice, from before the login was linked: not news
    assert {e.split(":")[0] for e in events} <= {"due", "overdue", "outage", "legalization"}
    assert scene.notify(START).total == 0


def test_an_invoice_just_past_its_due_date_waits_for_the_grace_days(scene: Scene) -> None:
    scene.issue_invoice(TODAY - timedelta(days=20), TODAY - timedelta(days=2))  # paid on the day? give it time
    assert scene.notify().total == 0


def test_a_new_invoice_due_in_two_days_sends_the_invoice_and_the_reminder_once(scene: Scene, box: Mailbox) -> None:
    number = scene.issue_invoice(TODAY, TODAY + timedelta(days=2))
    assert scene.notify().queued == {"invoice": 1, "due": 1}
    assert scene.deliver(box).sent == 2
    assert _subjects(box) == [f"Invoice {number} is due on Nov 24, 2026", f"New invoice {number}"]
    for message in box.to(EMAIL):
        assert "123.45\xa0zł" in box.text(message)
        assert "http://portal.test/invoices/" in box.text(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"] == f"<http://portal.test{unsubscribe_path(box, message)}/one-click>"
    _again_nothing(scene, box)


def test_an_unpaid_invoice_past_its_due_date_sends_one_overdue_reminder(scene: Scene, box: Mailbox) -> None:
    number = scene.issue_invoice(TODAY - timedelta(days=20), TODAY - timedelta(days=5))
    assert scene.notify().queued == {"overdue": 1}  # issued before the login was linked: not news
    scene.deliver(box)
    assert _subjects(box) == [f"Invoice {number} is overdue"]
    _again_nothing(scene, box)


def test_an_outage_in_the_customers_district_is_told_once(scene: Scene, box: Mailbox) -> None:
    scene.register_outage()
    assert scene.notify().queued == {"outage": 1}
    scene.deliver(box)
    [message] = box.to(EMAIL)
    assert subject(message) == "Water supply outage in your area"
    assert "Awaria sieci na ul. Polnej." in box.text(message) and "http://portal.test/outages" in box.text(message)
    _again_nothing(scene, box)


def test_an_outage_on_the_customers_street_filed_under_another_district_is_told(scene: Scene, box: Mailbox) -> None:
    district, street, town = scene.home()
    elsewhere = "R99" if district != "R99" else "R98"  # a district none of the customer's points is in
    scene.register_outage(elsewhere, "Brak wody: ul. Polna 1-3 w Wiosce Obok.")  # not theirs: nothing
    assert scene.notify().queued == {}
    scene.register_outage(elsewhere, f"Brak wody od 8:00: ul. {street} ({town}).")
    assert scene.notify().queued == {"outage": 1}
    scene.deliver(box)
    [message] = box.to(EMAIL)
    assert f"ul. {street} ({town})" in box.text(message)
    _again_nothing(scene, box)


def test_a_legalization_ending_within_90_days_is_told_once_per_date(scene: Scene, box: Mailbox) -> None:
    scene.legalization_ends(TODAY + timedelta(days=30))
    assert scene.notify().queued == {"legalization": 1}
    scene.deliver(box)
    assert _subjects(box) == [f"The legalization of meter {scene.serial} ends on Dec 22, 2026"]
    _again_nothing(scene, box)
    scene.legalization_ends(TODAY + timedelta(days=400))  # re-verified: nothing to tell
    assert scene.notify().total == 0


def test_a_reading_accepted_or_rejected_is_told_once(scene: Scene, box: Mailbox) -> None:
    scene.wb.reading(scene.customer_id, scene.serial, scene.meter_id)
    scene.office_works()
    assert scene.notify().queued == {"reading": 1}
    scene.deliver(box)
    [said] = _subjects(box)
    assert said in {f"Your reading of meter {scene.serial} was accepted",
                    f"Your reading of meter {scene.serial} was rejected"}
    _again_nothing(scene, box)


def test_each_stage_of_a_case_and_the_reply_to_a_message_are_told_once(scene: Scene, box: Mailbox) -> None:
    scene.wb.message(scene.customer_id)
    scene.office_works()  # registered: a case number and its first stage
    assert scene.notify().queued == {"case": 1}
    scene.deliver(box)
    [first] = _subjects(box)
    assert first.startswith("Case EBOK/2026/") and first.endswith(": Zarejestrowano zgłoszenie")
    scene.office_works()
    scene.office_works()  # closed, with an answer
    assert scene.notify().queued == {"case": 3, "reply": 1}
    scene.deliver(box)
    replies = [m for m in box.to(EMAIL) if subject(m).startswith("Reply to your message: case EBOK/2026/")]
    assert len(replies) == 1 and "Dziękujemy za zgłoszenie." in box.text(replies[0])
    assert len(box.to(EMAIL)) == 5
    _again_nothing(scene, box)


def test_a_kind_turned_off_is_not_sent_and_the_others_still_are(scene: Scene, box: Mailbox) -> None:
    with writer(scene.engine).begin() as conn:
        preferences.save(conn, scene.account_id, {"invoice": False})
    number = scene.issue_invoice(TODAY, TODAY + timedelta(days=2))
    assert scene.notify().queued == {"due": 1}
    scene.deliver(box)
    assert _subjects(box) == [f"Invoice {number} is due on Nov 24, 2026"]


def test_notifications_wait_while_the_smtp_server_is_down_and_go_once_when_it_is_back(scene: Scene) -> None:
    scene.register_outage()
    assert scene.notify().total == 1
    port = free_port()
    with mailbox(port) as down_box:
        pass  # started and stopped: nothing listens on the port now
    from sync.mailer import send_due
    from tests.portal.notify_scene import BASE
    assert send_due(scene.engine, down_box.sender(), base_url=BASE).retried == 1
    with scene.engine.connect() as conn:
        assert conn.execute(select(mail_outbox.c.state).where(mail_outbox.c.event.like("outage:%"))
                            ).scalars().all() == ["pending"]
    assert scene.notify().total == 0  # queued already: not queued twice
    scene.retry_now()
    with mailbox(port) as box:
        assert scene.deliver(box).sent == 1
        assert scene.deliver(box).sent == 0
        assert _subjects(box) == ["Water supply outage in your area"]


def test_polish_logins_get_polish_amounts_and_dates(site: Site, box: Mailbox) -> None:
    scene = open_scene(site, locale="pl")
    scene.deliver(box)
    box.messages.clear()
    scene.issue_invoice(TODAY, TODAY + timedelta(days=2))
    scene.notify()
    scene.deliver(box)
    texts = [box.text(m) for m in box.to(EMAIL)]
    assert len(texts) == 2 and all("123,45\xa0zł" in t and "24.11.2026" in t for t in texts)


def test_ibok_mail_notify_queues_once_and_needs_the_secret_key(site: Site, tmp_path) -> None:
    from click.testing import CliRunner

    from config.cli import ibok
    from config.logs import reset_logging
    from config.settings import SETTINGS
    from tests.portal.conftest import SECRET

    env: dict[str, str | None] = {s.env: None for s in SETTINGS}
    env.update(IBOK_CONFIG=None, IBOK_STORE_URL=site.mirror.store_url, IBOK_PATHS_DATA_DIR=str(tmp_path))
    try:
        refused = CliRunner().invoke(ibok, ["--log-level", "WARNING", "mail", "notify"], env=env)
        assert refused.exit_code == 2 and "portal.secret_key" in refused.stderr
        env["IBOK_PORTAL_SECRET_KEY"] = SECRET
        first = CliRunner().invoke(ibok, ["--log-level", "WARNING", "mail", "notify"], env=env)
        again = CliRunner().invoke(ibok, ["--log-level", "WARNING", "mail", "notify"], env=env)
    finally:
        reset_logging()
    assert first.exit_code == 0 and first.stdout.startswith("queued "), first.output
    assert again.exit_code == 0 and again.stdout.strip() == "queued 0: nothing new"
