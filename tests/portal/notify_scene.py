"""A customer with a login, and billing's office making the changes each notification is about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from email.message import Message

from sqlalchemy import update

from adapters.standin.inbox import process_inbox
from adapters.store.db import writer
from adapters.store.tables import account_customers, accounts, mail_outbox
from sync.mailer import MailReport, send_due
from sync.notify import job
from tests.portal.conftest import SECRET, Site
from tests.portal.mailbox import Mailbox
from tests.writeback.harness import WriteBack

BASE = "http://portal.test"
LINKED = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # the login was linked to the customer
START = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)  # the first notification run (billing's office opens at 9 UTC)
LATER = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)  # a run after the office's changes
EMAIL = "anna@example.pl"


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def unsubscribe_path(box: Mailbox, message: Message) -> str:
    return re.search(r"https?://[^/\s]+(/unsubscribe/\S+)", box.text(message))[1]


@dataclass
class Scene:
    site: Site
    wb: WriteBack
    customer_id: int
    serial: str
    meter_id: int
    account_id: int

    @property
    def engine(self):
        return self.site.mirror.store.engine

    def notify(self, now: datetime = LATER) -> job.NotifyReport:
        return job.run(self.engine, secret=SECRET, tz="Europe/Warsaw", now=now)

    def deliver(self, box: Mailbox) -> MailReport:
        report = send_due(self.engine, box.sender(), base_url=BASE)
        assert report.dead == 0 and report.retried == 0
        return report

    def retry_now(self) -> None:
        """Skip the backoff pause of messages that failed (a test does not wait minutes)."""
        with writer(self.engine).begin() as conn:
            conn.execute(mail_outbox.update().values(next_attempt_at=mail_outbox.c.created_at))

    # ----- billing's office at work -------------------------------------------------------------
    def issue_invoice(self, issued: date, due: date, gross: Decimal = Decimal("123.45")) -> str:
        mirror = self.site.mirror
        with mirror.office() as office:
            contract = office.one("SELECT MIN(ID_UMOWY) FROM UMOWY WHERE ID_ODB = ? AND STATUS = 'A'",
                                  self.customer_id)[0]
            invoice_id, stamp = office.next_ids("ID_FAKT"), office.now()
            number = f"FV/2026/11/T{invoice_id:05d}"
            net = (gross / Decimal("1.08")).quantize(Decimal("0.01"))
            office.insert("FAKTURY", {
                "ID_FAKT": invoice_id, "NR_FAKTURY": number, "ID_ODB": self.customer_id, "ID_UMOWY": contract,
                "TYP": "F", "ID_FAKT_KORYG": None, "DATA_WYSTAWIENIA": issued, "OKRES_OD": issued - timedelta(days=60),
                "OKRES_DO": issued, "TERMIN_PLATNOSCI": due, "NETTO": net, "VAT": gross - net, "BRUTTO": gross,
                "ANULOWANA": "N", "SCIEZKA_PDF": None, "DATA_MOD": stamp})
            office.insert("ROZRACHUNKI", {"ID_FAKT": invoice_id, "ZAPLACONO": Decimal("0.00"), "POZOSTALO": gross,
                                          "DATA_ROZLICZENIA": None, "DATA_MOD": stamp})
            office.commit()
        mirror.sync()
        return number

    def register_outage(self, district: str | None = None, description: str = "Awaria sieci na ul. Polnej.") -> int:
        """An outage in the customer's district (or ``district``), described by ``description``."""
        mirror = self.site.mirror
        with mirror.office() as office:
            district = district or office.one("SELECT MIN(p.REJON) FROM PUNKTY p JOIN UMOWY u ON u.ID_PKT = p.ID_PKT"
                                              " WHERE u.ID_ODB = ? AND u.STATUS = 'A'", self.customer_id)[0]
            outage_id, now = office.next_ids("ID_AWARII"), office.now()
            office.insert("AWARIE", {"ID_AWARII": outage_id, "REJON": district, "OD": now,
                                     "DO": now + timedelta(hours=10), "OPIS": description, "DATA_MOD": now})
            office.commit()
        mirror.sync()
        return outage_id

    def home(self) -> tuple[str, str, str]:
        """The district, street and town of the customer's (first) point under an active contract."""
        with self.site.mirror.office() as office:
            row = office.one("SELECT p.REJON, p.ULICA, p.MIEJSCOWOSC FROM PUNKTY p JOIN UMOWY u ON u.ID_PKT = p.ID_PKT"
                             " WHERE u.ID_ODB = ? AND u.STATUS = 'A' ORDER BY p.ID_PKT", self.customer_id)
        return row[0].strip(), row[1].strip(), row[2].strip()

    def legalization_ends(self, on: date) -> None:
        mirror = self.site.mirror
        with mirror.office() as office:
            office.update("WODOMIERZE", {"ID_WOD": self.meter_id}, {"LEGALIZACJA_DO": on})
            office.commit()
        mirror.sync("reconcile", "meters")  # meters carry no change stamp: the nightly scan finds it

    def office_works(self) -> None:
        """Submissions go to billing, its office deals with them, the sync brings back what it did."""
        assert self.wb.relay().run().sent >= 0
        with self.site.mirror.office() as office:
            process_inbox(office)
        self.site.mirror.sync()


def open_scene(site: Site, locale: str = "en") -> Scene:
    """A login (in ``locale``) for a customer holding a mounted meter, linked at LINKED; the first
    notification run at START has queued (and the mailer is to send) the reminders of that moment."""
    wb = WriteBack(site.mirror, site.mirror.billing.dsn)
    customer_id, serial, meter_id = wb.meters_held()[0]
    account_id = site.login_for(EMAIL, customer_id)
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(locale=locale))
        conn.execute(update(account_customers).where(account_customers.c.account_id == account_id)
                     .values(linked_at=LINKED))
    scene = Scene(site, wb, customer_id, serial, meter_id, account_id)
    scene.notify(START)
    return scene
