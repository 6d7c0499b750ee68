"""A mirror under test: a tiny stand-in billing database, an upgraded store, and the sync between them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.billing.source import OdbcBillingSource
from adapters.standin.build import build_standin
from adapters.standin.office import Office
from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.store import Store
from sync.engine import RunResult, Syncer
from sync.streams import STREAMS, select_streams
from sync.verify import VerifyReport, verify
from tests.conftest import AS_OF, BillingDatabase

WARSAW = ZoneInfo("Europe/Warsaw")
# Billing's clock during a test: the day after the data's reference date, from 10:00, one second per look.
OFFICE_START = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time()) + timedelta(hours=10)


class TickingClock:
    """Billing's clock in tests: one second further at every look; remembers the last time shown."""

    def __init__(self, start: datetime) -> None:
        self.start, self.seconds, self.last = start, itertools.count(), start

    def __call__(self) -> datetime:
        self.last = self.start + timedelta(seconds=next(self.seconds))
        return self.last


@dataclass
class Mirror:
    billing: BillingDatabase
    store_url: str
    source: OdbcBillingSource
    store: Store
    clock: TickingClock = field(default_factory=lambda: TickingClock(OFFICE_START))
    now: datetime | None = None  # the scenario's time for the sync (UTC); default: the office clock's

    def sync_clock(self) -> datetime:
        """This host's clock as the sync sees it: in step with the billing office's, as in production."""
        return self.now or self.clock.last.replace(tzinfo=WARSAW).astimezone(UTC)

    def syncer(self, batch_size: int = 500, observer: Callable[[str, RunResult], None] | None = None,
               lease_wait_s: float = 0.0) -> Syncer:
        return Syncer(self.source, self.store, batch_size=batch_size, observer=observer, clock=self.sync_clock,
                      lease_wait_s=lease_wait_s)

    def sync(self, mode: str = "incremental", *streams: str, batch_size: int = 500,
             observer: Callable[[str, RunResult], None] | None = None, lease_wait_s: float = 0.0,
             ) -> dict[str, RunResult]:
        syncer = self.syncer(batch_size, observer, lease_wait_s)
        return {r.stream: r for r in syncer.run(select_streams(streams), mode)}

    def verify(self) -> VerifyReport:
        return verify(self.source, self.store, list(STREAMS))

    def office(self) -> Office:
        return Office(self.billing.dsn, clock=self.clock)

    def billing_sql(self, sql: str, *params: object) -> list[tuple]:
        """Run one statement as billing's own application would (admin account), committed."""
        with self.billing.connect() as conn:
            cur = conn.cursor().execute(sql, *params)
            rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            conn.commit()
        return rows

    def env(self, data_dir: Path) -> dict[str, str]:
        """Settings for `ibok` run as a command (IBOK_* variables)."""
        return {"IBOK_BILLING_DSN": self.billing.dsn, "IBOK_STORE_URL": self.store_url,
                "IBOK_PATHS_DATA_DIR": str(data_dir), "IBOK_LOG_FORMAT": "json"}


def open_mirror(billing: BillingDatabase, store_url: str, size: str = "tiny") -> Mirror:
    with billing.connect() as conn:
        build_standin(conn, size=size, seed=1, as_of=AS_OF)
    migrate.upgrade(store_url)
    return Mirror(billing, store_url, OdbcBillingSource(billing.dsn, retry_max_wait_s=0.5),
                  Store(create_store_engine(store_url)))


@pytest.fixture
def make_mirror(make_billing_db, make_store_url) -> Iterator[Callable[[str, str], Mirror]]:
    opened: list[Mirror] = []

    def make(billing_dialect: str, store_kind: str) -> Mirror:
        mirror = open_mirror(make_billing_db(billing_dialect), make_store_url(store_kind))
        opened.append(mirror)
        return mirror

    yield make
    for mirror in opened:
        mirror.source.close()
        mirror.store.dispose()


# The pairs most tests run on: the embedded default, and the production-like servers.
PAIRS = [("sqlite", "sqlite"), ("mariadb", "postgresql")]


@pytest.fixture(params=PAIRS, ids=lambda p: f"{p[0]}-to-{p[1]}")
def mirror(request: pytest.FixtureRequest, make_mirror) -> Mirror:
    return make_mirror(*request.param)
