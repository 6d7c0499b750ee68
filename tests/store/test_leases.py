"""Stream leases: one runner at a time, fencing tokens, and take-over of dead or expired holders."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from adapters.ports import Changes
from adapters.records import Seller, content_hash
from adapters.store.store import Store
from adapters.store.sync_state.streams import LeaseLost
from adapters.store.tables import sellers
from sync.engine import holder_is_dead


def _seller(key: int) -> Changes:
    record = Seller(key, "Wodociągi", "1234567890", "ul. Wodna 1", "PL00")
    return Changes("sellers", [record], [content_hash(record)])


def test_a_held_lease_is_refused_to_a_second_runner(store: Store) -> None:
    assert store.acquire_lease("payments", "host-a:1:x") is not None
    assert store.acquire_lease("payments", "host-b:2:y") is None
    assert store.acquire_lease("invoices", "host-b:2:y") is not None  # streams are independent


def test_a_runner_whose_lease_expired_and_was_taken_cannot_commit_a_batch(store: Store) -> None:
    expired = Store(store.engine, lease_ttl=timedelta(seconds=-1))
    old = expired.acquire_lease("sellers", "host-a:1:x")
    new = store.acquire_lease("sellers", "host-b:2:y")
    assert new is not None and new > old
    with pytest.raises(LeaseLost):
        with store.batch("sellers", old) as batch:
            batch.apply(_seller(1))
    with store.batch("sellers", new) as batch:
        batch.apply(_seller(2))
    with store.engine.connect() as conn:
        assert list(conn.execute(select(sellers.c.id)).scalars()) == [2]  # the fenced batch rolled back


def test_a_lease_left_by_a_killed_process_on_this_host_is_taken_over_at_once(store: Store) -> None:
    dead = f"{socket.gethostname()}:999999999:x"
    assert holder_is_dead(dead) and not holder_is_dead(f"{socket.gethostname()}:1:x")  # pid 1 lives
    assert not holder_is_dead("another-host:999999999:x")  # other hosts: wait for expiry
    store.acquire_lease("readings", dead)
    assert store.acquire_lease("readings", f"{socket.gethostname()}:3:z") is None  # unexpired, liveness unknown
    assert store.acquire_lease("readings", f"{socket.gethostname()}:3:z", holder_is_dead) is not None


def test_released_leases_are_free_and_tokens_keep_growing(store: Store) -> None:
    first = store.acquire_lease("outages", "host-a:1:x")
    store.release_lease("outages", first)
    second = store.acquire_lease("outages", "host-b:2:y")
    assert second == first + 1
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sellers)).scalar_one() == 0
