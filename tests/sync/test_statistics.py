"""After a bulk change the store's planner statistics are refreshed: a first full sync must not leave
the portal's pages to plans made for empty tables (autovacuum may be late, or off)."""

from __future__ import annotations

from sqlalchemy import text

from adapters.store.store import STATISTICS_AFTER_ROWS
from tests.sync.conftest import Mirror


def _analyzed(mirror: Mirror) -> bool:
    """Whether the store gathered planner statistics (PostgreSQL: of the readings; SQLite: of any table,
    as it keeps none for an empty one)."""
    with mirror.store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return conn.execute(text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
                                     " WHERE relname = 'readings'")).scalar_one()
        if conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar_one() == 0:
            return False
        return conn.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() > 0


def test_a_bulk_sync_leaves_fresh_statistics_and_a_small_run_does_not_pay_for_them(mirror: Mirror) -> None:
    assert mirror.store.statistics_after_rows == STATISTICS_AFTER_ROWS == 20_000
    mirror.store.statistics_after_rows = 3_000  # the tiny data set's full sync changes 2,717 rows
    mirror.sync("full")
    assert not _analyzed(mirror)
    mirror.store.statistics_after_rows = 600
    mirror.sync("full", "readings")  # nothing changed: no bulk
    assert not _analyzed(mirror)
    mirror.billing_sql("DELETE FROM ODCZYTY")  # a bulk change: every reading gone
    results = mirror.sync("full", "readings")
    assert results["readings"].rows_deleted >= 600  # 664 readings
    assert _analyzed(mirror)
