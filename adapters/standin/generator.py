"""Deterministic data for the billing stand-in: the same size, seed and date give the same rows.

Rows stream out one household at a time (a customer with its points, meters,
readings, invoices, lines, payments and settlements), so memory stays flat at
any size. Values are plain Python (int, str, Decimal, date, datetime, None);
``ZERO_DATE`` marks the places where billing may hold ``0000-00-00``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapters.standin import names
from adapters.standin.clock import local_stamp
from adapters.standin.payers import plan_payments
from adapters.standin.pricing import VAT_LABEL, Line, Tariff, price_line, service_lines
from adapters.standin.profiles import FORCED, SIZES, Profile, random_profile
from adapters.standin.settlement import Invoice, Payment, settle

Batch = dict[str, list[tuple[Any, ...]]]
# (town, postal code prefix, network districts)
_Town = tuple[str, str, tuple[str, ...]]
# An ODBIORCY row
_CustomerRow = tuple[int, str, str, str | None, str, str, str | None, str, str, str | None, str | None, str, datetime]
# A FAKTURY row
_InvoiceRow = tuple[int, str, int, int, str, int | None, date, date, date, date, Decimal, Decimal, Decimal, str,
                    str | None, datetime]


class _ZeroDate:
    """Billing's ``0000-00-00`` ("no date"); NULL where the database has no such value."""

    def __repr__(self) -> str:
        return "ZERO_DATE"


ZERO_DATE = _ZeroDate()
MILLI = Decimal("0.001")
LEGALIZATION_YEARS = 5


def qty(x: Decimal | float) -> Decimal:
    return Decimal(f"{x:.3f}") if isinstance(x, float) else x.quantize(MILLI)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _ascii(text: str) -> str:
    table = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
    return text.translate(table)


def _nip(rng: random.Random) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class _Ids:
    """Sequence counters, one per table key, as the billing application allocates them."""

    next: dict[str, int] = field(default_factory=lambda: defaultdict(lambda: 1))

    def __call__(self, key: str) -> int:
        value = self.next[key]
        self.next[key] = value + 1
        return value


@dataclass
class _Meter:
    id: int
    kind: str  # G main, P sub-meter
    mount: date
    dismount: date | None
    legal_to: date


@dataclass
class _Reading:
    id: int
    meter: _Meter
    on: date
    state: Decimal
    usage: Decimal
    source: str
    stamp: datetime


