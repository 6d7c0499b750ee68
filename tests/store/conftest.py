"""A migrated store on SQLite and on PostgreSQL in turn (``store_url`` is parametrized)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.store import migrate
from adapters.store.db import create_store_engine
from adapters.store.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    migrate.upgrade(store_url)
    store = Store(create_store_engine(store_url))
    yield store
    store.dispose()
