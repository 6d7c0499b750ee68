"""Manual requests, daemon rows and pruning of history in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from adapters.store.store import Store
from adapters.store.sync_state import daemons, requests
from adapters.store.sync_state import streams as state
from adapters.store.tables import sync_requests, sync_runs
from config.clock import utcnow


def test_each_request_is_taken_once_oldest_first(store: Store) -> None:
    with store.writer.begin() as conn:
        ids = [requests.add(conn, mode="full", streams=["payments"], requested_by="anna") for _ in range(3)]
    taken = []
    for holder in ("a", "b", "a", "b"):
        with store.writer.begin() as conn:
            request = requests.take(conn, holder)
        taken.append(None if request is None else (request["id"], request["taken_by"]))
    assert taken == [(ids[0], "a"), (ids[1], "b"), (ids[2], "a"), None]


def test_unknown_modes_are_refused(store: Store) -> None:
    with store.writer.begin() as conn, pytest.raises(ValueError, match="unknown request mode"):
        requests.add(conn, mode="everything", streams=[], requested_by="anna")


def test_requests_of_a_stopped_or_silent_daemon_go_back_to_the_queue(store: Store) -> None:
    with store.writer.begin() as conn:
        daemons.started(conn, "gone")
        daemons.started(conn, "alive")
        first = requests.add(conn, mode="incremental", streams=[], requested_by="anna")
        second = requests.add(conn, mode="customer", streams=[], requested_by="anna", customer_number="000042")
        requests.take(conn, "gone")
        requests.take(conn, "alive")
    with store.writer.begin() as conn:
        assert requests.release_abandoned(conn, timedelta(seconds=60)) == 0  # both seen just now
        conn.execute(update(daemons.daemons).where(daemons.daemons.c.holder == "gone")
                     .values(seen_at=utcnow() - timedelta(minutes=5)))
        assert requests.release_abandoned(conn, timedelta(seconds=60)) == 1
        assert requests.get(conn, first)["taken_by"] is None
        assert requests.get(conn, second)["taken_by"] == "alive"
        assert [d["holder"] for d in daemons.alive(conn, timedelta(seconds=60))] == ["alive"]
        daemons.stopped(conn, "alive")
        assert requests.release_abandoned(conn, timedelta(seconds=60)) == 1
        assert daemons.alive(conn, timedelta(seconds=60)) == []


def test_pruning_forgets_old_runs_finished_requests_and_daemons(store: Store) -> None:
    old = utcnow() - timedelta(days=40)
    with store.writer.begin() as conn:
        for _ in range(2):
            state.start_run(conn, "payments", "incremental", "h:1:a")
        conn.execute(update(sync_runs).where(sync_runs.c.id == 1).values(started_at=old))
        done = requests.add(conn, mode="full", streams=[], requested_by="anna")
        waiting = requests.add(conn, mode="full", streams=[], requested_by="anna")
        requests.finish(conn, done, "ok", "1 stream(s) ok")
        conn.execute(update(sync_requests).values(requested_at=old, finished_at=old)
                     .where(sync_requests.c.id == done))
        daemons.started(conn, "old")
    with store.writer.begin() as conn:
        cutoff = utcnow() - timedelta(days=30)
        assert state.prune_runs(conn, cutoff) == 1
        assert requests.prune(conn, cutoff) == 1
        assert daemons.prune(conn, cutoff) == 0
        assert conn.execute(select(func.count()).select_from(sync_runs)).scalar_one() == 1
        assert requests.get(conn, waiting) is not None  # never pruned while it waits
