"""`ibok daemon` queues customers' notifications and sends them through a real SMTP server, once."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.logins import accounts
from adapters.store.tables import contracts, points
from sync.streams import STREAMS
from tests.daemon.conftest import wait_until
from tests.portal.conftest import SECRET
from tests.portal.mailbox import mailbox
from tests.sync.conftest import Mirror

QUIET = {"daemon_intervals": ",".join(f"{s.name}=2" for s in STREAMS), "daemon_requests_every_s": "1"}


def _customer_and_district(mirror: Mirror) -> tuple[int, str]:
    with mirror.store.engine.connect() as conn:
        return tuple(conn.execute(select(contracts.c.customer_id, points.c.district)
                                  .join(points, points.c.id == contracts.c.point_id)
                                  .where(contracts.c.active.is_(True)).order_by(contracts.c.id).limit(1)).one())


def test_the_daemon_tells_a_customer_of_an_outage_once(make_mirror, start_daemon) -> None:
    mirror = make_mirror("sqlite", "sqlite")
    mirror.sync()
    customer_id, district = _customer_and_district(mirror)
    with writer(mirror.store.engine).begin() as conn:
        account_id = accounts.create(conn, email="anna@example.pl", name="Anna", password_hash="x", locale="en",
                                     must_change_password=False, confirmed=True)
        accounts.link(conn, account_id, customer_id, "utility")
    with mirror.office() as office:  # starting now (the host's clock), end unknown
        office.insert("AWARIE", {"ID_AWARII": office.next_ids("ID_AWARII"), "REJON": district,
                                 "OD": datetime.now(ZoneInfo("Europe/Warsaw")).replace(tzinfo=None, microsecond=0),
                                 "DO": None, "OPIS": "Awaria sieci.", "DATA_MOD": office.now()})
        office.commit()
    with mailbox() as box:
        daemon = start_daemon(mirror, **QUIET, mail_host="127.0.0.1", mail_port=str(box.port), mail_security="none",
                              mail_every_s="1", mail_notify_every_s="10", portal_secret_key=SECRET)
        def outages() -> list:  # on a later day her unpaid invoices are news too: those are other e-mails
            return [m for m in box.to("anna@example.pl") if m["Subject"] == "Water supply outage in your area"]
        wait_until(outages, 60, every=0.5, what="the outage e-mail")
        time.sleep(12)  # another notification run, and more of the mailer's
        assert daemon.stop() == 0
    [message] = outages()
    assert message["List-Unsubscribe"]
    assert not [e for e in daemon.events() if e.get("level") == "error"]
