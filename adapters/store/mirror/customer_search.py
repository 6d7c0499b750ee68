"""Finding a customer for the staff: by customer number, name or address, at most a page of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from adapters.store.tables import customers

LIMIT = 50


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(conn: Connection, query: str, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Customers whose number, name, street (with house number), postal code or city contains ``query``,
    ignoring case; an exact customer number first.

    PostgreSQL's ILIKE folds every letter; SQLite's only ASCII ones, so the query is also tried in
    upper, lower and title case ("źródło" finds "ŹRÓDŁO" and "Źródło" there too).
    """
    words = " ".join(query.split())
    if not words:
        return []
    c = customers.c
    street = c.street + " " + c.house_number
    patterns = [_contains(v) for v in dict.fromkeys((words, words.upper(), words.lower(), words.title()))]
    found = (select(c.id, c.number, c.name, c.street, c.house_number, c.flat_number, c.postal_code, c.city)
             .where(or_(*(column.ilike(p, escape="\\") for p in patterns
                          for column in (c.number, c.name, street, c.postal_code, c.city))))
             .order_by((c.number == words).desc(), c.name, c.number).limit(limit))
    return [dict(r) for r in conn.execute(found).mappings()]


def by_number(conn: Connection, number: str) -> dict[str, Any] | None:
    row = conn.execute(select(customers).where(customers.c.number == number.strip())).mappings().first()
    return dict(row) if row else None
