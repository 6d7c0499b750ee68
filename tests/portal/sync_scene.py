"""What the sync and outbox pages are tested on: a daemon's request-taking run in-process, a live daemon
row, a dead letter and an e-mail given up, each made the way the product makes them."""

from __future__ import annotations

from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox import mail
from adapters.store.sync_state import daemons
from adapters.store.tables import customers
from config.settings import load_settings
from sync.daemon import Daemon
from sync.submissions import service
from tests.portal.conftest import Site

REFUSED = "[23000] billing refused the row: Data too long for column 'KATEGORIA'"


def take_requests(site: Site, holder: str = "test-daemon") -> None:
    """What the daemon's "requests" job does every few seconds: take each waiting request and run it."""
    settings = load_settings(environ={"IBOK_BILLING_DSN": site.mirror.billing.dsn,
                                      "IBOK_STORE_URL": site.mirror.store_url})
    daemon = Daemon(settings, holder=holder)
    try:
        daemon.take_requests()
    finally:
        for source in daemon._sources:  # (its shutdown() would stop a scheduler never started)
            source.close()
        daemon.store.dispose()


def daemon_alive(site: Site, holder: str = "test-daemon") -> None:
    with writer(site.mirror.store.engine).begin() as conn:
        daemons.started(conn, holder)


def first_customer(site: Site) -> tuple[int, str]:
    with site.mirror.store.engine.connect() as conn:
        return tuple(conn.execute(select(customers.c.id, customers.c.number).order_by(customers.c.id).limit(1)).one())


def dead_letter(site: Site, token: str = "t1") -> str:
    """A customer's message the relay gave up on (billing refused it): its submission id."""
    customer_id, _number = first_customer(site)
    done = service.send_message(service.Context(site.mirror.store.engine, "test"), customer_id, "INF",
                                "Pytanie o rachunek", "Proszę o kontakt w sprawie rachunku za wodę.", token=token)
    assert done.ok and done.created, done.problems
    [key] = done.ids
    with writer(site.mirror.store.engine).begin() as conn:  # as the relay marks a permanent error
        outbox.mark_failed(conn, key, REFUSED, retry_in=None, uncertain=False)
    return key


def dead_mail(site: Site, to: str = "jan.kowalski@example.pl") -> int:
    """An e-mail the sender gave up on, with a link (a token) in its params: its id."""
    with writer(site.mirror.store.engine).begin() as conn:
        assert mail.enqueue(conn, event=f"confirm:{to}", to=to, locale="pl", template="confirm_email",
                            params={"name": "Jan", "link": "/confirm/SECRET-TOKEN-123"})
        [message] = mail.due(conn, 10)
        mail.failed(conn, message["id"], "550 mailbox unavailable", retry_in=None)
    return message["id"]
