"""Write-back under test: a synced mirror, billing's interface account, submissions and the relay.

Submissions are made through the service functions (as the portal makes them); the relay writes
with the narrower interface account where the product has accounts (MariaDB, PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from adapters.billing.interface import TARGETS, InterfaceWriter
from adapters.billing.odbc import connect, dialect_of
from adapters.standin.accounts import Account, create_accounts, drop_accounts
from adapters.store.tables import contracts, meters, outbox, submissions
from sync.relay import Relay
from sync.submissions import service
from sync.submissions.rules import ReadingEntry
from tests.sync.conftest import Mirror

# The service's clock: the day after the stand-in's reference date, in office hours.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@dataclass
class WriteBack:
    mirror: Mirror
    interface_dsn: str
    writer_user: str | None = None  # the interface account on server databases
    tokens: Iterator[int] = field(default_factory=itertools.count)
    levels: dict[int, Decimal] = field(default_factory=dict)  # the next reading's value per meter

    @property
    def ctx(self) -> service.Context:
        return service.Context(self.mirror.store.engine, "test", clock=lambda: NOW)

    def interface(self) -> InterfaceWriter:
        return InterfaceWriter(self.interface_dsn, query_timeout_s=10)

    def relay(self, interface: InterfaceWriter | None = None, **kwargs: object) -> Relay:
        return Relay(interface or self.interface(), self.mirror.store.engine, retry_max_wait_s=0.2,
                     **kwargs)  # type: ignore[arg-type]

    def env(self, data_dir: Path) -> dict[str, str]:
        return {**self.mirror.env(data_dir), "IBOK_BILLING_INTERFACE_DSN": self.interface_dsn}

    def ibok(self, data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        ibok = Path(sys.executable).with_name("ibok")
        return subprocess.run([str(ibok), *args],
                              env={**os.environ, **self.env(data_dir), "PYTHONUNBUFFERED": "1", **env},
                              capture_output=True, text=True, timeout=120)

    # ----- making submissions -------------------------------------------------------------------
    def meters_held(self) -> list[tuple[int, str, int]]:
        """(customer id, meter serial, meter id) of mounted meters on customers' current contracts."""
        with self.mirror.store.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                select(contracts.c.customer_id, meters.c.serial_number, meters.c.id)
                .join(meters, meters.c.point_id == contracts.c.point_id)
                .where(contracts.c.active, contracts.c.ends_on.is_(None), meters.c.dismounted_on.is_(None))
                .order_by(meters.c.id))]

    def reading(self, customer_id: int, serial: str, meter_id: int, value: Decimal | None = None) -> str:
        """A confirmed reading one step above the meter's last (its own submissions included)."""
        if value is None:
            value = self.levels.get(meter_id) or self._last(customer_id, meter_id) + Decimal("1.000")
            self.levels[meter_id] = value + Decimal("0.500")
        done = service.submit_readings(self.ctx, customer_id, [ReadingEntry(serial, str(value), None, True)],
                                       token=f"t{next(self.tokens)}")
        assert done.ok and done.created, (done.problems, done.warnings)
        return done.ids[0]

    def _last(self, customer_id: int, meter_id: int) -> Decimal:
        with self.mirror.store.engine.connect() as conn:
            for m in service.store.held_meters(conn, customer_id, NOW.date()):
                if m["id"] == meter_id:
                    return m["last"][1] if m["last"] else Decimal(0)
        raise AssertionError(f"meter {meter_id} is not held by customer {customer_id}")

    def message(self, customer_id: int, body: str = "Proszę o kontakt w sprawie rachunku za wodę.") -> str:
        done = service.send_message(self.ctx, customer_id, "INF", "Pytanie o rachunek", body,
                                    token=f"t{next(self.tokens)}")
        assert done.ok and done.created, done.problems
        return done.ids[0]

    # ----- what billing and the outbox hold -----------------------------------------------------
    def billing_keys(self) -> Counter[str]:
        """How many rows each KLUCZ has across the three interface tables."""
        found: Counter[str] = Counter()
        for target in TARGETS.values():
            for (key,) in self.mirror.billing_sql(f"SELECT KLUCZ FROM {target.table}"):
                found[key.strip()] += 1
        return found

    def outbox_states(self) -> dict[str, str]:
        with self.mirror.store.engine.connect() as conn:
            return dict(conn.execute(select(outbox.c.id, outbox.c.state)).all())

    def submission_count(self) -> int:
        with self.mirror.store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(submissions)).scalar_one()

    def drop_interface_sessions(self) -> int:
        """Kill the interface account's sessions on the server, as a network failure would."""
        with connect(self.mirror.billing.dsn, autocommit=True) as admin:
            cur = admin.cursor()
            if dialect_of(admin) == "mariadb":
                ids = [r[0] for r in cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?",
                                                 self.writer_user).fetchall()]
                for session in ids:
                    try:
                        cur.execute(f"KILL {int(session)}")
                    except Exception:  # noqa: BLE001 - it ended by itself meanwhile
                        pass
                return len(ids)
            return len(cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?",
                                   self.writer_user).fetchall())


def open_writeback(mirror: Mirror) -> Iterator[WriteBack]:
    """The mirror synced, with an interface account of its own on server databases."""
    mirror.sync()
    if mirror.billing.dialect == "sqlite":
        yield WriteBack(mirror, mirror.billing.dsn)
        return
    suffix = uuid.uuid4().hex[:6]
    reader, writer = Account(f"ibok_r_{suffix}", "reader-pw-1"), Account(f"ibok_w_{suffix}", "writer-pw-1")
    with mirror.billing.connect() as conn:
        create_accounts(conn, mirror.billing.dialect, reader, writer)  # type: ignore[arg-type]
    try:
        yield WriteBack(mirror, mirror.billing.dsn_as(writer.user, writer.password), writer.user)
    finally:
        with mirror.billing.connect() as conn:
            drop_accounts(conn, mirror.billing.dialect, reader.user, writer.user)  # type: ignore[arg-type]
