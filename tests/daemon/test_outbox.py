"""Acceptance: with billing stopped, submissions queue and show "waiting"; when billing returns, the
daemon's relay delivers 1,000 queued submissions within 10 seconds."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from adapters.store.tables import outbox
from sync.submissions import service
from tests.daemon.conftest import OwnMariaDB, wait_until
from tests.sync.conftest import open_mirror
from tests.writeback.harness import WriteBack, open_writeback

QUEUED = 1000
QUIET = {"daemon_intervals": "reading_replies=3600,message_replies=3600,change_replies=3600,readings=3600,"
                             "invoices=3600,payments=3600,settlements=3600"}


def _sent(wb: WriteBack) -> int:
    with wb.mirror.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox).where(outbox.c.state == "sent")).scalar_one()


def test_with_billing_stopped_submissions_wait_and_a_thousand_go_within_10_s_of_its_return(
        own_mariadb: OwnMariaDB, make_store_url, start_daemon) -> None:
    assert own_mariadb.database is not None
    mirror = open_mirror(own_mariadb.database, make_store_url("postgresql"))
    try:
        for wb in open_writeback(mirror):
            daemon = start_daemon(mirror, billing_interface_dsn=wb.interface_dsn, daemon_probe_max_wait_s="2",
                                  outbox_batch_size="500", sync_retry_attempts="2", sync_retry_max_wait_s="1",
                                  **QUIET)
            customer, serial, meter = wb.meters_held()[0]
            first = wb.message(customer)
            wait_until(lambda: _sent(wb) == 1, 15, what="the relay to send a first submission")
            mirror.source.close()

            own_mariadb.stop()
            held = wb.meters_held()
            keys = [wb.message(held[n % len(held)][0]) if n % 4 else wb.reading(*held[n % len(held)])
                    for n in range(QUEUED)]
            daemon.wait_for("billing_unreachable", timeout=60)
            time.sleep(3)  # a few of the relay's turns with billing down
            assert _sent(wb) == 1, "nothing can be sent while billing is down"
            views = service.submissions_of(wb.ctx, customer, limit=QUEUED + 1)
            assert {v.status.code for v in views if v.row["id"] != first} == {"waiting"}
            assert views[0].status.label("pl") == "oczekuje na wysłanie"

            own_mariadb.start()
            back = time.monotonic()
            wait_until(lambda: _sent(wb) == QUEUED + 1, 30, every=0.1, what="the queue to drain")
            took = time.monotonic() - back
            print(f"QUEUE_DRAINED_S {took:.2f}")
            assert took < 10, f"1,000 queued submissions took {took:.1f} s after billing returned"
            assert wb.billing_keys() == {k: 1 for k in [first, *keys]}
            assert daemon.named("billing_reachable_again")
            assert daemon.stop() == 0
    finally:
        mirror.source.close()
        mirror.store.dispose()
