"""Each quirk of the billing database at which incremental sync tools lose rows, mirrored correctly."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from adapters.billing import quirks
from adapters.billing.odbc import dialect_of
from adapters.standin import simulator
from adapters.standin.loader import BulkWriter
from adapters.store.tables import customer_summaries, invoice_lines, invoices, meters, payments
from tests.sync.conftest import OFFICE_START, WARSAW, Mirror


def _customer(mirror: Mirror) -> int:
    return int(mirror.billing_sql("SELECT MIN(ID_ODB) FROM ODBIORCY")[0][0])


def _add_payments(mirror: Mirror, stamps: list[datetime], amount: Decimal = Decimal("12.34")) -> list[int]:
    """Payments billing books with the given stamps, committed now (whatever their stamps say)."""
    customer = _customer(mirror)
    with mirror.office() as office:
        first = office.next_ids("ID_WPL", len(stamps))
        rows = [(first + i, customer, stamp.date(), amount, "P", f"Wpłata {first + i}", stamp)
                for i, stamp in enumerate(stamps)]
        BulkWriter(office.conn, office.dialect).load([{"WPLATY": rows}])
    return [row[0] for row in rows]


def _stored_keys(mirror: Mirror, table, key_column: str = "id") -> set[int]:
    with mirror.store.engine.connect() as conn:
        return set(conn.execute(select(table.c[key_column])).scalars())


def _stored_balance(mirror: Mirror, customer: int) -> Decimal:
    with mirror.store.engine.connect() as conn:
        return conn.execute(select(customer_summaries.c.balance)
                            .where(customer_summaries.c.customer_id == customer)).scalar_one()


def _at(mirror: Mirror, local: datetime) -> None:
    """Set the sync's clock to a billing wall-clock time."""
    mirror.now = local.replace(tzinfo=WARSAW).astimezone(UTC)


def test_a_row_committed_fourteen_minutes_after_its_stamp_is_mirrored(mirror: Mirror) -> None:
    mirror.sync()
    base = OFFICE_START
    (seen,) = _add_payments(mirror, [base + timedelta(minutes=1)])
    _at(mirror, base + timedelta(minutes=2))
    mirror.sync("incremental", "payments")
    # A transaction stamped 14 minutes ago, before the change just mirrored, commits only now.
    (late,) = _add_payments(mirror, [base - timedelta(minutes=12)])
    _at(mirror, base + timedelta(minutes=3))
    result = mirror.sync("incremental", "payments")["payments"]
    assert {seen, late} <= _stored_keys(mirror, payments)
    assert result.rows_written == 1
    assert mirror.verify().clean


def test_ten_thousand_rows_sharing_one_stamp_across_batch_boundaries_are_all_mirrored_once(mirror: Mirror) -> None:
    mirror.sync()
    stamp = OFFICE_START + timedelta(hours=1)
    added = _add_payments(mirror, [stamp] * 10_000)
    _at(mirror, stamp + timedelta(minutes=1))
    result = mirror.sync("incremental", "payments", batch_size=3000)["payments"]
    assert set(added) <= _stored_keys(mirror, payments)
    assert result.rows_written == 10_000  # each row written once, though read in four batches
    assert result.rows_read >= 10_000
    again = mirror.sync("incremental", "payments", batch_size=3000)["payments"]
    assert again.rows_written == 0
    assert mirror.verify().clean


def test_rows_stamped_in_the_repeated_autumn_hour_are_neither_lost_nor_duplicated(mirror: Mirror) -> None:
    mirror.billing_sql("DELETE FROM WPLATY")  # only this test's payments: the cursor sits in the night
    mirror.sync()
    night = datetime(2026, 10, 25)
    # First pass of 02:00-02:59 (summer time), mirrored up to 02:59:30.
    first = _add_payments(mirror, [night.replace(hour=2, minute=m) for m in range(0, 60, 7)] +
                          [night.replace(hour=2, minute=59, second=30)])
    mirror.now = datetime(2026, 10, 25, 0, 59, 45, tzinfo=UTC)  # 02:59:45 summer time
    mirror.sync("incremental", "payments")
    # The clock goes back: the second pass writes 02:00-02:59 again (winter time), then 03:05.
    second = _add_payments(mirror, [night.replace(hour=2, minute=m, second=5) for m in range(0, 60, 5)])
    mirror.now = datetime(2026, 10, 25, 1, 56, tzinfo=UTC)  # 02:56 winter time
    mirror.sync("incremental", "payments")
    after = _add_payments(mirror, [night.replace(hour=3, minute=5)])
    mirror.now = datetime(2026, 10, 25, 2, 6, tzinfo=UTC)
    mirror.sync("incremental", "payments")
    stored = _stored_keys(mirror, payments)
    assert stored == set(first) | set(second) | set(after)
    with mirror.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(payments)).scalar_one() == len(stored)
    assert mirror.verify().clean


def test_deleted_readings_and_payments_disappear_after_reconciliation(mirror: Mirror) -> None:
    mirror.sync()
    with mirror.office() as office:
        rng = random.Random(5)
        assert "deleted" in simulator.delete_reading(office, rng)
        assert "reversed" in simulator.reverse_payment(office, rng)
    mirror.sync()
    assert not mirror.verify().clean  # a hard delete leaves no trace for a change stamp to find
    result = mirror.sync("reconcile", "readings", "payments")
    assert result["readings"].rows_deleted == 1 and result["payments"].rows_deleted == 1
    assert mirror.verify().clean


