"""The outbox's queues: a relay takes only the oldest waiting row of each meter (and of each
customer's other submissions), so a second relay can never overtake the first within a queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox.submitted import add
from adapters.store.store import Store
from adapters.store.tables import outbox as outbox_table

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CLAIM = timedelta(seconds=60)


def _reading(key: str, meter: int, customer: int = 1) -> dict[str, Any]:
    return {"id": key, "kind": "reading", "customer_id": customer, "submitted_at": AT, "submitted_by": "test",
            "meter_id": meter, "read_on": AT.date(), "state": 1}


def _change(key: str, customer: int) -> dict[str, Any]:
    return {"id": key, "kind": "change", "customer_id": customer, "submitted_at": AT, "submitted_by": "test",
            "field": "EMAIL", "value": f"{key}@example.pl"}


def _claim(store: Store, holder: str, limit: int = 100) -> list[str]:
    with store.engine.begin() as conn:
        return sorted(d.key for d, _ in outbox.claim(conn, holder, limit, CLAIM))


def _queue(store: Store, rows: list[dict[str, Any]]) -> None:
    with store.engine.begin() as conn:
        assert add(conn, rows) == [r["id"] for r in rows]


def test_each_relay_takes_only_the_head_of_each_queue(store: Store) -> None:
    _queue(store, [_reading("a1", 10), _reading("a2", 10), _reading("a3", 10), _reading("b1", 11),
                   _change("c1", 5), _change("c2", 5), _change("d1", 6)])
    assert _claim(store, "relay-1") == ["a1", "b1", "c1", "d1"]
    assert _claim(store, "relay-2") == [], "the second rows wait while their heads are claimed"

    with store.engine.begin() as conn:
        outbox.mark_sent(conn, ["a1", "c1"])
    assert _claim(store, "relay-2") == ["a2", "c2"]
    with store.engine.begin() as conn:
        outbox.mark_sent(conn, ["a2", "b1", "c2", "d1"])
    assert _claim(store, "relay-1") == ["a3"]


def test_a_head_in_backoff_holds_its_queue_and_a_dead_letter_releases_it(store: Store) -> None:
    _queue(store, [_reading("a1", 10), _reading("a2", 10), _reading("b1", 11)])
    assert _claim(store, "relay-1") == ["a1", "b1"]
    with store.engine.begin() as conn:
        outbox.mark_failed(conn, "a1", "deadlock", retry_in=timedelta(hours=1), uncertain=True)
        outbox.mark_sent(conn, ["b1"])
    assert _claim(store, "relay-2") == [], "a2 must not overtake a1, which waits for its next try"

    with store.engine.begin() as conn:
        outbox.mark_failed(conn, "a1", "refused", retry_in=None, uncertain=False)  # a dead letter
    assert _claim(store, "relay-2") == ["a2"]


def test_rows_made_at_once_keep_their_order_and_a_claimed_head_of_a_dead_relay_is_taken_first(store: Store) -> None:
    _queue(store, [_reading(f"k{n}", 10) for n in range(5)])
    with store.engine.connect() as conn:
        made = [r.id for r in conn.execute(select(outbox_table.c.id).order_by(outbox_table.c.created_at))]
    assert made == [f"k{n}" for n in range(5)]
    assert _claim(store, "relay-1") == ["k0"]
    with store.engine.begin() as conn:  # relay-1 was killed: its claim lapses
        conn.execute(update(outbox_table).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
                     .where(outbox_table.c.claimed_by == "relay-1"))
    assert _claim(store, "relay-2") == ["k0"]
