"""Queueing a manual resync from the admin area: checked, queued for the daemon and audited in the one
unit of work it is given (or nothing at all). The daemon's ``take_requests`` runs it within a few seconds.

Outcomes: ("queued", id) ; ("unknown_mode" | "unknown_stream" | "unknown_customer", None): nothing changed.
"""

from __future__ import annotations

from typing import Any

from adapters.store.mirror import customer_search
from adapters.store.sync_state import requests
from adapters.store.unit_of_work import UnitOfWork
from portal.admin.audit import actor_of, record
from sync.streams import BY_NAME

# What the page's buttons ask for: one stream incrementally, every stream in full, or one customer.
ASKS = ("incremental", "full", "customer")


def ask(uow: UnitOfWork, admin: dict[str, Any], mode: str, stream: str = "",
        customer_number: str = "") -> tuple[str, int | None]:
    if mode not in ASKS:
        return "unknown_mode", None
    stream, customer_number = stream.strip(), customer_number.strip()
    if mode == "incremental" and stream not in BY_NAME:
        return "unknown_stream", None
    with uow:
        conn = uow.conn
        if mode == "customer":
            customer = customer_search.by_number(conn, customer_number[:20]) if customer_number else None
            if customer is None:
                return "unknown_customer", None
            customer_number = customer["number"]
        streams = [stream] if mode == "incremental" else []  # none named: every stream
        request_id = requests.add(conn, mode=mode, streams=streams, requested_by=actor_of(admin),
                                  customer_number=customer_number if mode == "customer" else None)
        detail = f"customer:{customer_number}" if mode == "customer" else f"{mode} {stream or 'all'}"
        record(conn, "sync.request", f"sync_request:{request_id}", detail, admin=admin)
    return "queued", request_id
