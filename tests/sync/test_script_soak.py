"""Script-style changes behind the change stamps, interleaved at random with the billing office and the
daemon's runs (incremental ones, reconciliations of some streams), end in a clean verify.

``IBOK_SOAK_TRIALS`` sets the number of trials (default 3, one per billing dialect; a soak runs 100).
Each trial's billing dialect, store and seed follow from its number, so a failing trial is re-run
with ``-k "trial-N"``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from adapters.billing import quirks
from adapters.standin import simulator
from sync.streams import STREAMS
from sync.verify import verify
from tests.sync.conftest import Mirror

TRIALS = int(os.environ.get("IBOK_SOAK_TRIALS", "3"))
BILLINGS = ("sqlite", "mariadb", "postgresql")
STORES = ("sqlite", "postgresql")
UNKNOWN_METER = 99_999_902


def _pick(mirror: Mirror, rng: random.Random, table: str, key: str) -> int | None:
    keys = [int(k) for (k,) in mirror.billing_sql(f"SELECT {key} FROM {table}")]
    return rng.choice(keys) if keys else None


def _update(mirror: Mirror, table: str, key: str, value: int, changes: dict[str, object]) -> str:
    with mirror.office() as office:
        office.update(table, {key: value}, changes)
        office.commit()
    return f"{table} {value}: {', '.join(changes)}"


def _payment(mirror: Mirror, rng: random.Random, changes: dict[str, object]) -> str:
    payment = _pick(mirror, rng, "WPLATY", "ID_WPL")
    return "no payment" if payment is None else _update(mirror, "WPLATY", "ID_WPL", payment, changes)


def amount_in_place(mirror: Mirror, rng: random.Random) -> str:
    return _payment(mirror, rng, {"KWOTA": Decimal(rng.randint(1, 99_999)) / 100})


def flag_and_email_in_place(mirror: Mirror, rng: random.Random) -> str:
    customer = _pick(mirror, rng, "ODBIORCY", "ID_ODB")
    assert customer is not None
    return _update(mirror, "ODBIORCY", "ID_ODB", customer, {"E_FAKTURA": rng.choice("TN"),
                                                            "EMAIL": f"skrypt{rng.randint(1, 10**6)}@example.pl"})


def stamp_set_back(mirror: Mirror, rng: random.Random) -> str:
    invoice = _pick(mirror, rng, "FAKTURY", "ID_FAKT")
    assert invoice is not None
    stamp = quirks.stamp(mirror.billing_sql("SELECT DATA_MOD FROM FAKTURY WHERE ID_FAKT = ?", invoice)[0][0])
    assert stamp is not None
    return _update(mirror, "FAKTURY", "ID_FAKT", invoice, {"ANULOWANA": rng.choice("TN"),
                                                           "DATA_MOD": stamp - timedelta(days=7)})


def meter_moved(mirror: Mirror, rng: random.Random) -> str:
    meter, point = _pick(mirror, rng, "WODOMIERZE", "ID_WOD"), _pick(mirror, rng, "PUNKTY", "ID_PKT")
    assert meter is not None and point is not None
    return _update(mirror, "WODOMIERZE", "ID_WOD", meter, {"ID_PKT": point})


def point_sold(mirror: Mirror, rng: random.Random) -> str:
    contract, customer = _pick(mirror, rng, "UMOWY", "ID_UMOWY"), _pick(mirror, rng, "ODBIORCY", "ID_ODB")
    assert contract is not None and customer is not None
    return _update(mirror, "UMOWY", "ID_UMOWY", contract, {"ID_ODB": customer})


def hard_delete(mirror: Mirror, rng: random.Random) -> str:
    table, key = rng.choice([("WPLATY", "ID_WPL"), ("ODCZYTY", "ID_ODCZ"), ("WODOMIERZE", "ID_WOD"),
                             ("ODBIORCY", "ID_ODB")])
    value = _pick(mirror, rng, table, key)
    if value is None:
        return f"no {table}"
    mirror.billing_sql(f"DELETE FROM {table} WHERE {key} = ?", value)
    return f"{table} {value} deleted"


def reading_of_unknown_meter(mirror: Mirror, rng: random.Random) -> str:
    with mirror.office() as office:
        reading = office.add_reading(UNKNOWN_METER + rng.randint(0, 3), office.today(),
                                     Decimal(rng.randint(1, 9999)), None, "I", office.now())
        office.commit()
    return f"reading {reading} of an unknown meter"


def stamp_ahead(mirror: Mirror, rng: random.Random) -> str:
    ahead = mirror.source.now_local() + timedelta(days=rng.choice([1, 2, 30]))
    return _payment(mirror, rng, {"KWOTA": Decimal("3.33"), "DATA_MOD": ahead})


def autumn_hour(mirror: Mirror, rng: random.Random) -> str:
    return _payment(mirror, rng, {"KWOTA": Decimal("4.44"), "DATA_MOD": datetime(2026, 10, 25, 2, rng.randint(0, 59))})


SCRIPTS: list[Callable[[Mirror, random.Random], str]] = [
    amount_in_place, flag_and_email_in_place, stamp_set_back, meter_moved, point_sold, hard_delete,
    reading_of_unknown_meter, stamp_ahead, autumn_hour]


@pytest.mark.parametrize("trial", range(TRIALS), ids=lambda n: f"trial-{n}")
def test_script_changes_interleaved_with_the_office_and_runs_end_in_a_clean_verify(make_mirror, trial: int) -> None:
    billing, store = BILLINGS[trial % 3], STORES[(trial // 3) % 2]
    rng = random.Random(f"script-soak:{trial}")
    mirror = make_mirror(billing, store)
    names = [s.name for s in STREAMS]
    mirror.sync()
    done: list[str] = []
    with mirror.office() as office:
        events = simulator.simulate(office, seed=rng.randint(1, 10_000), events=0)
        for _ in range(16):
            roll = rng.random()
            if roll < 0.35:
                done += [f"office: {next(events)[1]}" for _ in range(rng.randint(1, 3))]
            elif roll < 0.7:
                done.append(f"script: {rng.choice(SCRIPTS)(mirror, rng)}")
            elif roll < 0.9:
                results = mirror.sync(batch_size=rng.choice([50, 500]))
                assert all(r.outcome == "ok" for r in results.values()), (results, done)
            else:
                results = mirror.sync("reconcile", *rng.sample(names, 4), batch_size=rng.choice([50, 500]))
                assert all(r.outcome == "ok" for r in results.values()), (results, done)
    mirror.sync()
    mirror.sync("reconcile")
    for rows_only in (False, True):
        report = verify(mirror.source, mirror.store, list(STREAMS), rows_only=rows_only)
        assert report.clean, (rows_only, [str(d) for d in report.differences], done)
    assert sum(report.counts["payments"]) > 0
