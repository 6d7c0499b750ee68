"""The store's Alembic migrations and `ibok db`, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner, Result
from sqlalchemy import Engine, inspect, text

from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.outbox import deliveries as outbox_store
from adapters.store.tables import metadata
from config.cli import ibok
from config.logs import reset_logging
from config.settings import SETTINGS


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def run_ibok(*args: str, url: str) -> Result:
    """`ibok ...` with only IBOK_STORE_URL set, whatever the developer's shell has."""
    env: dict[str, str | None] = {s.env: None for s in SETTINGS}
    env.update(IBOK_CONFIG=None, IBOK_STORE_URL=url)
    try:
        return CliRunner().invoke(ibok, ["--log-level", "WARNING", *args], env=env)
    finally:
        reset_logging()


# ----- migrate ---------------------------------------------------------------------------------------
def test_upgrading_an_empty_store_creates_every_table_of_the_metadata(engine):
    assert table_names(engine) == set()
    assert migrate.upgrade(engine) == migrate.head()
    assert table_names(engine) == set(metadata.tables) | {"alembic_version"}


def test_upgrading_twice_is_a_no_op(engine):
    migrate.upgrade(engine)
    with engine.connect() as conn:
        before = {name: inspect(conn).get_columns(name) for name in inspect(conn).get_table_names()}
    assert migrate.upgrade(engine) == migrate.head()
    with engine.connect() as conn:
        after = {name: inspect(conn).get_columns(name) for name in inspect(conn).get_table_names()}
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.head()]
    assert repr(after) == repr(before)


def test_migrated_schema_matches_the_tables_module_exactly(engine):
    migrate.upgrade(engine)
    assert differences(engine) == []


def test_the_comparison_notices_a_column_the_tables_module_lacks(engine):
    migrate.upgrade(engine)  # proves the check above can fail
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE sellers ADD COLUMN extra INTEGER"))
    (diff,) = differences(engine)
    assert diff[0] == "remove_column" and diff[2] == "sellers" and diff[3].name == "extra"


def test_current_is_none_before_and_head_after_upgrade(engine):
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head() == "0014"


def test_upgrade_takes_a_url_too(store_url, engine):
    assert migrate.upgrade(store_url) == migrate.head()
    assert migrate.current(engine) == migrate.head()


def test_upgrading_a_0001_store_keeps_its_run_history(engine):
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(text("INSERT INTO sync_runs (stream, mode, holder, started_at, rows_read, rows_written,"
                          " rows_deleted, outcome) VALUES ('payments', 'full', 'h:1:a', CURRENT_TIMESTAMP, 7, 7, 0,"
                          " 'ok')"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT stream, rows_read, requested_by FROM sync_runs")).all()
    assert [tuple(r) for r in rows] == [("payments", 7, None)]
    assert differences(engine) == []


def test_upgrading_a_0012_store_puts_waiting_submissions_in_their_queues(engine):
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0012")
        for key, kind, meter in (("r1", "reading", 41), ("m1", "message", None), ("c1", "change", None)):
            conn.execute(text("INSERT INTO submissions (id, kind, customer_id, submitted_at, submitted_by, meter_id)"
                              " VALUES (:id, :kind, 7, CURRENT_TIMESTAMP, 'test', :meter)"),
                         {"id": key, "kind": kind, "meter": meter})
            conn.execute(text("INSERT INTO outbox (id, state, attempts, next_attempt_at, created_at)"
                              " VALUES (:id, 'pending', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": key})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, order_key FROM outbox")).all())
    assert keys == {"r1": "meter:41", "m1": "customer:7", "c1": "customer:7"}
    assert keys["r1"] == outbox_store.order_key({"kind": "reading", "meter_id": 41, "customer_id": 7})
    assert keys["c1"] == outbox_store.order_key({"kind": "change", "meter_id": None, "customer_id": 7})


def test_upgrading_a_0013_store_ends_staff_sessions_and_keeps_clear_totp_secrets(engine):
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0013")
        for key, account, data in (("staff", None, '{"admin_id": 3}'), ("customer", 5, '{"account_id": 5}'),
                                   ("anonymous", None, '{"lang": "pl"}')):
            conn.execute(text("INSERT INTO web_sessions (id, account_id, data, created_at, seen_at, expires_at)"
                              " VALUES (:id, :account, :data, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                              " CURRENT_TIMESTAMP)"), {"id": key, "account": account, "data": data})
        conn.execute(text("INSERT INTO admins (email, name, password_hash, must_change_password, role, totp_secret,"
                          " created_at) VALUES ('ewa@w.test', 'Ewa', 'x', false, 'operator',"
                          " 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', CURRENT_TIMESTAMP)"))
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # a no-op the second time
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT id FROM web_sessions")).scalars()) == {"customer", "anonymous"}
        assert conn.execute(text("SELECT totp_secret FROM admins")).scalar() == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert differences(engine) == []


def test_downgrade_to_base_removes_every_table(engine):
    migrate.upgrade(engine)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert table_names(engine) == {"alembic_version"}
    assert migrate.current(engine) is None


def test_migrations_import_no_application_code():
    for path in (migrate.MIGRATIONS / "versions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert {name.split(".")[0] for name in imported} <= {"__future__", "collections", "sqlalchemy", "alembic"}


# ----- ibok db -----------------------------------------------------------------------------------------
def test_db_upgrade_creates_the_store_and_prints_the_revisions(store_url, engine):
    first = run_ibok("db", "upgrade", url=store_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith(": (none) -> 0014")
    again = run_ibok("db", "upgrade", url=store_url)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().endswith(": 0014 -> 0014 (already at head)")
    assert migrate.current(engine) == "0014"


def test_db_current_prints_both_revisions_and_exits_0_at_head(store_url, engine):
    migrate.upgrade(engine)
    result = run_ibok("db", "current", url=store_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["current", "0014", "head", "0014"]


def test_db_current_on_an_empty_store_exits_1_and_says_to_upgrade(store_url):
    result = run_ibok("db", "current", url=store_url)
    assert result.exit_code == 1
    assert result.stdout.split() == ["current", "(none)", "head", "0014"]
    assert "ibok db upgrade" in result.stderr


def test_db_current_does_not_create_a_missing_sqlite_file(tmp_path):
    path = tmp_path / "store.sqlite3"
    assert run_ibok("db", "current", url=f"sqlite:///{path}").exit_code == 1
    assert not path.exists()


@pytest.mark.integration
def test_db_upgrade_creates_the_sqlite_file_s_parent_directory(tmp_path):
    path = tmp_path / "var" / "lib" / "store.sqlite3"
    result = run_ibok("db", "upgrade", url=f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert path.is_file()


@pytest.mark.integration
@pytest.mark.parametrize("subcommand", ["upgrade", "current"])
def test_unreachable_postgresql_is_one_line_without_the_password(subcommand):
    result = run_ibok("db", subcommand, url="postgresql://ibok:secret99@127.0.0.1:1/ibok")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "secret99" not in result.output
    (line,) = result.stderr.splitlines()
    assert "postgresql://ibok:***@127.0.0.1:1/ibok" in line
