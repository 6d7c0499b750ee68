"""Column types that keep the store exact and in UTC on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator


class Scaled(TypeDecorator[Decimal]):
    """An exact decimal with fixed places, stored as a scaled integer (grosze, litres).

    Integers keep SQLite exact (it has no decimal type) and make sums cheap everywhere.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = (value if isinstance(value, Decimal) else Decimal(value)).scaleb(self.places)
        whole = int(scaled)
        if whole != scaled:
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return whole

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).scaleb(-self.places)  # exponent -places: '0.00', not '0'; exact


MONEY = Scaled(2)  # złoty, to the grosz
QUANTITY = Scaled(3)  # m³, to the litre
PRICE = Scaled(4)  # unit prices


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: aware UTC in, aware UTC out (SQLite keeps it as naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps instants in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
