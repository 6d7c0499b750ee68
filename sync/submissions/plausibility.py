"""How plausible a meter reading is, judged from the meter's own history: pure, no I/O.

Actual readings (a meter reader's, the customer's, a radio read, the one taken at a meter exchange,
and the customer's own readings sent through iBOK) are evidence. Billing's estimates (``ZRODLO='S'``)
are weak evidence: they say what billing guessed, not what the meter showed, so they count only when
the meter has nothing better. A meter without a usable history (fewer than two readings, or readings
only days apart) is judged against the average household of its tariff (``tariff_months``), or, when
the store has no averages yet, against a household's usual use (the setting
``portal.household_litres_a_day``).

A new reading is compared with its *baseline*: the last actual reading, else the last estimate, else
the meter's mounting at 0 m³. What it implies (cubic metres since the baseline, and their approximate
cost at the prices of the customer's last invoice) is shown to the customer before it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ESTIMATE = "estimate"  # billing's estimate ('S'): weak evidence
SUBMITTED = "submitted"  # the customer's own reading sent through iBOK, not yet booked or refused by billing
MOUNTED = "mounted"  # no reading at all: the meter's mounting, at 0 m³
UNUSUAL_FACTOR = Decimal(3)  # billing orders a control reading above three times the usual consumption
MOVING = Decimal("0.05")  # m³ a day from which a meter "always moves" (a zero reading is then unusual)
MIN_SPAN_DAYS = 30  # readings closer together than this say too little about a meter's usual use


@dataclass(frozen=True)
class PastReading:
    """One reading of a meter: billing's (with its source) or one the customer submitted."""

    on: date
    state: Decimal
    source: str  # reader | customer | estimate | remote | exchange (billing's), submitted, mounted

    @property
    def actual(self) -> bool:
        return self.source != ESTIMATE


@dataclass(frozen=True)
class OwnReading:
    """The customer's latest reading sent through iBOK that billing has not refused."""

    id: str
    on: date
    state: Decimal
    replaceable: bool  # still in the outbox and no relay has claimed or tried it: it may be replaced

    def past(self) -> PastReading:
        return PastReading(self.on, self.state, SUBMITTED)


@dataclass(frozen=True)
class Usual:
    """A meter's usual consumption a day, and what it was judged from."""

    per_day: Decimal
    basis: str  # actual (its actual readings) | estimates (with billing's estimates) | tariff | household

    @property
    def own(self) -> bool:
        """Judged from the meter's own readings (not from an average household)."""
        return self.basis in ("actual", "estimates")


@dataclass(frozen=True)
class MeterFacts:
    """What the store knows of one meter, as far as a reading for it is concerned."""

    id: int
    serial_number: str
    point_id: int
    held: bool  # on a service point of one of the customer's current contracts
    mounted_on: date
    dismounted_on: date | None
    history: tuple[PastReading, ...] = ()  # billing's readings of recent years, oldest first
    own: OwnReading | None = None
    fallback: Usual | None = None  # the tariff's (or a household's) usual consumption a day
    price: Decimal | None = None  # gross zł a cubic metre on the customer's last invoice for this point

    @property
    def last(self) -> PastReading | None:
        """The latest reading of any source: billing's, estimates included, or the customer's own."""
        return _latest([*self.history[-1:], *([self.own.past()] if self.own else [])])

    @property
    def last_actual(self) -> PastReading | None:
        """The latest reading somebody (or a device) took from the meter: what a new one cannot be below."""
        actual = [r for r in self.history if r.actual]
        return _latest([*actual[-1:], *([self.own.past()] if self.own else [])])

    def baseline(self) -> PastReading:
        """What a new reading is compared with: the last actual reading, else the last estimate, else
        the mounting at 0 m³."""
        return self.last_actual or self.last or PastReading(self.mounted_on, Decimal("0.000"), MOUNTED)


def _latest(readings: Sequence[PastReading]) -> PastReading | None:
    return max(readings, key=lambda r: (r.on, r.state), default=None)


def _rate(readings: Sequence[PastReading]) -> Decimal | None:
    if len(readings) < 2:
        return None
    first, last = readings[0], readings[-1]
    days = (last.on - first.on).days
    if days < MIN_SPAN_DAYS or last.state < first.state:  # too short to say, or a meter that rolled over
        return None
    return (last.state - first.state) / days


def usual_daily(history: Sequence[PastReading], fallback: Usual | None = None) -> Usual | None:
    """The meter's usual consumption a day: from its actual readings; from all of them (estimates
    too) when the actual ones say nothing; else ``fallback``; None when nothing is known."""
    actual = _rate([r for r in history if r.actual])
    if actual is not None:
        return Usual(actual, "actual")
    with_estimates = _rate(list(history))
    if with_estimates is not None:
        return Usual(with_estimates, "estimates")
    return fallback


def household_daily(monthly: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """A tariff's average household a day, from its monthly averages (month's first day, m³)."""
    days = sum(_days_in_month(month) for month, _ in monthly)
    return None if not days else sum((m3 for _, m3 in monthly), Decimal(0)) / days


def _days_in_month(first: date) -> int:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (following - first).days


def unusual(meter: MeterFacts, on: date, state: Decimal) -> str | None:
    """Why the value is far outside what the meter (or, without history, a household) uses: a warning
    code, None when it is not. A reading on the day of the last one counts as one day's use."""
    base = meter.baseline()
    usual = usual_daily(meter.history, meter.fallback)
    used, days = state - base.state, (on - base.on).days
    if usual is None or used < 0 or days < 0:
        return None
    if used == 0 and days >= 1 and usual.own and usual.per_day > MOVING:
        return "unusual_zero"
    if used > usual.per_day * max(days, 1) * UNUSUAL_FACTOR:
        return "unusual_high" if usual.own else "unusual_high_household"
    return None


def approximate(amount: Decimal) -> Decimal:
    """A cost as people say it: to the złoty below 100 zł, to 10 zł below 1,000 zł, then to 100 zł."""
    step = Decimal(1) if amount < 100 else Decimal(10) if amount < 1000 else Decimal(100)
    return ((amount / step).quantize(Decimal(1), ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Implication:
    """What a reading means before it is sent: consumption since the baseline and its rough cost."""

    since: PastReading
    consumption: Decimal | None  # m³ since ``since``; None below an estimate the meter has only estimates of
    days: int
    cost: Decimal | None  # approximate gross zł; None when the prices are unknown
    below_estimate: PastReading | None  # billing's estimate the reading is below: billing corrects it
    unusual: str | None


def implication(meter: MeterFacts, on: date, state: Decimal) -> Implication:
    base, actual = meter.baseline(), meter.last_actual
    after = actual.on if actual is not None else meter.mounted_on
    above = [r for r in meter.history if not r.actual and r.on >= after and r.state > state]
    below = max(above, key=lambda r: (r.on, r.state)) if above else None
    used = state - base.state
    if used < 0:
        return Implication(base, None, (on - base.on).days, None, below, None)
    cost = approximate(used * meter.price) if meter.price is not None and used > 0 else None
    return Implication(base, used, (on - base.on).days, cost, below, unusual(meter, on, state))
