"""Normalizing the billing database's value quirks at the edge (pure functions)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

ZERO_DATES = frozenset({"0000-00-00", "0000-00-00 00:00:00"})
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def text(value: object) -> str | None:
    """CHAR columns come right-padded from some drivers; the padding means nothing."""
    return None if value is None else str(value).rstrip(" ")


def flag(value: object) -> bool:
    """'T' (tak) is true, anything else ('N', nie) is false."""
    return text(value) == "T"


def decimal(value: object, places: int) -> Decimal | None:
    """Exact money or quantity from DECIMAL, or from SQLite's REAL / TEXT storage."""
    if value is None:
        return None
    if isinstance(value, float):
        value = repr(value)  # shortest repr round-trips the stored value, no binary drift
    exact = Decimal(value if isinstance(value, str) else str(value)).quantize(_QUANTA[places])
    return exact if exact else abs(exact)  # -0.00 from a float sum is 0.00


def day(value: object) -> date | None:
    """A DATE, with billing's zero date meaning "none"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    if not raw or raw in ZERO_DATES:
        return None
    return date.fromisoformat(raw[:10])


def stamp(value: object) -> datetime | None:
    """A DATETIME as the naive local wall-clock time billing wrote."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    raw = str(value).strip()
    if not raw or raw in ZERO_DATES:
        return None
    return datetime.fromisoformat(raw).replace(microsecond=0)
