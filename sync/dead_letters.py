"""The use cases of `ibok outbox retry|cancel`: submissions that billing refused (dead letters) put
back in the queue, or given up; by id (a cancel may name a submission still waiting) or every dead
letter at once. Each runs in the unit of work it is given; the number of submissions changed."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.store.outbox import deliveries as outbox
from adapters.store.unit_of_work import UnitOfWork

EVERY_DEAD_LETTER = 1_000_000  # what "every dead letter" reads at most


def retry(uow: UnitOfWork, ids: Sequence[str] | None) -> int:
    """These dead letters (None: every one) back in the queue with a fresh count of tries."""
    with uow:
        return outbox.retry(uow.conn, ids)


def cancel(uow: UnitOfWork, ids: Sequence[str] | None) -> int:
    """These submissions (None: every dead letter) cancelled: they will not be delivered."""
    with uow:
        if ids is None:
            ids = [r["id"] for r in outbox.listing(uow.conn, "dead", EVERY_DEAD_LETTER)]
        return outbox.cancel(uow.conn, ids)
