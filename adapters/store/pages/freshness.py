"""How fresh the customer-facing mirror is: the "data as of …" under every customer page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from adapters.store.tables import sync_runs

# The streams whose freshness a customer's pages show ("dane z dnia … godz. …").
CUSTOMER_STREAMS = ("customers", "readings", "invoices", "settlements", "payments")
_r = sync_runs.c
_LAST_GOOD = (select(_r.stream, func.max(_r.finished_at))
              .where(and_(_r.stream.in_(CUSTOMER_STREAMS), _r.outcome == "ok")).group_by(_r.stream))


def fresh_at(conn: Connection) -> datetime | None:
    """When the customer-facing mirror was last known complete: the oldest of those streams' last good runs."""
    runs = dict(conn.execute(_LAST_GOOD).all())
    return None if set(runs) != set(CUSTOMER_STREAMS) else min(runs.values())
