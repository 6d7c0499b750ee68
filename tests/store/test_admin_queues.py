"""The store queries behind the admin's sync and outbox pages, on SQLite and PostgreSQL: recent runs,
a request's state, dead letters first, one outbox row, e-mails given up (without params) and their retry."""

from __future__ import annotations

from datetime import timedelta

from adapters.store.outbox import deliveries as outbox
from adapters.store.outbox import mail
from adapters.store.outbox import submitted as submissions
from adapters.store.store import Store
from adapters.store.sync_state import requests
from adapters.store.sync_state import streams as state
from config.clock import utcnow


def _submission(key: str) -> dict:
    return {"id": key, "kind": "message", "customer_id": 1, "submitted_at": utcnow(), "submitted_by": "test",
            "category": "INF", "subject": "Pytanie", "body": "Treść"}


def test_runs_are_newest_first_and_of_one_stream_when_asked(store: Store) -> None:
    with store.writer.begin() as conn:
        ids = [state.start_run(conn, stream, "incremental", "h:1") for stream in ("payments", "readings", "payments")]
        assert [r["id"] for r in state.runs(conn)] == ids[::-1]
        assert [r["id"] for r in state.runs(conn, "payments", limit=1)] == [ids[2]]
    assert store.last_runs("readings")[0]["id"] == ids[1]  # the sync engine's reader says the same


def test_a_request_is_waiting_then_running_then_its_outcome(store: Store) -> None:
    with store.writer.begin() as conn:
        request_id = requests.add(conn, mode="incremental", streams=["payments"], requested_by="admin:1")
        assert requests.state_of(requests.get(conn, request_id)) == "waiting"
        requests.take(conn, "daemon-a")
        assert requests.state_of(requests.get(conn, request_id)) == "running"
        requests.finish(conn, request_id, "failed", "payments: failed")
        assert requests.state_of(requests.get(conn, request_id)) == "failed"


def test_dead_letters_come_first_and_one_row_is_found_by_its_key(store: Store) -> None:
    with store.writer.begin() as conn:
        submissions.add(conn, [_submission(k) for k in ("old-dead", "newer", "newest")])
        outbox.mark_failed(conn, "old-dead", "refused", retry_in=None, uncertain=False)
        # Queued in one call, in this order (a microsecond apart): newest first, and only ``dead_first``
        # brings the dead letter forward.
        assert [r["id"] for r in outbox.listing(conn)] == ["newest", "newer", "old-dead"]
        assert [r["id"] for r in outbox.listing(conn, dead_first=True)] == ["old-dead", "newest", "newer"]
        assert [r["id"] for r in outbox.listing(conn, "dead")] == ["old-dead"]
        found = outbox.get(conn, "old-dead")
        assert (found["state"], found["kind"], found["last_error"], found["customer_number"]) == \
            ("dead", "message", "refused", None)
        assert outbox.get(conn, "missing") is None


def test_an_email_given_up_is_listed_without_params_and_retried_once(store: Store) -> None:
    with store.writer.begin() as conn:
        for to in ("anna@example.pl", "jan@example.pl"):
            mail.enqueue(conn, event=f"confirm:{to}", to=to, locale="pl", template="confirm_email",
                         params={"link": "/confirm/TOKEN"})
        first, second = mail.due(conn, 10)
        mail.failed(conn, first["id"], "550 no such mailbox", retry_in=None)
        mail.failed(conn, second["id"], "421 try later", retry_in=timedelta(minutes=5))
        [dead] = mail.dead(conn)
        assert dead["id"] == first["id"] and dead["last_error"] == "550 no such mailbox" and "params" not in dead
        assert mail.retry(conn, first["id"]) and not mail.retry(conn, first["id"])
        assert not mail.retry(conn, second["id"])  # only one given up comes back
        assert mail.counts(conn) == {"pending": 2} and mail.dead(conn) == []
        [again] = [m for m in mail.due(conn, 10) if m["id"] == first["id"]]
        assert again["attempts"] == 0
