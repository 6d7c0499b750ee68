"""Which notification e-mails to queue, from plain data: events, recipients, switches, what was sent.

Pure: the shell (``sync.notify.job``) reads the store into these values and writes the result.
Each message's key is the event's key plus the login's id, and ``mail_outbox.event`` is unique:
a message can be queued once per login per event, whatever runs twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Kinds that report something that happened: only what happened after the login was linked to the
# customer (and after the kind was first sent at all) is news. The other kinds remind of a state
# (an open invoice, a current outage, a meter's legalization) and are sent once whenever it is seen.
HAPPENINGS = ("invoice", "reading", "case", "reply")


@dataclass(frozen=True)
class Recipient:
    """A confirmed, enabled login allowed to see one customer account."""

    account_id: int
    customer_id: int
    email: str
    locale: str
    name: str
    linked_at: datetime


@dataclass(frozen=True)
class Event:
    """Something to tell the holders of ``customer_ids`` about."""

    kind: str
    key: str  # what it is about, e.g. "invoice:123" (the login's id is added per message)
    customer_ids: frozenset[int]
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # when it happened (HAPPENINGS); None: a state, news whenever seen


@dataclass(frozen=True)
class Message:
    event: str  # mail_outbox.event
    kind: str
    account_id: int
    to: str
    locale: str
    template: str
    params: dict[str, Any]


def plan(events: Iterable[Event], recipients: Iterable[Recipient], *, turned_off: set[tuple[int, str]],
         started: Mapping[str, datetime]) -> list[Message]:
    """The messages due: one per event and login holding one of its customers, unless the login turned
    that kind off or the event is older than the login's link (or than the kind's start). The shell
    leaves out those queued already (their keys are in the outbox)."""
    by_customer: dict[int, list[Recipient]] = {}
    for r in recipients:
        by_customer.setdefault(r.customer_id, []).append(r)
    messages: dict[str, Message] = {}
    for event in events:
        for customer_id in sorted(event.customer_ids):
            for r in by_customer.get(customer_id, []):
                key = f"{event.key}:{r.account_id}"
                if key in messages or (r.account_id, event.kind) in turned_off:
                    continue
                if event.at is not None and not _news(event, r, started):
                    continue
                messages[key] = Message(key, event.kind, r.account_id, r.email, r.locale, event.template,
                                        {"name": r.name, **event.params})
    return list(messages.values())


def _news(event: Event, recipient: Recipient, started: Mapping[str, datetime]) -> bool:
    since = max(recipient.linked_at, started.get(event.kind, recipient.linked_at))
    return event.at is not None and event.at >= since


def issued_moment(issued_on: date, modified_at: datetime, tz: str) -> datetime:
    """The latest instant by which an invoice certainly existed: its stamp, or the end of its issue day
    if that is earlier (a years-old invoice touched today is not news)."""
    day_end = datetime.combine(issued_on + timedelta(days=1), time.min, ZoneInfo(tz))
    return min(modified_at, day_end)
