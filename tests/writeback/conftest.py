"""Write-back tests run on mirrors (a tiny stand-in synced into a store), as the sync tests do."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from adapters.store.tables import outbox, submissions
from sync.submissions import service
from tests.sync.conftest import Mirror, make_mirror, mirror  # noqa: F401 - fixtures shared with the sync tests
from tests.writeback.harness import NOW

PORTAL_NOW = NOW  # the portal's clock: the day after the stand-in data's reference date, 11:00 in Warsaw


@dataclass
class Portal:
    """A synced mirror and the context the portal's use cases run in, on a fixed day."""

    mirror: Mirror
    ctx: service.Context

    def counts(self) -> tuple[int, int]:
        """(submissions, outbox rows) in the store."""
        with self.mirror.store.engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(submissions)).scalar_one(),
                    conn.execute(select(func.count()).select_from(outbox)).scalar_one())

    def snapshot(self) -> tuple[list[tuple], list[tuple]]:
        """Every row of ``submissions`` and of ``outbox``, by id: to show that nothing changed."""
        with self.mirror.store.engine.connect() as conn:
            return ([tuple(r) for r in conn.execute(select(submissions).order_by(submissions.c.id))],
                    [tuple(r) for r in conn.execute(select(outbox).order_by(outbox.c.id))])


@pytest.fixture
def portal(mirror: Mirror) -> Portal:
    """The mirror synced, and a ``service.Context`` whose clock stands still at ``PORTAL_NOW``."""
    mirror.sync()
    return Portal(mirror, service.Context(mirror.store.engine, "test", clock=lambda: PORTAL_NOW))
