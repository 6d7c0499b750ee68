"""Text crosses the billing driver exactly, both ways, at every length and with every cp1250 letter.

What billing stores is read as bytes by the database's own hex function (never decoded by the
driver under test) and compared with the text encoded as the column holds it: cp1250 on
MariaDB, UTF-8 on PostgreSQL and SQLite. The read side is the sync reading the office's answers
(``IBOK_ZGLOSZENIA.ODPOWIEDZ``, a TEXT column) into the store.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.billing.interface import InterfaceWriter, differences
from adapters.records import Delivery
from adapters.store.tables import message_replies, outbox
from sync.submissions import service
from tests.sync.conftest import Mirror
from tests.writeback.harness import WriteBack, open_writeback

LENGTHS = (0, 1, 127, 128, 129, 255, 256, 1000, 4000)
SENTENCE = "Proszę o sprawdzenie rachunku za wodę, bo zużycie źle policzono — żółć! "
# Every printable character of the Polish Windows code page: letters, punctuation, symbols (˘ ˙ ˛ are
# modifier symbols), the no-break space and the soft hyphen; the space inside, as texts are trimmed.
CP1250 = "".join(ch for byte in range(0x21, 0x100) for ch in bytes([byte]).decode("cp1250", errors="ignore")
                 if unicodedata.category(ch) != "Cc")
CP1250 = CP1250[:20] + " " + CP1250[20:]


def text_of(length: int) -> str:
    """Polish prose of exactly ``length`` characters, ending in a letter (texts are taken trimmed)."""
    text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
    return text[:-1] + "ą" if text.endswith(" ") else text


def stored_bytes(mirror: Mirror, table: str, column: str, where: str, *params: object) -> bytes | None:
    """The column's bytes as billing stores them, read through the database's own hex function."""
    hexed = {"mariadb": f"HEX({column})", "postgresql": f"encode(convert_to({column}, 'UTF8'), 'hex')",
             "sqlite": f"hex({column})"}[mirror.billing.dialect]
    (value,) = mirror.billing_sql(f"SELECT {hexed} FROM {table} WHERE {where}", *params)[0]
    return None if value is None else bytes.fromhex(value)


def encoded(mirror: Mirror, text: str) -> bytes:
    return text.encode("cp1250" if mirror.billing.dialect == "mariadb" else "utf-8")


@pytest.fixture(params=["sqlite", "mariadb", "postgresql"])
def wb(request: pytest.FixtureRequest, make_mirror) -> Iterator[WriteBack]:
    yield from open_writeback(make_mirror(request.param, "sqlite"))


def test_messages_of_every_length_and_every_cp1250_letter_reach_billing_byte_for_byte(wb: WriteBack) -> None:
    customer = wb.meters_held()[0][0]
    bodies = [text_of(n) for n in LENGTHS if n >= 10] + [CP1250, CP1250[::-1] + text_of(200)]
    keys = [wb.message(customer, body) for body in bodies]
    report = wb.relay().run()
    assert (report.sent, report.dead) == (len(keys), 0)
    for key, body in zip(keys, bodies, strict=False):
        assert stored_bytes(wb.mirror, "IBOK_ZGLOSZENIA", "TRESC", "KLUCZ = ?", key) == encoded(wb.mirror, body), \
            (len(body), body[:40])
    assert set(wb.outbox_states().values()) == {"sent"}


def test_the_sync_reads_billings_texts_of_every_length_and_letter_exactly(wb: WriteBack) -> None:
    customer = wb.meters_held()[0][0]
    answers = {n: text_of(n) for n in LENGTHS} | {-1: CP1250}
    keys = {n: wb.message(customer) for n in answers}
    wb.relay().run()
    with wb.mirror.office() as office:  # the office answers through billing's own application
        for n, answer in answers.items():
            office.update("IBOK_ZGLOSZENIA", {"KLUCZ": keys[n]}, {"ODPOWIEDZ": answer, "STATUS": "Z",
                                                                 "DATA_MOD": office.now()})
        office.commit()
    for n, answer in answers.items():
        assert stored_bytes(wb.mirror, "IBOK_ZGLOSZENIA", "ODPOWIEDZ", "KLUCZ = ?", keys[n]) == \
            encoded(wb.mirror, answer), n
    wb.mirror.sync("incremental", "message_replies")
    with wb.mirror.store.engine.connect() as conn:
        stored = dict(conn.execute(select(message_replies.c.key, message_replies.c.answer)
                                   .where(message_replies.c.key.in_(list(keys.values())))).all())
    for n, answer in answers.items():
        assert stored[keys[n]] == (answer or None if n == 0 else answer), n
    assert wb.mirror.verify().clean


def test_a_row_billing_holds_with_other_text_than_was_sent_is_a_dead_letter_naming_it(wb: WriteBack) -> None:
    customer = wb.meters_held()[0][0]
    body = text_of(486)
    key = wb.message(customer, body)

    class Garbling(InterfaceWriter):
        """What the MariaDB driver did before: the row goes in, its text mangled on the way."""

        def insert(self, delivery: Delivery) -> None:
            super().insert(delivery._replace(body=delivery.body.encode("utf-8").decode("cp1250", "replace")))

    report = wb.relay(Garbling(wb.interface_dsn, query_timeout_s=10)).run()
    assert (report.sent, report.dead) == (0, 1)
    with wb.mirror.store.engine.connect() as conn:
        state, error = conn.execute(select(outbox.c.state, outbox.c.last_error).where(outbox.c.id == key)).one()
    assert state == "dead"
    assert "TRESC: 486 characters sent, " in error and "first difference at character 6" in error
    assert differences("message", (1, "INF", "Temat", "żółw"), (1, "INF ", "Temat", "żółw")) == []
    assert differences("reading", (7, date(2026, 11, 21), Decimal("12.500")), (7, "2026-11-21", 12.5)) == []
    assert differences("reading", (7, date(2026, 11, 21), Decimal("12.500")), (7, "2026-11-21", 12.4)) == \
        ["STAN: 12.500 sent, 12.4 in billing"]


def test_verify_compares_every_delivered_submission_with_billings_interface_row(wb: WriteBack) -> None:
    customer, serial, meter = wb.meters_held()[0]
    reading, message = wb.reading(customer, serial, meter), wb.message(customer, text_of(300))
    assert wb.relay().run().sent == 2
    wb.mirror.sync()  # billing's side of them, as the reply streams mirror it
    report = wb.mirror.verify()
    assert report.clean and report.tallies["submissions"].store == 2 == report.tallies["submissions"].billing
    # Billing's side changes under the delivered rows: a text rewritten, a value changed, a row gone.
    wb.mirror.billing_sql("UPDATE IBOK_ZGLOSZENIA SET TRESC = ? WHERE KLUCZ = ?", text_of(299) + "X", message)
    wb.mirror.billing_sql("UPDATE IBOK_ODCZYTY SET STAN = STAN + 1 WHERE KLUCZ = ?", reading)
    report = wb.mirror.verify()
    found = {(d.key, d.kind): d.detail for d in report.differences if d.stream == "submissions"}
    assert found[(message, "different")] == ("TRESC: 300 characters sent, 300 in billing, "
                                             "first difference at character 300")
    assert found[(reading, "different")].startswith("STAN: ")
    wb.mirror.billing_sql("DELETE FROM IBOK_ODCZYTY WHERE KLUCZ = ?", reading)
    found = {(d.key, d.kind) for d in wb.mirror.verify().differences}
    assert (reading, "missing") in found and (message, "different") in found


def test_subjects_at_their_columns_limit_reach_billing_byte_for_byte(wb: WriteBack) -> None:
    customer = wb.meters_held()[0][0]
    subjects = [text_of(120), (CP1250 * 2)[:120].strip()]
    keys = []
    for n, subject in enumerate(subjects):
        done = service.send_message(wb.ctx, customer, "REK", subject, text_of(129), token=f"subject-{n}")
        assert done.ok and done.created, done.problems
        keys += done.ids
    assert wb.relay().run().sent == len(keys)
    for key, subject in zip(keys, subjects, strict=False):
        assert stored_bytes(wb.mirror, "IBOK_ZGLOSZENIA", "TEMAT", "KLUCZ = ?", key) == encoded(wb.mirror, subject)
