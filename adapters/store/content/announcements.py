"""The utility's own announcements: published for every customer or for districts (billing's REJON),
valid for a period, withdrawn early if need be; and the ones a customer sees now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from adapters.store.statements import inserted_id
from adapters.store.tables import (
    announcement_districts,
    announcements,
    contracts,
    points,
)
from config.clock import utcnow

KINDS = ("outage", "info")
PAST_SHOWN = 50  # the admin list's past announcements: the newest this many

_a = announcements.c


def districts(conn: Connection) -> list[str]:
    """Every district a service point is in: what an announcement may be meant for."""
    return sorted(conn.execute(select(points.c.district).distinct()).scalars())


def publish(conn: Connection, *, kind: str, title_pl: str, body_pl: str, valid_from: datetime,
            valid_until: datetime, published_by: str, targets: Sequence[str] = (), title_en: str | None = None,
            body_en: str | None = None) -> int:
    """A new announcement; ``targets`` empty: for everyone. Its id. The caller checked the text (the
    admin form says what to fix); these checks only keep a bad row out of the store."""
    if kind not in KINDS or not title_pl.strip() or not body_pl.strip() or valid_until <= valid_from:
        raise ValueError("an announcement needs a kind, a Polish title and text, and an end after its start")
    chosen = sorted(set(targets))
    new_id = inserted_id(conn.execute(announcements.insert().values(
        kind=kind, title_pl=title_pl.strip(), title_en=(title_en or "").strip() or None, body_pl=body_pl.strip(),
        body_en=(body_en or "").strip() or None, everyone=not chosen, valid_from=valid_from,
        valid_until=valid_until, published_by=published_by, created_at=utcnow())))
    if chosen:
        conn.execute(announcement_districts.insert(), [{"announcement_id": new_id, "district": d} for d in chosen])
    return new_id


def withdraw(conn: Connection, announcement_id: int) -> bool:
    """End an announcement now; False when it was withdrawn already (or there is none)."""
    done = conn.execute(update(announcements).where(_a.id == announcement_id, _a.withdrawn_at.is_(None))
                        .values(withdrawn_at=utcnow()))
    return done.rowcount == 1


def get(conn: Connection, announcement_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(announcements).where(_a.id == announcement_id)).mappings().first()
    return dict(row) if row else None


def _with_targets(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [r["id"] for r in rows if not r["everyone"]]
    targets: dict[int, list[str]] = {}
    if ids:
        for announcement_id, district in conn.execute(
                select(announcement_districts.c.announcement_id, announcement_districts.c.district)
                .where(announcement_districts.c.announcement_id.in_(ids))
                .order_by(announcement_districts.c.district)):
            targets.setdefault(announcement_id, []).append(district)
    return [{**r, "districts": targets.get(r["id"], [])} for r in rows]


def listing(conn: Connection, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """For the staff: current (valid now), future (not yet valid) and past (ended or withdrawn)."""
    live = [dict(r) for r in conn.execute(select(announcements).where(and_(_a.withdrawn_at.is_(None),
                                                                            _a.valid_until > now))
                                          .order_by(_a.valid_from, _a.id)).mappings()]
    past = [dict(r) for r in conn.execute(select(announcements).where(or_(_a.withdrawn_at.is_not(None),
                                                                           _a.valid_until <= now))
                                          .order_by(_a.valid_until.desc(), _a.id.desc()).limit(PAST_SHOWN))
            .mappings()]
    everything = _with_targets(conn, live + past)
    current = [r for r in everything[:len(live)] if r["valid_from"] <= now]
    future = [r for r in everything[:len(live)] if r["valid_from"] > now]
    return {"current": current, "future": future, "past": everything[len(live):]}


def windows(conn: Connection, now: datetime) -> list[tuple[datetime, datetime]]:
    """(from, until) of every announcement not withdrawn and not ended: whether any is valid at a moment
    is then known without asking the store again (see portal.customer.announced)."""
    return [(r.valid_from, r.valid_until) for r in conn.execute(
        select(_a.valid_from, _a.valid_until).where(and_(_a.withdrawn_at.is_(None), _a.valid_until > now)))]


def for_customer(conn: Connection, customer_id: int, today: date, now: datetime) -> list[dict[str, Any]]:
    """The announcements valid now for everyone, or for a district where the customer holds a service
    point (by a contract in force today): one query, through the indexes on the districts and the end."""
    c = contracts.c
    held = select(c.point_id).where(and_(c.customer_id == customer_id, c.starts_on <= today,
                                         or_(c.ends_on.is_(None), c.ends_on >= today)))
    theirs = select(announcement_districts.c.announcement_id).where(
        announcement_districts.c.district.in_(select(points.c.district).where(points.c.id.in_(held))))
    query = (select(_a.id, _a.kind, _a.title_pl, _a.title_en, _a.body_pl, _a.body_en, _a.valid_from, _a.valid_until)
             .where(and_(_a.valid_until > now, _a.valid_from <= now, _a.withdrawn_at.is_(None),
                         or_(_a.everyone, _a.id.in_(theirs))))
             .order_by(_a.kind.desc(), _a.valid_from.desc(), _a.id.desc()))  # outages ("outage" > "info") first
    return [dict(r) for r in conn.execute(query).mappings()]
