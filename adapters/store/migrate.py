"""The store's schema migrations, driven through Alembic's API with no alembic.ini."""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from adapters.store.db import create_store_engine

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration for the store: the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision the code knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return revision


def current(engine: Engine) -> str | None:
    """The store's revision, or None when it has never been migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> str | None:
    """Create or upgrade the store to `revision` in one transaction; returns the revision reached."""
    from alembic import (
        command,  # imported here: every sync run checks the revision, few upgrade
    )

    engine = create_store_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        config = alembic_config()
        with engine.begin() as conn:  # Alembic's cookbook: share one connection with env.py
            config.attributes["connection"] = conn
            context = MigrationContext.configure(conn)
            before = context.get_current_revision()
            command.upgrade(config, revision)
            after = context.get_current_revision()
        if before != after:
            log.info("store_migrated", revision_from=before, revision_to=after)
        return after
    finally:
        if engine is not engine_or_url:
            engine.dispose()
