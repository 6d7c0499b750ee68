"""The e-mails about an invoice carry how to pay it: recipient, account in groups, title, amount, due date.

Billing's office issues the invoice, the sync brings it over, the notifier queues the e-mail and the
mailer sends it to a real (local) SMTP server; both parts of the message are read back.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from email.message import Message

import pytest
from sqlalchemy import select

from adapters.billing import payment
from adapters.store.tables import customers
from tests.portal.conftest import Site
from tests.portal.mailbox import Mailbox
from tests.portal.notify_scene import EMAIL, Scene, open_scene, subject

TODAY = date(2026, 11, 22)  # billing's day in the scene
ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"  # the stand-in's main seller (PL61109010140000071219812874)


def _scene(site: Site, box: Mailbox, locale: str) -> Scene:
    """The scene with the reminders of its first run delivered: what comes next is news."""
    scene = open_scene(site, locale)
    scene.deliver(box)
    box.messages.clear()
    return scene


def _html(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _shown(message: Message) -> str:
    """The HTML part as a reader sees it: tags gone, entities read, spaces as one."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", _html(message))))


def _customer_number(scene: Scene) -> str:
    with scene.engine.connect() as conn:
        return conn.execute(select(customers.c.number).where(customers.c.id == scene.customer_id)).scalar_one()


def _seller_account(scene: Scene) -> str:
    with scene.site.mirror.office() as office:
        raw = office.first("SELECT d.NR_KONTA FROM ODDZIALY d JOIN UMOWY u ON u.ID_ODDZ = d.ID_ODDZ WHERE"
                           " u.ID_UMOWY = (SELECT MIN(ID_UMOWY) FROM UMOWY WHERE ID_ODB = ? AND STATUS = 'A')",
                           scene.customer_id)[0]
    return payment.grouped(payment.account_iban(raw))


def test_the_new_invoice_and_the_due_reminder_say_how_to_pay(site: Site, box: Mailbox) -> None:
    scene = _scene(site, box, "en")
    number = scene.issue_invoice(TODAY, TODAY + timedelta(days=2))
    title = f"{number} nr kl. {_customer_number(scene)}"
    account = _seller_account(scene)
    assert scene.notify().queued == {"invoice": 1, "due": 1}
    scene.deliver(box)
    messages = box.to(EMAIL)
    assert sorted(subject(m) for m in messages) == [f"Invoice {number} is due on Nov 24, 2026", f"New invoice {number}"]
    for message in messages:
        text, shown = box.text(message).replace("\r\n", "\n"), _shown(message)
        for part in (text, shown):
            assert "To pay by bank transfer" in part
            assert "Przedsiębiorstwo Wodociągów i Kanalizacji „Źródło” Sp. z o.o." in part
            assert account in part and title in part and "123.45\xa0zł" in part and "Nov 24, 2026" in part
        amount = "123.45\xa0zł"
        assert f"Account number: {account}\nTransfer title: {title}\nAmount: {amount}\nDue date: Nov 24, 2026" in text
        # In the HTML part each group of the account is kept whole on a line (a break only between groups).
        groups = re.findall(r'<span style="white-space:nowrap">([^<]+)</span>', _html(message))
        assert " ".join(groups) == account


def test_the_overdue_reminder_in_polish_carries_the_payment_data(site: Site, box: Mailbox) -> None:
    scene = _scene(site, box, "pl")
    number = scene.issue_invoice(TODAY - timedelta(days=20), TODAY - timedelta(days=5),
                                 gross=Decimal("3807.83"))
    assert scene.notify().queued == {"overdue": 1}
    scene.deliver(box)
    [message] = box.to(EMAIL)
    assert subject(message) == f"Minął termin płatności faktury {number}"
    title = f"{number} nr kl. {_customer_number(scene)}"
    for part in (box.text(message), _shown(message)):
        assert "Dane do przelewu" in part and _seller_account(scene) in part and title in part
        assert "3\xa0807,83\xa0zł" in part and "17.11.2026" in part


def test_with_a_mistyped_account_the_e_mail_sends_the_customer_to_the_office(site: Site, box: Mailbox) -> None:
    scene = _scene(site, box, "en")
    with scene.site.mirror.office() as office:  # a digit of every seller's account typed wrong
        for seller_id, raw in office.rows("SELECT ID_ODDZ, NR_KONTA FROM ODDZIALY"):
            office.update("ODDZIALY", {"ID_ODDZ": seller_id}, {"NR_KONTA": raw[:-1] + ("1" if raw[-1] != "1" else "2")})
        office.commit()
    scene.site.mirror.sync("reconcile", "sellers")  # sellers carry no change stamp: the nightly scan finds it
    number = scene.issue_invoice(TODAY, TODAY + timedelta(days=10))
    assert scene.notify().queued == {"invoice": 1}
    scene.deliver(box)
    [message] = box.to(EMAIL)
    assert subject(message) == f"New invoice {number}"
    for part in (box.text(message), _shown(message)):
        assert "Please ask the customer service office for the account number" in part
        assert "0712 1981" not in part and "109010140000071219812" not in part


@pytest.mark.parametrize("kind", ["notify_invoice", "notify_due", "notify_overdue"])
def test_an_e_mail_queued_before_the_upgrade_still_renders(kind: str) -> None:
    from sync.mail.compose import compose

    mail = compose(kind, "pl", {"name": "Anna", "number": "FV/1", "gross": "1.00", "remaining": "1.00",
                                "issued_on": "2026-11-01", "due_on": "2026-11-20", "days": 3, "page": "/x",
                                "unsubscribe": "/u"})
    assert "FV/1" in mail.text and "Dane do przelewu" not in mail.text
