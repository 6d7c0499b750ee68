"""The audit log of the admin area: who of the staff did what to which object, searched and pruned.

Entries name objects by number ("registration:12", "customer:000123"); the detail is short and
never holds a password, a token, a TOTP secret or a person's name or address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, delete, select

from adapters.store.pages.billing import Page, paginate
from adapters.store.tables import audit_log
from config.clock import utcnow


def record(conn: Connection, *, actor: str, action: str, object: str | None = None,
           detail: str | None = None, network: str | None = None, at: datetime | None = None) -> None:
    conn.execute(audit_log.insert().values(
        at=at or utcnow(), actor=actor[:60], action=action[:40], object=object[:60] if object else None,
        detail=detail[:400] if detail else None, network=network[:50] if network else None))


@dataclass(frozen=True)
class AuditFilter:
    """What to look for: an exact actor or object (or a prefix ending in ":"), an action or its prefix
    ("registration." for every decision), and days (billing's local calendar) from and to, inclusive."""

    actor: str = ""
    action: str = ""
    object: str = ""
    since: date | None = None
    until: date | None = None


def _matches(column: ColumnElement[str], wanted: str) -> ColumnElement[bool]:
    """Exact, or every value starting with ``wanted`` when it ends in "." or ":" (no wildcards typed)."""
    if wanted.endswith((".", ":")):
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"{escaped}%", escape="\\")
    return column == wanted


def _conditions(chosen: AuditFilter, zone: str) -> list[ColumnElement[bool]]:
    a, where = audit_log.c, []
    for column, wanted in ((a.actor, chosen.actor), (a.action, chosen.action), (a.object, chosen.object)):
        if wanted.strip():
            where.append(_matches(column, wanted.strip()))
    tz = ZoneInfo(zone)
    if chosen.since is not None:
        where.append(a.at >= datetime.combine(chosen.since, time(), tz))
    if chosen.until is not None:
        where.append(a.at < datetime.combine(chosen.until + timedelta(days=1), time(), tz))
    return where


def search(conn: Connection, chosen: AuditFilter, number: int, size: int, zone: str = "Europe/Warsaw") -> Page:
    """Entries matching ``chosen``, newest first, one page of them."""
    query = select(audit_log).where(*_conditions(chosen, zone)).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    return paginate(conn, query, number, size)


def prune(conn: Connection, keep_days: int, now: datetime | None = None) -> int:
    """Forget entries older than ``keep_days``; how many were forgotten."""
    before = (now or utcnow()) - timedelta(days=keep_days)
    return conn.execute(delete(audit_log).where(audit_log.c.at < before)).rowcount
