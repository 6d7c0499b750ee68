"""A login's choice of e-mail notifications: every kind is on until its owner turns it off."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select

from adapters.store.statements import insert_statement
from adapters.store.tables import notification_preferences
from config.clock import utcnow

# The optional messages, in the order the preferences page lists them. Service messages (address
# confirmation, password reset, registration decisions) are not here: they have no switch.
KINDS = ("invoice", "due", "overdue", "outage", "legalization", "reading", "case", "reply")


def of(conn: Connection, account_id: int) -> dict[str, bool]:
    """Each kind on or off for this login."""
    p = notification_preferences.c
    stored = dict(conn.execute(select(p.kind, p.enabled).where(p.account_id == account_id)).all())
    return {kind: bool(stored.get(kind, True)) for kind in KINDS}


def save(conn: Connection, account_id: int, choices: Mapping[str, bool]) -> None:
    """Store the choices given (kinds not named keep theirs)."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kind(s): {', '.join(sorted(unknown))}")
    if not choices:
        return
    now = utcnow()
    stmt = insert_statement(conn, notification_preferences)
    stmt = stmt.on_conflict_do_update(index_elements=["account_id", "kind"],
                                      set_={"enabled": stmt.excluded.enabled, "changed_at": stmt.excluded.changed_at})
    conn.execute(stmt, [{"account_id": account_id, "kind": kind, "enabled": bool(on), "changed_at": now}
                        for kind, on in choices.items()])


def turned_off(conn: Connection) -> set[tuple[int, str]]:
    """(login, kind) of every switch turned off: what the notifier leaves out."""
    p = notification_preferences.c
    return {(int(a), str(k)) for a, k in conn.execute(select(p.account_id, p.kind).where(p.enabled.is_(False)))}
