"""Writing the audit log from an admin view: the actor is the logged-in admin, the network the client's."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import Connection

from adapters.store.logins import audit as store_audit
from adapters.store.unit_of_work import UnitOfWork
from portal.auth import limits


def actor_of(admin: dict[str, Any] | None) -> str:
    return f"admin:{admin['id']}" if admin is not None else "anonymous"


def record(conn: Connection, action: str, object: str | None = None, detail: str | None = None,
           *, admin: dict[str, Any] | None = None) -> None:
    """One entry in ``conn``'s transaction (with the change it describes): by ``admin``, else g.admin."""
    who = admin if admin is not None else g.get("admin")
    store_audit.record(conn, actor=actor_of(who), action=action, object=object, detail=detail,
                       network=limits.client_network())


def record_shown(uow: UnitOfWork, action: str, object: str | None = None, detail: str | None = None) -> None:
    """The use case of a page that shows personal data: its audit entry (by g.admin), in ``uow``."""
    with uow:
        record(uow.conn, action, object, detail)
