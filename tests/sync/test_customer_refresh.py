"""A refresh of one customer's rows (`ibok sync request --customer`): that customer's, and nobody else's."""

from __future__ import annotations

import pytest

from tests.sync.conftest import Mirror


def _customer_with_readings(mirror: Mirror, skip: int = 0) -> tuple[str, int, int, int]:
    """(customer number, customer id, one of its payments, one reading at a point it holds)."""
    rows = mirror.billing_sql(
        "SELECT o.NR_KLIENTA, o.ID_ODB, MIN(w.ID_WPL), MIN(r.ID_ODCZ) FROM ODBIORCY o"
        " JOIN WPLATY w ON w.ID_ODB = o.ID_ODB JOIN UMOWY u ON u.ID_ODB = o.ID_ODB"
        " JOIN WODOMIERZE m ON m.ID_PKT = u.ID_PKT JOIN ODCZYTY r ON r.ID_WOD = m.ID_WOD"
        " GROUP BY o.NR_KLIENTA, o.ID_ODB ORDER BY o.ID_ODB")
    number, customer_id, payment, reading = rows[skip]
    return str(number).strip(), int(customer_id), int(payment), int(reading)


def test_a_customer_refresh_rewrites_and_deletes_that_customers_rows_only(mirror: Mirror) -> None:
    mirror.sync()
    number, customer_id, payment, reading = _customer_with_readings(mirror)
    _, other_id, other_payment, _ = _customer_with_readings(mirror, skip=1)
    # Changes billing made without touching DATA_MOD (say, a DBA's fix): no incremental run sees them.
    mirror.billing_sql("UPDATE WPLATY SET TYTUL = 'korekta recznie' WHERE ID_WPL IN (?, ?)", payment, other_payment)
    mirror.billing_sql("DELETE FROM ODCZYTY WHERE ID_ODCZ = ?", reading)
    mirror.sync()
    before = {str(d) for d in mirror.verify().differences}
    assert {f"payments {payment}: different (title)", f"payments {other_payment}: different (title)",
            f"readings {reading}: extra"} <= before

    counts = mirror.syncer().refresh_customer(f" {number} ")
    assert counts["payments"] == 1 and counts["readings"] == 1 and counts["customers"] == 0
    after = [str(d) for d in mirror.verify().differences]
    assert after == [f"payments {other_payment}: different (title)"]  # the other customer's waits for its turn
    runs = mirror.store.last_runs(limit=len(counts))
    assert {r["mode"] for r in runs} == {"customer"} and {r["window_from"] for r in runs} == {str(customer_id)}
    assert other_id != customer_id


def test_a_refresh_of_an_unknown_customer_number_says_so(mirror: Mirror) -> None:
    with pytest.raises(LookupError, match="no customer number '999999'"):
        mirror.syncer().refresh_customer("999999")
