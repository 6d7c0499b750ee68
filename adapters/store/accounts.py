"""Portal logins (accounts) and the customer accounts each may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from adapters.store.state import utcnow
from adapters.store.tables import account_customers, accounts, customers


def create(conn: Connection, *, email: str, name: str, password_hash: str, locale: str,
           must_change_password: bool, confirmed: bool) -> int:
    now = utcnow()
    result = conn.execute(accounts.insert().values(
        email=email.strip().lower(), name=name, password_hash=password_hash, locale=locale,
        must_change_password=must_change_password, created_at=now, password_changed_at=now,
        email_confirmed_at=now if confirmed else None))
    return int(result.inserted_primary_key[0])


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).mappings().first()
    return dict(row) if row else None


def get(conn: Connection, account_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return dict(row) if row else None


def link(conn: Connection, account_id: int, customer_id: int, proof: str) -> None:
    exists = conn.execute(select(account_customers.c.account_id).where(and_(
        account_customers.c.account_id == account_id, account_customers.c.customer_id == customer_id))).first()
    if exists is None:
        conn.execute(account_customers.insert().values(account_id=account_id, customer_id=customer_id,
                                                       linked_at=utcnow(), proof=proof))


def with_customers(conn: Connection, account_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A login and its customer accounts in one round trip (every page needs both)."""
    c, a = customers.c, account_customers.c
    rows = conn.execute(
        select(accounts, c.id.label("c_id"), c.number.label("c_number"), c.name.label("c_name"), c.street,
               c.house_number, c.flat_number, c.postal_code, c.city)
        .select_from(accounts.outerjoin(account_customers, a.account_id == accounts.c.id)
                     .outerjoin(customers, c.id == a.customer_id))
        .where(accounts.c.id == account_id).order_by(a.linked_at, c.id)).mappings().all()
    if not rows:
        return None, []
    account = {k: rows[0][k] for k in accounts.c.keys()}
    linked = [{"id": r["c_id"], "number": r["c_number"], "name": r["c_name"], "street": r["street"],
               "house_number": r["house_number"], "flat_number": r["flat_number"], "postal_code": r["postal_code"],
               "city": r["city"]} for r in rows if r["c_id"] is not None]
    return account, linked


def set_password(conn: Connection, account_id: int, password_hash: str) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(
        password_hash=password_hash, must_change_password=False, password_changed_at=utcnow()))


def confirm_email(conn: Connection, account_id: int) -> None:
    conn.execute(update(accounts).where((accounts.c.id == account_id) & accounts.c.email_confirmed_at.is_(None))
                 .values(email_confirmed_at=utcnow()))


def rehash(conn: Connection, account_id: int, password_hash: str) -> None:
    """The same password with the hasher's current parameters."""
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash))


def remove(conn: Connection, account_id: int) -> None:
    conn.execute(delete(account_customers).where(account_customers.c.account_id == account_id))
    conn.execute(delete(accounts).where(accounts.c.id == account_id))