class Generator:
    """Builds the stand-in's rows for one size, seed and reference date."""

    def __init__(self, size: str, seed: int, as_of: date) -> None:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        self.size = SIZES[size]
        self.seed = seed
        self.as_of = as_of
        self.history_start = date(as_of.year - self.size.years, as_of.month, 1)
        self.rng = random.Random(f"ibok-standin:{size}:{seed}")
        self.ids = _Ids()
        self.invoice_seq: dict[tuple[str, int, int], int] = defaultdict(int)
        self.customer_numbers = 10_000
        self.case_seq = 0

    # ----- the whole data set -------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        """Every row of every table, one batch (dict table -> rows) at a time."""
        yield self._reference_data()
        for index in range(self.size.customers):
            profile = FORCED[index] if index < len(FORCED) else random_profile(self.rng)
            yield self._household(profile)
        sequences = [(key, value - 1) for key, value in self.ids.next.items()]
        sequences += [(invoice_sequence(prefix, date(y, m, 1)), n) for (prefix, y, m), n in self.invoice_seq.items()]
        yield {"SEKWENCJE": sorted(sequences)}

    def _reference_data(self) -> Batch:
        rng = self.rng
        batch: Batch = {"ODDZIALY": [tuple(s) for s in names.SELLERS]}
        self.ids.next["ID_ODDZ"] = len(names.SELLERS) + 1
        outages = []
        day = self.history_start
        while day <= self.as_of:
            for _ in range(rng.randint(0, self.size.outages_per_month)):
                start = datetime.combine(
                    day + timedelta(days=rng.randint(0, 27)), datetime.min.time()
                ) + timedelta(minutes=rng.randint(6 * 60, 20 * 60))
                if start.date() >= self.as_of:
                    continue
                end: datetime | None = start + timedelta(hours=rng.randint(2, 14))
                town, _, districts = rng.choice(names.TOWNS)
                text = rng.choice(names.OUTAGE_TEXTS).format(street=rng.choice(names.STREETS))
                outages.append((start, end, rng.choice(districts), text))
            day = month_end(day.year, day.month) + timedelta(days=1)
        # Two outages still open on the reference date: one with an expected end, one without.
        for hours, known_end in ((3, True), (30, False)):
            _, _, districts = rng.choice(names.TOWNS)
            start = datetime.combine(self.as_of, datetime.min.time()) - timedelta(hours=hours)
            end = start + timedelta(hours=hours + 8) if known_end else None
            text = rng.choice(names.OUTAGE_TEXTS).format(street=rng.choice(names.STREETS))
            outages.append((start, end, districts[0], text))
        outages.sort(key=lambda o: o[0])
        rows = []
        for start, end, district, text in outages:
            closed = end is not None and end < datetime.combine(self.as_of, datetime.min.time())
            stamp = end if closed else start + timedelta(minutes=12)
            rows.append((self.ids("ID_AWARII"), f"{district:<4}", start, end, text, stamp))
        batch["AWARIE"] = rows
        batch["SPRAWY_HISTORIA"] = self._office_cases()
        return batch

    def _office_cases(self) -> list[tuple[int, str, datetime, str]]:
        """Cases from the office's other channels: stages appended in time order."""
        rng = self.rng
        events = []
        span = (self.as_of - self.history_start).days
        for _ in range(self.size.office_cases):
            self.case_seq += 1
            opened = datetime.combine(
                self.history_start + timedelta(days=rng.randint(0, max(1, span - 2))),
                datetime.min.time(),
            ) + timedelta(minutes=rng.randint(7 * 60, 15 * 60))
            number = f"DOK/{opened.year}/{self.case_seq:06d}"
            at = opened
            for stage in names.CASE_STAGES[: rng.randint(1, len(names.CASE_STAGES))]:
                if at.date() >= self.as_of:
                    break
                events.append((at, number, stage))
                at += timedelta(days=rng.randint(1, 9), minutes=rng.randint(1, 300))
        events.sort()
        return [(self.ids("ID_HIST"), number, at, stage) for at, number, stage in events]

    # ----- one household --------------------------------------------------------------------
    def _new_customer(self, profile: Profile, town: _Town, batch: Batch, since: date) -> _CustomerRow:
        rng = self.rng
        self.customer_numbers += rng.randint(1, 3)
        customer_id = self.ids("ID_ODB")
        town_name, postal, _ = town
        if profile.company:
            name = profile.name or " ".join(
                filter(None, (rng.choice(names.COMPANY_KINDS), rng.choice(names.COMPANY_WORDS),
                              rng.choice(names.COMPANY_SUFFIXES)))
            )
            first, last = "biuro", _ascii(name.split()[-1]).lower().strip(".")
            nip = _nip(rng)
        else:
            if profile.name:
                name = profile.name
            else:
                female = rng.random() < 0.5
                first_name = rng.choice(names.FEMALE_FIRST if female else names.MALE_FIRST)
                name = f"{first_name} {rng.choice(names.SURNAMES)[1 if female else 0]}"
            first, last = (_ascii(part).lower() for part in name.split(" ", 1))
            nip = None
        street = profile.street or rng.choice(names.STREETS)
        house = str(rng.randint(1, 180)) + (rng.choice("ABC") if rng.random() < 0.1 else "")
        flat = str(rng.randint(1, 120)) if rng.random() < 0.35 else None
        email = (
            f"{first}.{last.replace(' ', '')}{rng.randint(1, 99)}@{rng.choice(names.EMAIL_DOMAINS)}"
            if rng.random() < 0.65 else None
        )
        phone = None
        if rng.random() < 0.7:
            digits = f"{rng.choice((5, 6, 7, 8))}{rng.randint(0, 99_999_999):08d}"
            phone = rng.choice((
                f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"+48{digits}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
            ))
        e_invoice = "T" if email and rng.random() < 0.6 else "N"
        created = local_stamp(since, 10, rng.randint(0, 59), rng.randint(0, 59))
        stamp = created
        if rng.random() < 0.3:
            later = since + timedelta(days=rng.randint(1, max(1, (self.as_of - since).days)))
            stamp = max(created, local_stamp(min(later, self.as_of), 11, rng.randint(0, 59), rng.randint(0, 59)))
        postcode = f"{postal}{rng.randint(0, 99):02d}"
        row = (customer_id, f"{self.customer_numbers:06d}", name, nip, street, house, flat,
               postcode, town_name, email, phone, e_invoice, stamp)
        batch["ODBIORCY"].append(row)
        return row

    def _household(self, profile: Profile) -> Batch:
        rng = self.rng
        batch: Batch = defaultdict(list)
        town = rng.choice(names.TOWNS)
        starts = [self._contract_start(profile) for _ in range(profile.contracts)]
        customer = self._new_customer(profile, town, batch, min(starts))
        invoices: dict[int, list[Invoice]] = defaultdict(list)  # per customer id
        payments_due: dict[int, list[tuple[Invoice, str]]] = defaultdict(list)
        for n, start in enumerate(starts):
            self._service_point(profile if n == 0 else Profile(company=profile.company),
                                customer, town, start, batch, invoices, payments_due, first=n == 0)
        for customer_id, owed in payments_due.items():
            payer = profile.payer if customer_id == customer[0] else "punctual"
            pays = self._payments(customer_id, payer, owed, batch)
            for s in settle(invoices[customer_id], pays):
                settled: date | _ZeroDate | None = s.settled_on
                if settled is None and rng.random() < 0.05:
                    settled = ZERO_DATE
                batch["ROZRACHUNKI"].append((s.invoice_id, s.paid, s.left, settled, s.stamp))
        return batch

    def _contract_start(self, profile: Profile) -> date:
        rng = self.rng
        if profile.newcomer:
            return self.as_of - timedelta(days=rng.randint(5, 25))
        if rng.random() < 0.85 or profile.owner_change or profile.terminated:
            return self.history_start - timedelta(days=rng.randint(30, 4000))
        span = (self.as_of - self.history_start).days - 200
        d = self.history_start + timedelta(days=rng.randint(0, span))
        return d.replace(day=1)

    def _service_point(self, profile: Profile, customer: _CustomerRow, town: _Town, start: date, batch: Batch,
                       invoices: dict[int, list[Invoice]], payments_due: dict[int, list[tuple[Invoice, str]]],
                       first: bool) -> None:
        rng = self.rng
        point_id = self.ids("ID_PKT")
        town_name, postal, districts = town
        if first and not profile.company:
            street, house, flat, postcode = customer[4], customer[5], customer[6], customer[7]
        else:
            street, house, flat = rng.choice(names.STREETS), str(rng.randint(1, 250)), None
            postcode = f"{postal}{rng.randint(0, 99):02d}"
        batch["PUNKTY"].append((point_id, street, house, flat, postcode, town_name,
                                f"{rng.choice(districts):<4}", local_stamp(start, 9, rng.randint(0, 59))))
        monthly = profile.company
        parity = rng.randint(0, 1)
        ends = [
            month_end(y, m)
            for y in range(start.year, self.as_of.year + 1)
            for m in range(1, 13)
            if (monthly or m % 2 == parity) and start < month_end(y, m) <= self.as_of
        ]
        # Who is supplied when: (customer row, contract start, contract end or None)
        segments: list[tuple[_CustomerRow, date, date | None]] = []
        in_window = [e for e in ends if e >= self.history_start]
        if profile.owner_change and len(in_window) > 6:
            sale = in_window[rng.randint(2, len(in_window) - 4)]
            former = self._new_customer(Profile(), town, batch, start)
            segments = [(former, start, sale), (customer, sale + timedelta(days=1), None)]
        elif profile.terminated and len(in_window) > 4:
            segments = [(customer, start, in_window[-rng.randint(1, 3)])]
        else:
            segments = [(customer, start, None)]
        point_end = segments[-1][2]
        meters = self._meters(profile, point_id, start, point_end, batch)
        radio = rng.random() < 0.15
        readings = self._readings(meters, ends, start, point_end, profile, radio, batch)
        kind = "WK" if profile.company or rng.random() < 0.75 else rng.choice(("W ", "W ", "K "))
        tariff = "P1" if profile.company else ("G2" if profile.submeter else "G1")
        seller = 1 if town_name not in ("Ozorków", "Łęczyca") else (2 if town_name == "Ozorków" else 3)
        for owner, c_start, c_end in segments:
            contract_id = self.ids("ID_UMOWY")
            signed = c_start - timedelta(days=rng.randint(3, 30))
            status = "R" if c_end else "A"
            open_end = None if rng.random() < 0.6 else ZERO_DATE
            stamp = local_stamp(c_end + timedelta(days=1) if c_end else signed, 12, rng.randint(0, 59))
            batch["UMOWY"].append((
                contract_id, f"{kind.strip()}/{signed.year}/{contract_id:05d}", owner[0], point_id,
                seller, kind, tariff, signed, c_start, c_end or open_end, status, stamp,
            ))
            periods = [e for e in ends if c_start <= e and (c_end is None or e <= c_end) and e >= self.history_start]
            self._invoices(profile, owner, contract_id, kind, periods, readings, batch,
                           invoices, payments_due, monthly, first and owner is customer)

    def _meters(self, profile: Profile, point_id: int, start: date, end: date | None,
                batch: Batch) -> list[_Meter]:
        rng = self.rng
        needed_from = max(start, self.history_start)
        chains = [("G", profile.legalization)] + ([("P", "ok")] if profile.submeter else [])
        meters: list[_Meter] = []
        for kind, state in chains:
            if end is not None:
                legal = end + timedelta(days=rng.randint(91, 1500))
            elif profile.newcomer:
                legal = add_years(start, LEGALIZATION_YEARS)
            elif state == "expiring":
                legal = self.as_of + timedelta(days=rng.randint(5, 85))
            elif state == "expired":
                legal = self.as_of - timedelta(days=rng.randint(20, 300))
            else:
                legal = self.as_of + timedelta(days=rng.randint(95, 365 * LEGALIZATION_YEARS - 30))
            chain: list[tuple[date, date | None, date]] = []
            dismount = end
            while True:
                mount = max(add_years(legal, -LEGALIZATION_YEARS), start if profile.newcomer else date.min)
                chain.append((mount, dismount, legal))
                if mount <= needed_from:
                    break
                dismount, legal = mount, mount + timedelta(days=rng.randint(0, 40))
            for mount, dismount, legal in reversed(chain):
                meter = _Meter(self.ids("ID_WOD"), kind, mount, dismount, legal)
                maker = rng.choice(("ZEN", "APT", "SEN", "ITR", "PWN"))
                diameter = 15 if kind == "P" or not profile.company else rng.choice((20, 25, 32))
                batch["WODOMIERZE"].append((
                    meter.id, f"{maker}{mount.year % 100:02d}{meter.id:07d}", point_id, kind,
                    diameter, mount, dismount, legal,
                ))
                meters.append(meter)
        return meters

    def _daily_use(self, kind: str, profile: Profile, persons: int, day: date) -> float:
        garden = 0.35 if 5 <= day.month <= 9 else 0.01
        if kind == "P":
            return garden
        base = persons * 0.105 if not profile.company else persons * 0.9
        return base + (garden if profile.submeter else 0.0)

    def _readings(self, meters: list[_Meter], ends: list[date], start: date, end: date | None,
                  profile: Profile, radio: bool, batch: Batch) -> list[_Reading]:
        rng = self.rng
        persons = rng.randint(1, 5)
        out: list[_Reading] = []
        for meter in meters:
            first_day = max(meter.mount, self.history_start)
            last_day = min(d for d in (meter.dismount, self.as_of) if d is not None)
            days: list[tuple[date, str]] = []
            if meter.mount >= self.history_start:
                days.append((meter.mount, "W"))
                state = Decimal("0.000")
            else:
                state = qty(rng.uniform(50, 3000))
            days += [(e, "") for e in ends if first_day < e < last_day or (e == last_day and meter.dismount is None)]
            if meter.dismount is not None and meter.dismount <= self.as_of:
                days.append((meter.dismount, "W"))
            if not days:
                continue
            previous: date | None = None
            for day, source in days:
                if previous is None:
                    usage = Decimal("0.000")
                else:
                    rate = self._daily_use(meter.kind, profile, persons, previous + (day - previous) / 2)
                    usage = qty(rate * (day - previous).days * rng.uniform(0.75, 1.25))
                state += usage
                if not source:
                    r = rng.random()
                    source = "Z" if radio else ("I" if r < 0.75 else "S" if r < 0.88 else "K")
                hour = {"Z": 1, "K": 18}.get(source, 9 + rng.randint(0, 6))
                stamp = local_stamp(day + timedelta(days=1), hour, rng.randint(0, 59), rng.randint(0, 59))
                reading = _Reading(self.ids("ID_ODCZ"), meter, day, state, usage, source, stamp)
                batch["ODCZYTY"].append((reading.id, meter.id, day, state, usage, source, stamp))
                out.append(reading)
                previous = day
        return out

    def _invoice_number(self, prefix: str, issued: date) -> str:
        """Invoice numbers run per month and document kind (FV/2026/11/004512)."""
        key = (prefix, issued.year, issued.month)
        self.invoice_seq[key] += 1
        return f"{prefix}/{issued.year}/{issued.month:02d}/{self.invoice_seq[key]:06d}"

    def _invoices(self, profile: Profile, owner: _CustomerRow, contract_id: int, kind: str,
                  periods: list[date], readings: list[_Reading], batch: Batch,
                  invoices: dict[int, list[Invoice]], payments_due: dict[int, list[tuple[Invoice, str]]],
                  monthly: bool, special: bool) -> None:
        rng = self.rng
        issued_rows: list[_InvoiceRow] = []
        for period_end in periods:
            issued = period_end + timedelta(days=3)
            if issued > self.as_of:
                break
            period_start = (period_end.replace(day=1) - timedelta(days=1 if monthly else 32)).replace(day=1)
            water = sum((r.usage for r in readings if r.meter.kind == "G" and period_start <= r.on <= period_end),
                        Decimal("0.000"))
            garden = sum((r.usage for r in readings if r.meter.kind == "P" and period_start <= r.on <= period_end),
                         Decimal("0.000"))
            sewage = max(water - garden, Decimal("0.000"))
            tariff = Tariff.for_year(issued.year, profile.company)
            lines = service_lines(kind, water, sewage, 1 if monthly else 2, tariff)
            # One invoicing run a day: every invoice it writes carries the same second.
            run_stamp = local_stamp(issued, 21, 37, 12)
            row = self._invoice_rows("FV", owner, contract_id, "F", None, issued, period_start,
                                     period_end, lines, run_stamp, profile, batch)
            issued_rows.append(row)
        if not issued_rows:
            return
        cancelled: set[int] = set()
        if special and profile.cancellation and len(issued_rows) > 2:
            victim = issued_rows[-2]
            cancelled.add(victim[0])
            issued = victim[6] + timedelta(days=1)
            lines = [(r[3], r[4], r[5], r[6]) for r in batch["POZYCJE_FAKTURY"] if r[1] == victim[0]]
            replacement = self._invoice_rows("FV", owner, contract_id, "F", None, issued, victim[7],
                                             victim[8], lines, local_stamp(issued, 10, 5, rng.randint(0, 59)),
                                             profile, batch)
            issued_rows.insert(len(issued_rows) - 1, replacement)
        if special and profile.correction and len(issued_rows) > 3:
            target = issued_rows[rng.randint(0, len(issued_rows) - 3)]
            issued = target[6] + timedelta(days=rng.randint(10, 40))
            if issued <= self.as_of:
                sign = Decimal(1) if rng.random() < 0.3 else Decimal(-1)
                orig = [r for r in batch["POZYCJE_FAKTURY"] if r[1] == target[0] and r[5] == "m3"]
                lines = [(f"Korekta: {r[3]}", sign * qty(max(r[4] * Decimal("0.2"), Decimal("1.000"))), r[5], r[6])
                         for r in orig]
                if lines:
                    issued_rows.append(self._invoice_rows(
                        "FK", owner, contract_id, "K", target[0], issued, target[7], target[8], lines,
                        local_stamp(issued, 11, rng.randint(0, 59), rng.randint(0, 59)), profile, batch,
                    ))
        for row in issued_rows:
            is_cancelled = row[0] in cancelled
            stamp = row[15]
            if is_cancelled:
                stamp = local_stamp(row[6] + timedelta(days=1), 9, 41, rng.randint(0, 59))
            final = row[:13] + ("T" if is_cancelled else "N",) + row[14:15] + (stamp,)
            batch["FAKTURY"].append(final)
            inv = Invoice(row[0], row[12], row[6], row[9], is_cancelled, stamp)
            invoices[owner[0]].append(inv)
            if not is_cancelled and inv.gross > 0:
                payments_due[owner[0]].append((inv, row[1]))
            elif inv.gross <= 0:
                payments_due.setdefault(owner[0], [])

    def _invoice_rows(self, prefix: str, owner: _CustomerRow, contract_id: int, type_: str,
                      corrects: int | None, issued: date, period_start: date, period_end: date,
                      lines: list[Line], stamp: datetime, profile: Profile, batch: Batch) -> _InvoiceRow:
        invoice_id = self.ids("ID_FAKT")
        totals = [Decimal("0.00")] * 3
        for lp, (name, amount, unit, price) in enumerate(lines, start=1):
            net, vat, gross = price_line(amount, price)
            batch["POZYCJE_FAKTURY"].append((self.ids("ID_POZ"), invoice_id, lp, name, amount, unit,
                                             price, VAT_LABEL, net, vat, gross))
            totals = [totals[0] + net, totals[1] + vat, totals[2] + gross]
        number = self._invoice_number(prefix, issued)
        due = issued + timedelta(days=21 if profile.company else 14)
        archived = issued >= self.as_of - timedelta(days=730)
        pdf = f"{issued.year}/{issued.month:02d}/{number.replace('/', '_')}.pdf" if archived else None
        # FAKTURY row without the cancelled flag's final value and stamp (set by the caller)
        return (invoice_id, number, owner[0], contract_id, type_, corrects, issued, period_start,
                period_end, due, totals[0], totals[1], totals[2], "N", pdf, stamp)

    def _payments(self, customer_id: int, payer: str, owed: list[tuple[Invoice, str]],
                  batch: Batch) -> list[Payment]:
        rng = self.rng
        planned = plan_payments(rng, payer, customer_id, owed, self.as_of)
        out: list[Payment] = []
        for day, amount, title in sorted(planned, key=lambda p: p[0]):
            if day >= self.as_of or amount <= 0:
                continue
            r = rng.random()
            form = "P" if r < 0.85 else "K" if r < 0.95 else "G"
            # Bank statements are booked by a nightly job around 02:30 (the repeated autumn hour).
            stamp = local_stamp(day + timedelta(days=1), 2, rng.randint(10, 50), rng.randint(0, 59))
            payment = Payment(self.ids("ID_WPL"), amount, day, stamp)
            batch["WPLATY"].append((payment.id, customer_id, day, amount, form, title[:140], stamp))
            out.append(payment)
        return out


def invoice_sequence(prefix: str, issued: date) -> str:
    """The SEKWENCJE key numbering one kind of invoice in one month."""
    return f"{prefix}/{issued.year}/{issued.month:02d}"


def generate(size: str, seed: int, as_of: date) -> Iterator[Batch]:
    """Rows of the stand-in for ``size`` (tiny | demo | large), seeded and anchored at ``as_of``."""
    return Generator(size, seed, as_of).batches()
