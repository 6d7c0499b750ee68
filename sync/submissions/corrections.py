"""A message to the customer office about a reading that can no longer be changed online, prepared
for the customer to read, change and send: pure, no I/O.

Billing's interface takes readings by INSERT only, each under its own KLUCZ: a reading that has
reached billing cannot be replaced or withdrawn from here. The office can correct it, and the
message names the meter, where it is, both values and their dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sync.submissions.messages import text

CATEGORY = "WNI"  # a request


@dataclass(frozen=True)
class Draft:
    category: str
    subject: str
    body: str


def address(row: Mapping[str, Any]) -> str:
    """A service point's address in one line, as billing keeps it."""
    flat = f"/{row['flat_number']}" if row.get("flat_number") else ""
    return f"{row['street']} {row['house_number']}{flat}, {row['postal_code']} {row['city']}"


def correction(locale: str, serial: str, where: str, last: tuple[date, Decimal, str], value: Decimal | None,
               on: date, *, sent: bool) -> Draft:
    """The draft for a reading of ``serial`` at ``where`` whose right value is ``value`` on ``on``
    (None: not given yet), against ``last`` (date, state, source): the customer's own reading that
    billing has (``sent``), or billing's last reading the meter now shows less than."""
    params = {"meter": serial, "address": where, "last": last[1], "date": last[0], "on": on,
              "value": "…" if value is None else value, "source": last[2]}
    body = text("correction_body_sent" if sent else "correction_body_last", locale, **params)
    return Draft(CATEGORY, text("correction_subject", locale, meter=serial), body.replace("…", "..."))
