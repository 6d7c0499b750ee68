"""Sync health in the admin area: streams' freshness and staleness, daemons, runs; resync buttons that queue
audited requests (and refuse unknown streams and customers), and a daemon that takes and finishes them."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from adapters.store.db import writer
from adapters.store.tables import audit_log, sync_requests, sync_runs
from config.clock import utcnow
from tests.portal.conftest import Site, log_in
from tests.portal.staff import csrf_of, operator_client
from tests.portal.sync_scene import daemon_alive, first_customer, take_requests


def _ask(client: FlaskClient, **form: str) -> TestResponse:
    return client.post("/admin/sync/requests", data={"csrf_token": csrf_of(client, "/admin/sync"), **form})


def _requests(site: Site) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(sync_requests).order_by(sync_requests.c.id)).mappings()]


def _audit(site: Site, action: str) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()]


def test_the_page_shows_each_streams_freshness_marks_the_stale_ones_and_lists_runs_and_daemons(site: Site) -> None:
    client, _ = operator_client(site)
    page = client.get("/admin/sync").get_data(as_text=True)
    assert "No daemon has been seen in the last minute" in page
    assert "fresh:" in page and "stale:" not in page  # the fixture's mirror was synced just now
    assert "readings" in page and "The newest" in page

    daemon_alive(site, "host-a:1:abc")
    with writer(site.mirror.store.engine).begin() as conn:  # the readings stream's good runs are old now
        conn.execute(update(sync_runs).where(sync_runs.c.stream == "readings")
                     .values(finished_at=utcnow() - timedelta(hours=3)))
    page = client.get("/admin/sync").get_data(as_text=True)
    assert "host-a:1:abc" in page and "billing reachable" in page and "No daemon has been seen" not in page
    row = page[page.index('id="stream-readings"'):]
    row = row[:row.index("</tr>")]
    assert 'status-overdue">stale: 3 h ago' in row

    only = client.get("/admin/sync?stream=payments").get_data(as_text=True)
    runs = only[only.index('id="runs"'):]
    assert "<td>payments</td>" in runs and "<td>readings</td>" not in runs


def test_a_failed_run_shows_its_id_beside_its_error_as_the_daemons_log_lines_carry_it(site: Site) -> None:
    client, _ = operator_client(site)
    run_id = site.mirror.store.start_run("payments", "incremental", "host-a:1:abc")
    site.mirror.store.finish_run(run_id, outcome="failed", error="OperationalError: billing went away")
    page = client.get("/admin/sync").get_data(as_text=True)
    stream = page[page.index('id="stream-payments"'):]
    runs = page[page.index('id="runs"'):]
    for shown in (stream[:stream.index("</tr>")], runs):
        assert f"Run id: {run_id} · OperationalError: billing went away" in shown
    assert runs.count("Run id:") == 1  # the good runs have no error, and no id beside it
    client.set_cookie("ibok_lang", "pl")
    assert f"Nr przebiegu: {run_id} · OperationalError" in client.get("/admin/sync").get_data(as_text=True)


def test_an_operator_queues_a_resync_of_one_stream_which_the_daemon_takes_and_finishes(site: Site) -> None:
    client, admin_id = operator_client(site)
    asked = _ask(client, mode="incremental", stream="payments")
    [queued] = _requests(site)
    assert asked.headers["Location"] == f"/admin/sync/requests/{queued['id']}"
    assert (queued["mode"], queued["streams"], queued["requested_by"]) == (
        "incremental", "payments", f"admin:{admin_id}")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "waiting for a daemon" in page and ">Refresh</a>" in page
    assert "<meta http-equiv" not in page  # reloaded by the person: no refresh timer (WCAG 2.2.1)
    [entry] = _audit(site, "sync.request")
    assert entry["actor"] == f"admin:{admin_id}" and entry["object"] == f"sync_request:{queued['id']}"
    assert entry["detail"] == "incremental payments"

    take_requests(site)

    [done] = _requests(site)
    assert done["outcome"] == "ok" and done["taken_by"] == "test-daemon" and done["finished_at"] is not None
    assert done["detail"] == "1 stream(s) ok"
    with site.mirror.store.engine.connect() as conn:
        run = conn.execute(select(sync_runs).where(sync_runs.c.requested_by == f"admin:{admin_id}")).mappings().one()
    assert (run["stream"], run["mode"], run["outcome"]) == ("payments", "incremental", "ok")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "finished" in page and "1 stream(s) ok" in page and "test-daemon" in page
    assert f"admin:{admin_id}" in client.get("/admin/sync").get_data(as_text=True)


def test_a_full_resync_and_one_customers_refresh_are_queued_and_run(site: Site) -> None:
    client, admin_id = operator_client(site)
    _, number = first_customer(site)
    _ask(client, mode="full")
    _ask(client, mode="customer", customer_number=f" {number} ")
    full, one = _requests(site)
    assert (full["mode"], full["streams"], full["customer_number"]) == ("full", "", None)
    assert (one["mode"], one["streams"], one["customer_number"]) == ("customer", "", number)
    assert full["requested_by"] == one["requested_by"] == f"admin:{admin_id}"
    assert [e["detail"] for e in _audit(site, "sync.request")] == ["full all", f"customer:{number}"]
    take_requests(site)
    assert [(r["outcome"], r["taken_by"]) for r in _requests(site)] == [("ok", "test-daemon")] * 2


def test_an_unknown_stream_or_customer_is_refused_with_a_message_and_nothing_is_queued(site: Site) -> None:
    client, _ = operator_client(site)
    for form, said in (({"mode": "incremental", "stream": "wodomierze"}, "There is no stream of this name"),
                       ({"mode": "incremental"}, "There is no stream of this name"),
                       ({"mode": "customer", "customer_number": "999999"}, "There is no customer with this number"),
                       ({"mode": "customer", "customer_number": ""}, "There is no customer with this number"),
                       ({"mode": "reconcile"}, "not offered here")):
        answer = _ask(client, **form)
        assert answer.headers["Location"] == "/admin/sync", form
        assert said in client.get("/admin/sync").get_data(as_text=True), form
    assert _requests(site) == [] and _audit(site, "sync.request") == []


def test_without_csrf_or_as_a_customer_nothing_is_queued(site: Site) -> None:
    client, _ = operator_client(site)
    assert client.post("/admin/sync/requests", data={"mode": "full"}).status_code == 400
    [customer_id] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer_id)
    anna = site.client()
    assert log_in(anna, "anna@example.pl").status_code == 302
    assert anna.get("/admin/sync").status_code == 403 and anna.get("/admin/sync/requests/1").status_code == 403
    assert anna.post("/admin/sync/requests", data={"csrf_token": csrf_of(anna, "/"), "mode": "full"}).status_code == 403
    assert site.client().get("/admin/sync").headers["Location"] == "/admin/login"
    with site.mirror.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sync_requests)).scalar_one() == 0
    assert client.get("/admin/sync/requests/4242").status_code == 404
