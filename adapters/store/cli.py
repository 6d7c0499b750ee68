"""`ibok db ...`: create, upgrade and inspect the portal store's schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from config.cli import pass_settings
from config.logs import redact_text
from config.settings import Settings

# SQLAlchemy, Alembic and the store are imported where they are used: `ibok ... --help` needs none of them.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from adapters.store.store import Store


def open_store(settings: Settings) -> Store:
    """The portal store, checked to be at the current schema (a ClickException saying what to do if not)."""
    from adapters.store import migrate
    from adapters.store.store import Store

    store = Store.from_settings(settings)
    try:
        found, head = migrate.current(store.engine), migrate.head()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store is one line for the operator
        store.dispose()
        raise click.ClickException(f"cannot open the portal store {redact_text(settings.store.url)}: "
                                   f"{redact_text(str(exc).splitlines()[0])}") from None
    if found != head:
        store.dispose()
        raise click.ClickException(f"the portal store is at schema {found or '(empty)'}, not {head}: "
                                   "run `ibok db upgrade` first")
    return store


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return None  # a SQLite URI names its file in its own syntax; leave it to SQLite
    return Path(parsed.database)


def _problem(url: str, exc: Exception) -> click.ClickException:
    """One line, password masked, instead of a driver traceback."""
    from sqlalchemy.exc import DBAPIError

    detail = exc.orig if isinstance(exc, DBAPIError) else exc
    return click.ClickException(redact_text(f"cannot use the store at {url}: {' '.join(str(detail).split())}"))


@contextmanager
def _store(url: str) -> Iterator[Engine]:
    """An engine on the store whose database and migration errors become one-line ClickExceptions."""
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from adapters.store.db import create_store_engine

    try:
        engine = create_store_engine(url)
    except ArgumentError as exc:
        raise _problem(url, exc) from None
    try:
        yield engine
    except (DBAPIError, CommandError) as exc:
        raise _problem(url, exc) from None
    finally:
        engine.dispose()


@click.group("db")
def db() -> None:
    """The portal store's schema."""


@db.command("upgrade")
@pass_settings
def upgrade_command(settings: Settings) -> None:
    """Create the store's tables or upgrade them to the newest revision."""
    from adapters.store import migrate

    url = settings.store.url
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    with _store(url) as engine:
        before = migrate.current(engine)
        after = migrate.upgrade(engine)
    note = " (already at head)" if before == after else ""
    click.echo(f"Store {redact_text(url)}: {before or '(none)'} -> {after}{note}")


@db.command("current")
@pass_settings
def current_command(settings: Settings) -> None:
    """Print the store's revision and the newest one; exit 1 unless the store is at the newest."""
    from adapters.store import migrate

    url = settings.store.url
    path = _sqlite_file(url)
    head = migrate.head()
    if path is not None and not path.exists():
        current = None  # do not let SQLite create an empty file just to look at it
    else:
        with _store(url) as engine:
            current = migrate.current(engine)
    click.echo(f"current {current or '(none)'}")
    click.echo(f"head    {head}")
    if current != head:
        raise click.ClickException("the store is not at the newest revision; run `ibok db upgrade`")
