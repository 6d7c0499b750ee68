"""What a generated household is like: sizes of the data set and the special cases each household carries."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    customers: int
    years: int
    outages_per_month: int
    office_cases: int


SIZES: dict[str, Size] = {
    "tiny": Size(customers=30, years=2, outages_per_month=1, office_cases=6),
    "demo": Size(customers=300, years=3, outages_per_month=2, office_cases=40),
    "large": Size(customers=50_000, years=5, outages_per_month=6, office_cases=3000),
}


@dataclass
class Profile:
    """What is special about one household; the first few are forced so every size has every case."""

    company: bool = False
    contracts: int = 1
    submeter: bool = False
    legalization: str = "ok"  # ok | expiring | expired
    owner_change: bool = False
    terminated: bool = False
    newcomer: bool = False
    correction: bool = False
    cancellation: bool = False
    payer: str = "punctual"  # punctual | late | partial | overpayer | nonpayer
    name: str | None = None
    street: str | None = None


FORCED: tuple[Profile, ...] = (
    Profile(name="Łucja Żółtowska", street="Pięćdziesięciolecia", submeter=True, payer="overpayer"),
    Profile(company=True, contracts=3, name="PRZEDSIĘBIORSTWO HANDLOWO-USŁUGOWE ŁĄCZNIK SP. Z O.O."),
    Profile(company=True, contracts=2, name="ZAKŁAD ŚLUSARSKI ŹRÓDEŁKO S.C.", payer="late"),
    Profile(company=True, name="RESTAURACJA ĆMA", legalization="expired", payer="partial"),
    Profile(company=True, name="HOTEL ŻURAW SP. J.", correction=True),
    Profile(company=True, name="PIEKARNIA MAŃKOWSKI", cancellation=True),
    Profile(name="Grzegorz Brzęczyszczykiewicz", legalization="expiring", owner_change=True),
    Profile(name="Zofia Woźniak", terminated=True),
    Profile(name="Kazimierz Zając", newcomer=True),
    Profile(name="Małgorzata Kamińska", payer="nonpayer", submeter=True, legalization="expiring"),
    Profile(contracts=2, correction=True, payer="partial"),
    Profile(cancellation=True, legalization="expired", owner_change=True),
)


def random_profile(rng: random.Random) -> Profile:
    company = rng.random() < 0.08
    if company:
        contracts = rng.choice((1, 1, 2, 3, 4))
    else:
        r = rng.random()
        contracts = 1 if r < 0.88 else 2 if r < 0.98 else 3
    r = rng.random()
    legalization = "expiring" if r < 0.05 else "expired" if r < 0.07 else "ok"
    r = rng.random()
    payer = (
        "punctual" if r < 0.70 else "late" if r < 0.82 else "partial" if r < 0.88
        else "overpayer" if r < 0.95 else "nonpayer"
    )
    return Profile(
        company=company,
        contracts=contracts,
        submeter=not company and rng.random() < 0.12,
        legalization=legalization,
        owner_change=rng.random() < 0.05,
        terminated=contracts == 1 and rng.random() < 0.03,
        newcomer=contracts == 1 and rng.random() < 0.01,
        correction=rng.random() < 0.02,
        cancellation=rng.random() < 0.01,
        payer=payer,
    )
