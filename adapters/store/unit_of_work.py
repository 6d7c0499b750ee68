"""The unit of work: the one transaction a use case runs in (Cosmic Python's ``unit_of_work.py``).

A use case takes a ``UnitOfWork`` and enters it; everything it writes through ``uow.conn`` commits
together when the block ends, or rolls back together on an exception or ``uow.rollback()``. The
views and the CLI commands build one (``UnitOfWork(engine)``) and pass it on: they never open a
transaction themselves. Work that must follow a commit (an e-mail to queue in another process, a
log line saying it happened) goes to ``uow.after_commit`` and runs only if the commit did.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction

from adapters.store.db import writer


class UnitOfWork:
    """One transaction on the store, begun as a writer (on SQLite: BEGIN IMMEDIATE)."""

    conn: Connection

    def __init__(self, engine: Engine) -> None:
        self._engine = writer(engine)
        self._transaction: RootTransaction | None = None
        self._after: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        if self._transaction is not None:
            raise RuntimeError("a unit of work is entered once")
        self.conn = self._engine.connect()
        self._transaction = self.conn.begin()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        committed = False
        try:
            if self._transaction is not None and self._transaction.is_active:
                if kind is None:
                    self._transaction.commit()
                    committed = True
                else:
                    self._transaction.rollback()
        finally:
            self.conn.close()
        if committed:
            for callback in self._after:
                callback()

    def rollback(self) -> None:
        """Undo everything written so far; the block then ends without committing."""
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
        self._after = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back)."""
        self._after.append(callback)
