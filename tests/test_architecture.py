"""Who opens a transaction: a use case runs in the one unit of work it is given
(``adapters.store.unit_of_work``); views and commands build that unit of work and hand it on, they never
open a transaction themselves. Read from the source (``ast``): no database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "sync")

# The modules of portal/ and sync/ that may still call ``.begin()``: none is a use case of a view or a
# command; each is a process of its own, or a mechanism below the use cases, with transactions of its own.
BEGIN_ALLOWED = {
    # The session store: Flask's session interface loads and saves a session around every request,
    # outside any use case.
    "portal/sessions.py",
    # Attempt limits: a failed attempt is counted in a transaction of its own, so that it counts even when
    # the use case that follows fails or writes nothing.
    "portal/auth/limits.py",
    # The daemon: its schedule's bookkeeping (leases, heartbeats, requests taken and finished), many short
    # transactions in a long-running process.
    "sync/daemon.py",
    # The relay to billing: claims, delivers and settles outbox rows, one short transaction per step, so that
    # a row is never held while billing is called.
    "sync/relay.py",
    # The mailer: claims and settles e-mails of the outbox around each SMTP send, the same way.
    "sync/mailer.py",
    # The notification job of the daemon: plans and queues e-mails in batches of its own.
    "sync/notify/job.py",
}


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _called(node: ast.expr) -> str | None:
    """The name a call calls: ``f`` of ``f(...)`` and of ``a.b.f(...)``; None for anything else."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _is_entry_point(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A Flask view (``@bp.route``, ``@app.get``...) or a click command (``@group.command``, ``@click.command``)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in {"route", "get", "post", "command"}:
            return True
    return False


def test_only_the_background_processes_open_a_transaction_with_begin() -> None:
    found = [f"{_name(path)}:{node.lineno}" for path in _modules() if _name(path) not in BEGIN_ALLOWED
             for node in ast.walk(_tree(path))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "begin"]
    assert found == [], ("a view or a command opens a transaction: move its writes into a use case that takes "
                         f"a UnitOfWork, and hand it one (portal: context.unit_of_work()): {found}")


def test_views_and_commands_hand_their_unit_of_work_to_a_use_case() -> None:
    entered = []
    for path in _modules():
        for function in ast.walk(_tree(path)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not _is_entry_point(function):
                continue
            entered += [f"{_name(path)}:{node.lineno} ({function.name})" for node in ast.walk(function)
                        if isinstance(node, ast.With | ast.AsyncWith) for item in node.items
                        if _called(item.context_expr) in {"UnitOfWork", "unit_of_work"}]
    assert entered == [], f"a view or a command enters a unit of work itself, instead of a use case: {entered}"


def test_the_allowed_modules_exist() -> None:
    """A module renamed or removed leaves no stale entry to excuse another one later."""
    assert sorted(name for name in BEGIN_ALLOWED if not (ROOT / name).is_file()) == []


def test_the_rule_sees_a_transaction_opened_in_a_view() -> None:
    view = ast.parse("@bp.route('/x', methods=['POST'])\ndef x():\n"
                     "    with writer(engine()).begin() as conn:\n        pass\n"
                     "    with unit_of_work() as uow:\n        pass\n")
    function = view.body[0]
    assert isinstance(function, ast.FunctionDef) and _is_entry_point(function)
    withs = [node for node in ast.walk(function) if isinstance(node, ast.With)]
    assert [_called(w.items[0].context_expr) for w in withs] == ["begin", "unit_of_work"]


def test_tests_read_logs_as_production_writes_them() -> None:
    """structlog's capture_logs() sees only loggers not yet cached: once a test in the same worker has
    configured logging (a command run in-process), a module's logger keeps that configuration and
    capture_logs() finds nothing, so a test passes or fails by what ran before it. The ``json_log``
    fixture (tests/conftest.py) reads the JSON lines every logger writes, cached or not."""
    this = Path(__file__).resolve()
    found = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests").rglob("*.py"))
             if path != this and "capture_logs(" in path.read_text(encoding="utf-8")]
    assert found == []
