"""The unit of work: commits together, rolls back together, runs after-commit work only after a commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from adapters.store.db import create_store_engine
from adapters.store.migrate import upgrade
from adapters.store.tables import audit_log
from adapters.store.unit_of_work import UnitOfWork
from config.clock import utcnow


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    upgrade(store_url)
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()


def _entry(uow: UnitOfWork, action: str) -> None:
    uow.conn.execute(audit_log.insert().values(at=utcnow(), actor="test", action=action))


def test_a_block_that_ends_commits_and_runs_the_after_commit_work(engine: Engine) -> None:
    done: list[str] = []
    with UnitOfWork(engine) as uow:
        _entry(uow, "one")
        _entry(uow, "two")
        uow.after_commit(lambda: done.append("told"))
        assert done == []
    assert _count(engine) == 2
    assert done == ["told"]


def test_an_exception_rolls_back_everything_and_skips_the_after_commit_work(engine: Engine) -> None:
    done: list[str] = []
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        _entry(uow, "one")
        uow.after_commit(lambda: done.append("told"))
        raise RuntimeError("half way")
    assert _count(engine) == 0
    assert done == []


def test_rollback_undoes_the_writes_and_the_block_commits_nothing(engine: Engine) -> None:
    done: list[str] = []
    with UnitOfWork(engine) as uow:
        _entry(uow, "one")
        uow.after_commit(lambda: done.append("told"))
        uow.rollback()
    assert _count(engine) == 0
    assert done == []


def test_a_unit_of_work_is_entered_once(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    with uow:
        pass
    with pytest.raises(RuntimeError), uow:
        pass
