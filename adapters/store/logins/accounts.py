"""Portal logins (accounts) and the customer accounts each may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    RowMapping,
    and_,
    bindparam,
    select,
    update,
)

from adapters.store.statements import inserted_id
from adapters.store.tables import account_customers, accounts, customers
from config.clock import utcnow


def create(conn: Connection, *, email: str, name: str, password_hash: str, locale: str,
           must_change_password: bool, confirmed: bool) -> int:
    now = utcnow()
    result = conn.execute(accounts.insert().values(
        email=email.strip().lower(), name=name, password_hash=password_hash, locale=locale,
        must_change_password=must_change_password, created_at=now, password_changed_at=now,
        email_confirmed_at=now if confirmed else None))
    return inserted_id(result)


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).mappings().first()
    return dict(row) if row else None


def by_customer_number(conn: Connection, number: str) -> dict[str, Any] | None:
    """The one login (not disabled) that holds the customer account of this number (billing's form,
    ``customer_numbers.number_of``); None when no login or several do (a number then names no login)."""
    found = conn.execute(select(accounts).join(account_customers, account_customers.c.account_id == accounts.c.id)
                         .join(customers, customers.c.id == account_customers.c.customer_id)
                         .where((customers.c.number == number) & accounts.c.disabled_at.is_(None))
                         .limit(2)).mappings().all()
    return dict(found[0]) if len(found) == 1 else None


def get(conn: Connection, account_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return dict(row) if row else None


def link(conn: Connection, account_id: int, customer_id: int, proof: str) -> None:
    exists = conn.execute(select(account_customers.c.account_id).where(and_(
        account_customers.c.account_id == account_id, account_customers.c.customer_id == customer_id))).first()
    if exists is None:
        conn.execute(account_customers.insert().values(account_id=account_id, customer_id=customer_id,
                                                       linked_at=utcnow(), proof=proof))


# A login and its customer accounts, as columns any statement can add (the session's load adds
# them to its own row): the login's columns as they are, each customer's with a "c_" prefix.
_CUSTOMER_COLUMNS = ("id", "number", "name", "street", "house_number", "flat_number", "postal_code", "city")
LOGIN_COLUMNS = (*accounts.c, *(customers.c[name].label(f"c_{name}") for name in _CUSTOMER_COLUMNS))


def _linked(login: FromClause) -> FromClause:
    a = account_customers.c
    return (login.outerjoin(account_customers, a.account_id == accounts.c.id)
            .outerjoin(customers, customers.c.id == a.customer_id))


def login_join(left: FromClause, account_id: ColumnElement[Any]) -> FromClause:
    """``left`` joined with the login ``account_id`` names and its customer accounts."""
    return _linked(left.outerjoin(accounts, accounts.c.id == account_id))


LOGIN_ORDER = (account_customers.c.linked_at, customers.c.id)


def login_from_rows(rows: Sequence[RowMapping]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The login and its customer accounts from the rows of a statement with LOGIN_COLUMNS."""
    if not rows or rows[0]["id"] is None:
        return None, []
    account = {c.name: rows[0][c.name] for c in accounts.c}
    linked = [{name: r[f"c_{name}"] for name in _CUSTOMER_COLUMNS} for r in rows if r["c_id"] is not None]
    return account, linked


_LOGIN = (select(*LOGIN_COLUMNS).select_from(_linked(accounts)).where(accounts.c.id == bindparam("account"))
          .order_by(*LOGIN_ORDER))


def with_customers(conn: Connection, account_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A login and its customer accounts in one round trip (every page needs both)."""
    return login_from_rows(conn.execute(_LOGIN, {"account": account_id}).mappings().all())


def set_password(conn: Connection, account_id: int, password_hash: str) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(
        password_hash=password_hash, must_change_password=False, password_changed_at=utcnow()))


def confirm_email(conn: Connection, account_id: int) -> None:
    conn.execute(update(accounts).where((accounts.c.id == account_id) & accounts.c.email_confirmed_at.is_(None))
                 .values(email_confirmed_at=utcnow()))


def set_pending_email(conn: Connection, account_id: int, email: str | None) -> None:
    """The new address a login waits to confirm (None: no change waiting)."""
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(pending_email=email))


def change_email(conn: Connection, account_id: int, email: str) -> None:
    """The login's address becomes ``email`` (its owner opened the link sent to it: confirmed)."""
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(
        email=email.strip().lower(), pending_email=None, email_confirmed_at=utcnow()))


def set_locale(conn: Connection, account_id: int, locale: str) -> None:
    """The language the login chose: its pages after a login anywhere, and its e-mails."""
    conn.execute(update(accounts).where((accounts.c.id == account_id) & (accounts.c.locale != locale))
                 .values(locale=locale))


def rehash(conn: Connection, account_id: int, password_hash: str) -> None:
    """The same password with the hasher's current parameters."""
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash))
