"""The portal store as the sync engine sees it: one object over one SQLAlchemy engine."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from adapters.ports import Changes, Orphan
from adapters.records import Delivery
from adapters.store.db import create_store_engine
from adapters.store.db import writer as writing
from adapters.store.mirror import anomalies, lineage, reader, refresh, writer
from adapters.store.outbox import deliveries as outbox
from adapters.store.sync_state import streams as state
from adapters.store.tables import MIRRORED, dirty_customers, dirty_meters

DEFAULT_LEASE = timedelta(minutes=2)
STATISTICS_AFTER_ROWS = 20_000  # rows changed by one sync run that make the planner's statistics stale


@dataclass
class StoreBatch:
    """One open store transaction of a sync batch."""

    conn: Connection

    def apply(self, changes: Changes) -> list[Orphan]:
        moved = lineage.moves(self.conn, changes)
        writer.apply(self.conn, changes)
        lineage.carry(self.conn, changes.entity, moved)
        return anomalies.track(self.conn, changes)

    def recount_orphans(self, entity: str) -> int:
        return anomalies.recount(self.conn, entity)

    def replace_anomalies(self, stream: str, kind: str, rows: dict[int, str | None], parent: str = "",
                          parent_keys: dict[int, int] | None = None) -> list[int]:
        return anomalies.replace(self.conn, stream, kind, rows, parent, parent_keys)

    def save_state(self, stream: str, value: dict[str, Any]) -> None:
        state.save_state(self.conn, stream, value)


class Store:
    """Reads and transactional writes of the portal store (``PortalStore`` for the sync engine)."""

    def __init__(self, engine: Engine, lease_ttl: timedelta = DEFAULT_LEASE) -> None:
        self.engine = engine
        self.statistics_after_rows = STATISTICS_AFTER_ROWS
        self.writer = writing(engine)
        self.lease_ttl = lease_ttl

    @classmethod
    def from_settings(cls, settings: Any) -> Store:
        if settings.store.echo:  # through our logging set-up, not SQLAlchemy's own stdout handler
            logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
        return cls(create_store_engine(settings.store.url), timedelta(seconds=settings.sync.lease_s))

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    # ----- reads -----------------------------------------------------------------------------
    def hashes(self, entity: str, keys: Iterable[int]) -> dict[int, str]:
        with self.engine.connect() as conn:
            return reader.hashes(conn, entity, keys)

    def hashes_between(self, entity: str, after: int | None, upto: int | None) -> dict[int, str]:
        with self.engine.connect() as conn:
            return reader.hashes_between(conn, entity, after, upto)

    def values(self, entity: str, field: str, keys: Iterable[int]) -> dict[int, Any]:
        with self.engine.connect() as conn:
            return reader.values(conn, entity, field, keys)

    def rows_between(self, entity: str, after: int | None, upto: int | None,
                     limit: int) -> list[tuple[tuple[Any, ...], str]]:
        with self.engine.connect() as conn:
            return reader.rows_between(conn, entity, after, upto, limit)

    def bounds(self, entity: str) -> tuple[int, int] | None:
        with self.engine.connect() as conn:
            return reader.bounds(conn, entity)

    def checksums(self, entity: str, lower: int, upper: int, width: int) -> dict[int, tuple[int, int, int]]:
        with self.engine.connect() as conn:
            return reader.checksums(conn, entity, lower, upper, width)

    def sent_after(self, after: str | None, limit: int) -> list[Delivery]:
        """Delivered submissions in key order (what billing's interface tables must hold)."""
        with self.engine.connect() as conn:
            return outbox.sent_after(conn, after, limit)

    def anomaly_counts(self) -> dict[tuple[str, str], tuple[int, datetime]]:
        with self.engine.connect() as conn:
            return anomalies.counts(conn)

    def anomalies(self, stream: str, kind: str, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return anomalies.sample(conn, stream, kind, limit)

    def customer_keys(self, entity: str, customer_id: int) -> set[int]:
        with self.engine.connect() as conn:
            return reader.customer_keys(conn, entity, customer_id)


    def totals(self) -> tuple[dict[int, Any], dict[int, Any]]:
        with self.engine.connect() as conn:
            return reader.totals(conn)

    def balances_after(self, after: int | None, limit: int) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return reader.balances_after(conn, after, limit)

    def count(self, entity: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(MIRRORED[entity])).scalar_one()

    def load_state(self, stream: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return state.load_state(conn, stream)

    def all_states(self) -> dict[str, tuple[dict[str, Any], datetime]]:
        with self.engine.connect() as conn:
            return state.all_states(conn)

    def last_runs(self, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return state.runs(conn, stream, limit)

    def last_good_runs(self, streams: Iterable[str]) -> dict[str, datetime | None]:
        with self.engine.connect() as conn:
            return {stream: state.last_good_run(conn, stream) for stream in streams}

    def dirty_counts(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(dirty_customers)).scalar_one(),
                    conn.execute(select(func.count()).select_from(dirty_meters)).scalar_one())

    def outbox_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return outbox.counts(conn)

    # ----- writes ----------------------------------------------------------------------------
    @contextmanager
    def batch(self, stream: str, lease_token: int | None) -> Iterator[StoreBatch]:
        """A transaction for one batch; with a lease token, it commits only while the lease is ours."""
        with self.writer.begin() as conn:
            if lease_token is not None:
                state.renew_lease(conn, stream, lease_token, self.lease_ttl)
            yield StoreBatch(conn)

    def acquire_lease(self, stream: str, holder: str, is_dead: Callable[[str], bool] | None = None) -> int | None:
        with self.writer.begin() as conn:
            return state.acquire_lease(conn, stream, holder, self.lease_ttl, is_dead)

    def renew_lease(self, stream: str, token: int) -> None:
        """Keep the lease through a long stretch with nothing to write (LeaseLost when it was taken)."""
        with self.writer.begin() as conn:
            state.renew_lease(conn, stream, token, self.lease_ttl)

    def release_lease(self, stream: str, token: int) -> None:
        with self.writer.begin() as conn:
            state.release_lease(conn, stream, token)

    def start_run(self, stream: str, mode: str, holder: str, requested_by: str | None = None) -> int:
        with self.writer.begin() as conn:
            return state.start_run(conn, stream, mode, holder, requested_by)

    def finish_run(self, run_id: int, **values: Any) -> None:
        with self.writer.begin() as conn:
            state.finish_run(conn, run_id, **values)

    def refresh_statistics(self, rows_changed: int) -> bool:
        """After a bulk change (``rows_changed`` at least ``statistics_after_rows``), fresh planner
        statistics for the whole store (ANALYZE): a first full sync leaves millions of rows that the
        planner knows nothing of until autovacuum comes round, if it is on at all, and the portal's
        pages then scan whole tables. True when it ran."""
        if rows_changed < self.statistics_after_rows:
            return False
        with self.writer.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return True

    def refresh_derived(self, chunk: int = 500, should_stop: Callable[[], bool] = lambda: False) -> tuple[int, int]:
        """Recompute stale derived data, a chunk per transaction; (meters, customers) refreshed.

        Meters first: refreshing a meter marks the customers holding its point. Marks left when
        ``should_stop`` says so wait for the next refresh.
        """
        done = []
        for pending, recompute in ((refresh.pending_meters, refresh.refresh_meters),
                                   (refresh.pending_customers, refresh.refresh_customers)):
            count = 0
            while not should_stop():
                with self.writer.begin() as conn:
                    ids = pending(conn, chunk)
                    if not ids:
                        break
                    recompute(conn, ids)
                    count += len(ids)
            done.append(count)
        return done[0], done[1]
