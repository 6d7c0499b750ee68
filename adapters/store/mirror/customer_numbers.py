"""A customer number as people type it ("12345", "012345", "0012345", "klient 12345", "Klient012345")
read as billing keeps it: NR_KLIENTA, six digits, zero-padded (SPEC), printed on every invoice."""

from __future__ import annotations

import re

from sqlalchemy import Connection, String, select

from adapters.store.tables import customers

_TYPE = customers.c.number.type
WIDTH = _TYPE.length if isinstance(_TYPE, String) and _TYPE.length else 6  # billing's CHAR(6)
# The word the utility's own login accepts before the number ("klient12345"), with "nr" or a colon after it.
_PREFIX = re.compile(r"^(?:klient)?(?:nr\.?)?[:#]?")
_DIGITS = re.compile(r"[0-9]{1,40}")  # ASCII digits only: "١٢٣" or "１２３" are not a customer number


def number_of(typed: str) -> str | None:
    """Billing's form of a customer number typed with or without its leading zeros, spaces or the word
    "klient"; None when the text is no customer number at all (an e-mail address, letters, too long)."""
    compact = _PREFIX.sub("", "".join(typed.split()).lower(), count=1)
    if not _DIGITS.fullmatch(compact):
        return None
    digits = compact.lstrip("0") or "0"
    return digits.zfill(WIDTH) if len(digits) <= WIDTH else None


def customer_id(conn: Connection, typed: str) -> int | None:
    """The customer whose number this is, however it was typed (see ``number_of``)."""
    number = number_of(typed)
    if number is None:
        return None
    found: int | None = conn.execute(select(customers.c.id).where(customers.c.number == number)).scalar()
    return found
