"""Building the stand-in on SQLite, MariaDB and PostgreSQL through their ODBC drivers."""

from __future__ import annotations

import pytest

from adapters.billing import quirks
from adapters.standin.build import StandinExists, build_standin
from adapters.standin.checksum import database_checksums
from adapters.standin.profiles import FORCED
from adapters.standin.schema import TABLES
from tests.conftest import AS_OF, BillingDatabase
from tests.standin.test_generator import POLISH_LETTERS


def _build(db: BillingDatabase, seed: int = 1, replace: bool = False) -> dict[str, int]:
    with db.connect() as conn:
        return build_standin(conn, size="tiny", seed=seed, as_of=AS_OF, replace=replace).counts


def test_tiny_builds_and_reads_back_every_row(billing_db: BillingDatabase) -> None:
    counts = _build(billing_db)
    with billing_db.connect() as conn:
        read_back = {t: n for t, (n, _) in database_checksums(conn).items()}
    assert read_back == counts
    assert counts["ODCZYTY"] > 100 and counts["POZYCJE_FAKTURY"] > counts["FAKTURY"]


def test_polish_letters_survive_the_round_trip(billing_db: BillingDatabase) -> None:
    _build(billing_db)
    with billing_db.connect() as conn:
        names = [quirks.text(r[0]) for r in conn.cursor().execute("SELECT NAZWA FROM ODBIORCY").fetchall()]
        streets = [quirks.text(r[0]) for r in conn.cursor().execute("SELECT ULICA FROM PUNKTY").fetchall()]
    assert set(FORCED_NAMES) <= set(names)
    assert POLISH_LETTERS <= set("".join(names + streets))


FORCED_NAMES = [p.name for p in FORCED if p.name]


@pytest.mark.parametrize("dialect", ["mariadb"])
def test_mariadb_stores_text_in_cp1250(make_billing_db, dialect: str) -> None:
    db = make_billing_db(dialect)
    _build(db)
    with db.connect() as conn:
        cur = conn.cursor()
        charsets = {r[0] for r in cur.execute(
            "SELECT DISTINCT CHARACTER_SET_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL").fetchall()}
        stored = cur.execute("SELECT HEX(NAZWA) FROM ODBIORCY WHERE NAZWA = ?", "Łucja Żółtowska").fetchone()[0]
    assert charsets == {"cp1250"}
    assert stored == "Łucja Żółtowska".encode("cp1250").hex().upper()


def test_same_seed_gives_the_same_checksums_on_each_database(billing_db: BillingDatabase, make_billing_db) -> None:
    _build(billing_db)
    twin = make_billing_db(billing_db.dialect)
    _build(twin)
    with billing_db.connect() as a, twin.connect() as b:
        assert database_checksums(a) == database_checksums(b)


def test_rebuilding_needs_replace_and_then_gives_the_same_data(make_billing_db) -> None:
    db = make_billing_db("sqlite")
    _build(db)
    with db.connect() as conn:
        before = database_checksums(conn)
    with pytest.raises(StandinExists):
        _build(db)
    _build(db, replace=True)
    with db.connect() as conn:
        assert database_checksums(conn) == before


def test_another_seed_changes_the_data(make_billing_db) -> None:
    a, b = make_billing_db("sqlite"), make_billing_db("sqlite")
    _build(a, seed=1)
    _build(b, seed=2)
    with a.connect() as ca, b.connect() as cb:
        assert database_checksums(ca)["ODBIORCY"] != database_checksums(cb)["ODBIORCY"]


def _index_heads(conn, dialect: str) -> set[tuple[str, str, bool]]:
    """(table, first column, unique) of every index in the database."""
    cur = conn.cursor()
    if dialect == "sqlite":
        heads = set()
        for (table,) in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for _, name, unique, *_ in conn.cursor().execute(f"PRAGMA index_list({table})").fetchall():
                first = conn.cursor().execute(f"PRAGMA index_info({name})").fetchone()[2]
                heads.add((table.upper(), first.upper(), bool(unique)))
        return heads
    if dialect == "mariadb":
        sql = ("SELECT TABLE_NAME, COLUMN_NAME, NON_UNIQUE = 0 FROM information_schema.STATISTICS"
               " WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1")
    else:
        sql = ("SELECT t.relname, a.attname, ix.indisunique FROM pg_index ix"
               " JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
               " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[0]"
               " WHERE n.nspname = 'public'")
    # psqlODBC hands booleans over as the strings "0" and "1"
    return {(str(t).upper(), str(c).upper(), str(u) in ("1", "True")) for t, c, u in cur.execute(sql).fetchall()}


def test_every_data_mod_column_is_indexed_and_klucz_unique(billing_db: BillingDatabase) -> None:
    _build(billing_db)
    with billing_db.connect() as conn:
        heads = _index_heads(conn, billing_db.dialect)
    for table in TABLES:
        if table.has_data_mod:
            assert (table.name, "DATA_MOD", False) in heads, table.name
        if table.interface:
            assert (table.name, "KLUCZ", True) in heads, table.name
