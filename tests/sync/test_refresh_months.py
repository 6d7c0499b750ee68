"""Derived data refreshed from the first stale month equals derived data recomputed from scratch."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select

from adapters.billing import quirks
from adapters.standin import simulator
from adapters.standin.office import Office
from adapters.store.mirror.derived import spread
from adapters.store.mirror.refresh import _grouped
from adapters.store.tables import (
    customer_months,
    customer_summaries,
    customers,
    dirty_customers,
    dirty_meters,
    meter_months,
    meters,
    readings,
)
from tests.sync.conftest import Mirror

# The tiny stand-in's meter 12 is read every other month, on the last day, from 2024-11-30 (the
# first reading, 0 m³) to 2026-09-30; it stands at the point customer 7 has held since 2025-04-01.
METER, CUSTOMER = 12, 7


def _derived(mirror: Mirror) -> dict[str, list[tuple]]:
    with mirror.store.engine.connect() as conn:
        found = {table.name: sorted(tuple(r) for r in conn.execute(select(table)))
                 for table in (customer_months, meter_months)}
        summary = [c for c in customer_summaries.c if c.name != "refreshed_at"]
        found["customer_summaries"] = sorted(tuple(r) for r in conn.execute(select(*summary)))
    return found


def _recompute_everything(mirror: Mirror) -> None:
    with mirror.store.writer.begin() as conn:
        conn.execute(dirty_meters.insert().from_select(["meter_id"], select(meters.c.id)))
        conn.execute(dirty_customers.insert().from_select(["customer_id"], select(customers.c.id)))
    mirror.store.refresh_derived()


def _agrees_with_a_full_recomputation(mirror: Mirror) -> None:
    incremental = _derived(mirror)
    assert incremental["customer_months"] and incremental["meter_months"]
    _recompute_everything(mirror)
    assert _derived(mirror) == incremental


def _months(mirror: Mirror, table: Table, key: Any, value: int, measure: str) -> dict[date, Decimal]:
    with mirror.store.engine.connect() as conn:
        return dict(conn.execute(select(table.c.month, table.c[measure]).where(key == value)).all())


def _meter_months(mirror: Mirror) -> dict[date, Decimal]:
    return _months(mirror, meter_months, meter_months.c.meter_id, METER, "consumption")


def _charges(mirror: Mirror) -> dict[date, Decimal]:
    return _months(mirror, customer_months, customer_months.c.customer_id, CUSTOMER, "charges")


def _changed(before: dict[date, Decimal], after: dict[date, Decimal]) -> dict[date, Decimal]:
    zero = Decimal("0.00")
    return {m: after.get(m, zero) - before.get(m, zero) for m in sorted(set(before) | set(after))
            if after.get(m, zero) != before.get(m, zero)}


def _reading_of(office: Office, day: date) -> tuple[int, date, Decimal, Decimal, str]:
    return next(r for r in office.meter_readings(METER) if r[1] == day)


def test_incremental_refreshes_by_month_agree_with_a_full_recomputation(mirror: Mirror) -> None:
    mirror.sync()
    with mirror.office() as office:
        events = simulator.simulate(office, seed=21, events=0)
        for round_ in range(4):
            for _ in range(12):
                next(events)
            simulator.invoicing_run(office, random.Random(round_), limit=40)
            mirror.sync()
            if round_ % 2:
                mirror.sync("reconcile")
    _agrees_with_a_full_recomputation(mirror)


def test_a_meter_read_every_other_month_has_a_share_in_every_month_and_its_months_add_up(mirror: Mirror) -> None:
    mirror.sync()
    months = _meter_months(mirror)
    assert sorted(months) == [date(2024 + (10 + k) // 12, (10 + k) % 12 + 1, 1) for k in range(23)]  # Nov-Sep
    # 2025-03-31's 34.303 m³ since 2025-01-31: 28 days in February, 31 in March.
    assert (months[date(2025, 2, 1)], months[date(2025, 3, 1)]) == (Decimal("16.279"), Decimal("18.024"))
    assert all(v > 0 for m, v in months.items() if m > date(2024, 11, 1))
    with mirror.store.engine.connect() as conn:
        read = dict(conn.execute(select(readings.c.meter_id, func.sum(readings.c.consumption))
                                 .group_by(readings.c.meter_id)).all())
        shared = dict(conn.execute(select(meter_months.c.meter_id, func.sum(meter_months.c.consumption))
                                   .group_by(meter_months.c.meter_id)).all())
    assert shared == read  # every meter's months add up to its readings, to the litre


def test_a_deleted_reading_gives_its_days_to_the_next_one_back_to_the_reading_before(mirror: Mirror) -> None:
    mirror.sync()
    before = _meter_months(mirror)
    with mirror.office() as office:
        office.execute("DELETE FROM ODCZYTY WHERE ID_ODCZ = ?", _reading_of(office, date(2025, 3, 31))[0])
        office.recompute_usage(METER, office.now())  # the next reading's consumption, since 2025-01-31
        office.commit()
    mirror.sync()  # the next reading's new consumption
    mirror.sync("reconcile")  # the deletion
    # 69.849 m³ from 2025-02-01 to 2025-05-31; February is before the month of the deleted reading.
    expected = dict(spread(Decimal("69.849"), date(2025, 2, 1), date(2025, 5, 31), 3))
    assert _changed(before, _meter_months(mirror)) == {m: v - before[m] for m, v in expected.items()}
    _agrees_with_a_full_recomputation(mirror)


def test_a_late_reading_between_two_others_takes_its_days_from_the_later_one(mirror: Mirror) -> None:
    mirror.sync()
    before = _meter_months(mirror)
    with mirror.office() as office:
        stamp = office.now()
        office.insert("ODCZYTY", {"ID_ODCZ": office.next_ids("ID_ODCZ"), "ID_WOD": METER,
                                  "DATA_ODCZYTU": date(2025, 3, 10), "STAN": Decimal("1480.000"),
                                  "ZUZYCIE": Decimal("0.000"), "ZRODLO": "K", "DATA_MOD": stamp})
        office.recompute_usage(METER, stamp)  # 18.566 m³ to March 10th, 15.737 m³ from then to March 31st
        office.commit()
    mirror.sync()
    after = _meter_months(mirror)
    february, march = date(2025, 2, 1), date(2025, 3, 1)
    assert after[february] == spread(Decimal("18.566"), february, date(2025, 3, 10), 3)[0][1] == Decimal("13.680")
    assert after[february] + after[march] == before[february] + before[march]
    assert set(_changed(before, after)) == {february, march}
    _agrees_with_a_full_recomputation(mirror)


def _contract_of(office: Office) -> int:
    return int(office.one("SELECT ID_UMOWY FROM UMOWY WHERE ID_ODB = ? ORDER BY ID_UMOWY", CUSTOMER)[0])


def test_an_invoice_is_charged_over_the_three_months_of_its_period_before_the_month_of_issue(mirror: Mirror) -> None:
    mirror.sync()
    before = _charges(mirror)
    with mirror.office() as office:
        stamp, today = office.now(), office.today()
        invoice_id = office.next_ids("ID_FAKT")
        office.insert("POZYCJE_FAKTURY", {
            "ID_POZ": office.next_ids("ID_POZ"), "ID_FAKT": invoice_id, "LP": 1, "NAZWA": "Korekta: Dostawa wody",
            "ILOSC": Decimal("-10.000"), "JM": "m3", "CENA_NETTO": Decimal("5.7407"), "STAWKA_VAT": "8",
            "NETTO": Decimal("-57.41"), "VAT": Decimal("-4.59"), "BRUTTO": Decimal("-62.00")})
        office.insert("FAKTURY", {
            "ID_FAKT": invoice_id, "NR_FAKTURY": f"FK/{today:%Y/%m}/{invoice_id:06d}", "ID_ODB": CUSTOMER,
            "ID_UMOWY": _contract_of(office), "TYP": "K", "ID_FAKT_KORYG": None, "DATA_WYSTAWIENIA": today,
            "OKRES_OD": date(2026, 7, 15), "OKRES_DO": date(2026, 9, 14), "TERMIN_PLATNOSCI": today + timedelta(14),
            "NETTO": Decimal("-57.41"), "VAT": Decimal("-4.59"), "BRUTTO": Decimal("-62.00"), "ANULOWANA": "N",
            "SCIEZKA_PDF": None, "DATA_MOD": stamp})
        office.commit()
    mirror.sync()
    # 17, 31 and 14 of its 62 days; issued in November, which is all the mark says.
    assert _changed(before, _charges(mirror)) == {
        date(2026, 7, 1): Decimal("-17.00"), date(2026, 8, 1): Decimal("-31.00"), date(2026, 9, 1): Decimal("-14.00")}
    _agrees_with_a_full_recomputation(mirror)


def test_a_cancelled_invoice_leaves_the_months_of_its_period(mirror: Mirror) -> None:
    mirror.sync()
    before = _charges(mirror)
    with mirror.office() as office:
        invoice_id, period_from, period_to, gross = office.one(
            "SELECT ID_FAKT, OKRES_OD, OKRES_DO, BRUTTO FROM FAKTURY WHERE ID_ODB = ? AND ANULOWANA = 'N'"
            " ORDER BY DATA_WYSTAWIENIA DESC", CUSTOMER)
        office.update("FAKTURY", {"ID_FAKT": invoice_id}, {"ANULOWANA": "T", "DATA_MOD": office.now()})
        office.commit()
    mirror.sync()
    parts = spread(quirks.decimal(gross, 2), quirks.day(period_from), quirks.day(period_to), 2)
    assert len(parts) == 3 and parts[0][0] < date(2026, 8, 1)  # issued in October, for May to July
    assert _changed(before, _charges(mirror)) == {month: -part for month, part in parts}
    _agrees_with_a_full_recomputation(mirror)


def test_owners_stale_from_within_a_year_are_recomputed_together_and_one_years_before_on_its_own():
    groups = _grouped({1: date(2026, 10, 1), 2: date(2026, 9, 1), 3: date(2025, 10, 1), 4: date(2025, 9, 1),
                       5: date(2026, 11, 1), 6: date(2021, 1, 1)})
    assert groups == {date(2021, 1, 1): [6], date(2025, 9, 1): [4, 3], date(2026, 9, 1): [2, 1, 5]}


def test_a_meter_read_again_after_a_long_gap_is_recomputed_from_then_beside_meters_read_lately(mirror: Mirror) -> None:
    mirror.sync()
    with mirror.office() as office:
        for reading_id, day, *_ in office.meter_readings(METER):
            if day > date(2025, 1, 31):
                office.execute("DELETE FROM ODCZYTY WHERE ID_ODCZ = ?", reading_id)
        office.commit()
    mirror.sync("reconcile")
    with mirror.office() as office:  # the meter read again 22 months on, another one a month after its last
        other = int(office.one("SELECT ID_WOD FROM ODCZYTY WHERE ID_WOD <> ? AND DATA_ODCZYTU = ?", METER,
                               office.value("ODCZYTY", "DATA_ODCZYTU", date(2026, 10, 31)))[0])
        for meter_id in (METER, other):
            *_, (_, _, state, _, _) = office.meter_readings(meter_id)
            office.add_reading(meter_id, date(2026, 11, 20), state + Decimal("44.000"), state, "K", office.now())
        office.commit()
    mirror.sync()
    months = _meter_months(mirror)
    parts = dict(spread(Decimal("44.000"), date(2025, 2, 1), date(2026, 11, 20), 3))
    assert {m: v for m, v in months.items() if m > date(2025, 1, 1)} == parts
    _agrees_with_a_full_recomputation(mirror)
