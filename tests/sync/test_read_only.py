"""The sync reads billing with the read-only account, which cannot change anything."""

from __future__ import annotations

import uuid

import pyodbc
import pytest

from adapters.billing.odbc import connect
from adapters.billing.source import OdbcBillingSource
from adapters.standin.accounts import Account, drop_accounts
from adapters.standin.build import build_standin
from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.store import Store
from sync.engine import Syncer
from sync.streams import STREAMS
from sync.verify import verify
from tests.conftest import AS_OF


@pytest.mark.parametrize("billing", ["mariadb", "postgresql"])
def test_the_sync_runs_on_the_read_only_account_which_cannot_write(make_billing_db, make_store_url,
                                                                    billing: str) -> None:
    db = make_billing_db(billing)
    suffix = uuid.uuid4().hex[:6]
    reader, writer = Account(f"ibok_r_{suffix}", "reader-pw-1"), Account(f"ibok_w_{suffix}", "writer-pw-1")
    with db.connect() as conn:
        build_standin(conn, size="tiny", seed=1, as_of=AS_OF, accounts=(reader, writer))
    try:
        store_url = make_store_url("sqlite")
        migrate.upgrade(store_url)
        source = OdbcBillingSource(db.dsn_as(reader.user, reader.password), retry_attempts=1)
        store = Store(create_store_engine(store_url))
        results = Syncer(source, store).run(list(STREAMS))
        assert all(r.outcome == "ok" for r in results)
        assert verify(source, store, list(STREAMS)).clean
        source.close()
        store.dispose()

        with connect(db.dsn_as(reader.user, reader.password), autocommit=True) as conn:
            cur = conn.cursor()
            for sql in ("UPDATE WPLATY SET KWOTA = 0",
                        "DELETE FROM ODCZYTY",
                        "INSERT INTO IBOK_ZGLOSZENIA (KLUCZ, ID_ODB, KATEGORIA, TEMAT, TRESC, DATA_ZGLOSZENIA,"
                        " STATUS, DATA_MOD) VALUES ('k', 1, 'INF', 't', 't', '2026-11-21', 'N', '2026-11-21')",
                        "CREATE TABLE X_SYNC (A INTEGER)"):
                with pytest.raises(pyodbc.Error) as denied:
                    cur.execute(sql)
                assert denied.value.args[0] in ("42000", "42501"), denied.value.args  # permission denied
    finally:
        with db.connect() as conn:
            drop_accounts(conn, billing, reader.user, writer.user)
