"""One notification run: read the store's candidate events, plan, queue the new messages.

The daemon runs it every ``mail.notify_every_s`` seconds (and `ibok mail notify` once); the
mailer sends what it queued. Windows bound what is read: invoices issued in the last two weeks,
reminders of open invoices around their due date, outages not over, legalizations ending within
90 days, replies of the last two weeks to submissions of the last half year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine

from adapters.store.db import writer
from adapters.store.logins import preferences
from adapters.store.outbox import mail
from adapters.store.outbox import notifications as store
from adapters.store.pages import notices
from config.clock import utcnow
from sync.mail import unsubscribe
from sync.notify import events as ev
from sync.notify.plan import HAPPENINGS, Event, Recipient, plan
from sync.outages import region_towns

log = structlog.get_logger(__name__)

LOOKBACK = timedelta(days=14)  # how old an event may be and still be news (a sync outage of days is covered)
SUBMISSIONS_LOOKBACK = timedelta(days=183)  # replies to submissions older than this are not mailed
OVERDUE_GRACE_DAYS = 3  # a payment made on the due day takes a day or two to reach billing's books
OVERDUE_DAYS = 14  # overdue reminders go out up to this many days after the grace (an old debt is not news)
LEGALIZATION_AHEAD_DAYS = 90
LEGALIZATION_PAST_DAYS = 30  # a legalization that ended lately still gets its one reminder


@dataclass
class NotifyReport:
    queued: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.queued.values())


def _outages(conn: Connection, now: datetime, since: datetime, tz: str) -> list[Event]:
    """Outage events; billing's points (whom an outage concerns) are read only while some outage is on."""
    current = store.current_outages(conn, now, since)
    if not current:
        return []
    towns_of = region_towns(notices.district_counts(conn))
    return ev.outages(current, store.linked_points(conn), towns_of, tz)


def run(engine: Engine, *, secret: str, tz: str, due_days: int = 3, now: datetime | None = None) -> NotifyReport:
    """Queue every notification due now; safe to run twice or in two daemons at once."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(tz)).date()
    with writer(engine).begin() as conn:
        started = store.marks(conn, HAPPENINGS, now)
    with engine.connect() as conn:
        recipients = [Recipient(**r) for r in store.recipients(conn)]
        if not recipients:
            return NotifyReport()
        since, asked_since = now - LOOKBACK, now - SUBMISSIONS_LOOKBACK
        grace = today - timedelta(days=OVERDUE_GRACE_DAYS)
        found = [
            *ev.invoices(store.issued_invoices(conn, since.astimezone(ZoneInfo(tz)).date()), tz),
            *ev.due(store.open_invoices(conn, today, today + timedelta(days=due_days)), due_days),
            *ev.overdue(store.open_invoices(conn, grace - timedelta(days=OVERDUE_DAYS), grace - timedelta(days=1))),
            *_outages(conn, now, since, tz),
            *ev.legalizations(store.expiring_meters(conn, today, today - timedelta(days=LEGALIZATION_PAST_DAYS),
                                                    today + timedelta(days=LEGALIZATION_AHEAD_DAYS)), today),
            *ev.readings(store.reading_decisions(conn, asked_since, since)),
            *ev.cases(store.case_stages(conn, asked_since, since)),
            *ev.replies(store.answered_messages(conn, asked_since, since)),
        ]
        messages = plan(found, recipients, turned_off=preferences.turned_off(conn), started=started)
        already = store.queued(conn, [m.event for m in messages])
    report = NotifyReport()
    new = [m for m in messages if m.event not in already]
    with writer(engine).begin() as conn:
        for m in new:
            params = {**m.params, "unsubscribe": unsubscribe.path(secret, m.account_id, m.kind)}
            if mail.enqueue(conn, event=m.event, to=m.to, locale=m.locale, template=m.template, params=params):
                report.queued[m.kind] = report.queued.get(m.kind, 0) + 1
    if report.total:
        log.info("notifications_queued", total=report.total, **report.queued)
    return report