def test_a_replaced_meter_is_mirrored_at_once_and_a_reverified_one_after_reconciliation(mirror: Mirror) -> None:
    mirror.sync()
    rng = random.Random(3)
    with mirror.office() as office:
        outcome = simulator.replace_meter(office, rng)
        new_meter = int(outcome.rsplit(" ", 1)[1])
        reverified = simulator.reverify_meter(office, rng)
    assert "re-verified" in reverified
    mirror.sync()
    # The exchange writes readings, which bring both meters along; the re-verification leaves no stamp.
    assert new_meter in _stored_keys(mirror, meters)
    report = mirror.verify()
    assert [(d.stream, d.kind) for d in report.differences] == [("meters", "different")]
    assert mirror.sync("reconcile", "meters")["meters"].rows_written == 1
    assert mirror.verify().clean


def test_rewritten_invoice_lines_replace_the_old_ones(mirror: Mirror) -> None:
    mirror.sync()
    invoice_id, customer = (int(v) for v in mirror.billing_sql(
        "SELECT MAX(ID_FAKT), MIN(ID_ODB) FROM FAKTURY WHERE ANULOWANA = 'N'")[0])
    old_lines = {int(r[0]) for r in mirror.billing_sql("SELECT ID_POZ FROM POZYCJE_FAKTURY WHERE ID_FAKT = ?",
                                                       invoice_id)}
    with mirror.office() as office:
        office.execute("DELETE FROM POZYCJE_FAKTURY WHERE ID_FAKT = ?", invoice_id)
        line = office.next_ids("ID_POZ", 2)
        for i, (name, net) in enumerate((("Dostawa wody", Decimal("10.00")), ("Opłata abonamentowa", Decimal("5.55")))):
            office.insert("POZYCJE_FAKTURY", {
                "ID_POZ": line + i, "ID_FAKT": invoice_id, "LP": i + 1, "NAZWA": name, "ILOSC": Decimal("1.000"),
                "JM": "szt", "CENA_NETTO": net, "STAWKA_VAT": "8", "NETTO": net, "VAT": Decimal("0.80"),
                "BRUTTO": net + Decimal("0.80")})
        office.update("FAKTURY", {"ID_FAKT": invoice_id}, {"NETTO": Decimal("15.55"), "VAT": Decimal("1.60"),
                                                          "BRUTTO": Decimal("17.15"), "DATA_MOD": office.now()})
        office.commit()
    mirror.sync()
    with mirror.store.engine.connect() as conn:
        stored = set(conn.execute(select(invoice_lines.c.id).where(invoice_lines.c.invoice_id == invoice_id))
                     .scalars())
        gross = conn.execute(select(invoices.c.gross).where(invoices.c.id == invoice_id)).scalar_one()
    assert stored == {line, line + 1} and not stored & old_lines
    assert gross == Decimal("17.15")
    assert mirror.verify().clean


def test_cancelled_invoices_do_not_count_in_the_balance_and_correcting_ones_do(mirror: Mirror) -> None:
    mirror.sync()
    invoice_id, customer, gross = mirror.billing_sql(
        "SELECT ID_FAKT, ID_ODB, BRUTTO FROM FAKTURY WHERE ANULOWANA = 'N' AND TYP = 'F' ORDER BY ID_FAKT")[0]
    gross = quirks.decimal(gross, 2)
    before = _stored_balance(mirror, customer)
    with mirror.office() as office:
        office.update("FAKTURY", {"ID_FAKT": invoice_id}, {"ANULOWANA": "T", "DATA_MOD": office.now()})
        correction = office.next_ids("ID_FAKT")
        office.insert("FAKTURY", {
            "ID_FAKT": correction, "NR_FAKTURY": f"FK/2026/11/{correction:06d}", "ID_ODB": customer,
            "ID_UMOWY": mirror.billing_sql("SELECT ID_UMOWY FROM FAKTURY WHERE ID_FAKT = ?", invoice_id)[0][0],
            "TYP": "K", "ID_FAKT_KORYG": invoice_id, "DATA_WYSTAWIENIA": office.today(),
            "OKRES_OD": office.today(), "OKRES_DO": office.today(), "TERMIN_PLATNOSCI": office.today(),
            "NETTO": Decimal("-9.26"), "VAT": Decimal("-0.74"), "BRUTTO": Decimal("-10.00"), "ANULOWANA": "N",
            "SCIEZKA_PDF": None, "DATA_MOD": office.now()})
        office.commit()
    mirror.sync()
    assert _stored_balance(mirror, customer) == before - gross - Decimal("10.00")
    assert mirror.verify().clean


def test_every_amount_equals_billings_to_the_grosz(mirror: Mirror) -> None:
    mirror.sync()
    with mirror.billing.connect() as conn:
        text_cast = "CAST(BRUTTO AS TEXT)" if dialect_of(conn) == "sqlite" else "BRUTTO"
        billing = {int(k): quirks.decimal(v, 2) for k, v in
                   conn.cursor().execute(f"SELECT ID_FAKT, {text_cast} FROM FAKTURY").fetchall()}
        billing_paid = {int(k): Decimal(str(v)).quantize(Decimal("0.01")) for k, v in
                        conn.cursor().execute("SELECT ID_WPL, KWOTA FROM WPLATY").fetchall()}
    with mirror.store.engine.connect() as conn:
        stored = dict(conn.execute(select(invoices.c.id, invoices.c.gross)).all())
        stored_paid = dict(conn.execute(select(payments.c.id, payments.c.amount)).all())
    assert stored == billing and stored_paid == billing_paid
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in stored.values())
