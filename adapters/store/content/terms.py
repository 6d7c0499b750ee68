"""Terms of service: versions, the one in force, who accepted which, and e-invoice consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from adapters.store.statements import insert_ignore
from adapters.store.tables import e_invoice_consents, terms_acceptances, terms_versions
from config.clock import utcnow


def current(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(select(terms_versions).where(terms_versions.c.published_at <= utcnow())
                       .order_by(terms_versions.c.published_at.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def publish(conn: Connection, version: str, body_pl: str, body_en: str, at: datetime | None = None) -> None:
    conn.execute(terms_versions.insert().values(version=version, body_pl=body_pl, body_en=body_en,
                                                published_at=at or utcnow()))


def accept(conn: Connection, account_id: int, version: str) -> None:
    insert_ignore(conn, terms_acceptances, [{"account_id": account_id, "version": version, "accepted_at": utcnow()}])


def accepted(conn: Connection, account_id: int, version: str) -> bool:
    return conn.execute(select(terms_acceptances.c.accepted_at).where(and_(
        terms_acceptances.c.account_id == account_id, terms_acceptances.c.version == version))).first() is not None


def record_consent(conn: Connection, *, account_id: int, customer_id: int, consent: bool, terms_version: str,
                   submission_id: str) -> None:
    conn.execute(e_invoice_consents.insert().values(account_id=account_id, customer_id=customer_id, consent=consent,
                                                    terms_version=terms_version, at=utcnow(),
                                                    submission_id=submission_id))


def consents(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(e_invoice_consents)
                                          .where(e_invoice_consents.c.customer_id == customer_id)
                                          .order_by(e_invoice_consents.c.at.desc())).mappings()]


def exists(conn: Connection, version: str) -> bool:
    return conn.execute(select(terms_versions.c.version).where(terms_versions.c.version == version)).first() is not None


def versions(conn: Connection) -> list[dict[str, Any]]:
    """Every version, the newest first, with how many logins accepted it."""
    accepted_by = (select(func.count()).where(terms_acceptances.c.version == terms_versions.c.version)
                   .scalar_subquery())
    return [dict(r) for r in conn.execute(select(terms_versions, accepted_by.label("accepted_by"))
                                          .order_by(terms_versions.c.published_at.desc())).mappings()]


def due(conn: Connection, account_id: int) -> dict[str, Any] | None:
    """The version in force when this login has not accepted it (asked at login): a newer version than
    the one accepted at registration, or any version for a login the office made (``ibok portal
    account``), which accepted none; None when there is nothing to accept."""
    in_force = current(conn)
    if in_force is None:
        return None
    return None if accepted(conn, account_id, in_force["version"]) else in_force
