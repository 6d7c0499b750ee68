"""The use case of `ibok sync request`: a resync queued for the running daemon, which takes it within a
few seconds (``Daemon.take_requests``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from adapters.store.sync_state import daemons, requests
from adapters.store.unit_of_work import UnitOfWork

DAEMON_SEEN_WITHIN = timedelta(seconds=60)


def ask(uow: UnitOfWork, *, mode: str, streams: Sequence[str], requested_by: str,
        customer_number: str | None) -> tuple[int, bool]:
    """Queue the request: its id, and whether a daemon was seen in the last minute to run it."""
    with uow:
        request_id = requests.add(uow.conn, mode=mode, streams=list(streams), requested_by=requested_by,
                                  customer_number=customer_number)
        alive = bool(daemons.alive(uow.conn, DAEMON_SEEN_WITHIN))
    return request_id, alive
