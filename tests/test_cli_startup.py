"""`ibok` starts light: `--help` of every command imports none of the heavy libraries (their CPU is what
scripts/bench-startup measures), and what the commands spell out for their help equals its source."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

# What an `ibok` command imports when it runs, not when it starts (nor when it shows its help).
HEAVY = ("sqlalchemy", "alembic", "structlog", "rich", "flask", "werkzeug", "jinja2", "pyodbc", "psycopg",
         "apscheduler", "tenacity")

# Every command and subcommand's --help in one process, then the heavy libraries imported meanwhile.
PROBE = """
import json, sys
from click import Context, Group
from click.testing import CliRunner
from config.cli import LAZY_COMMANDS, ibok

paths = [[]]
for name in sorted(LAZY_COMMANDS):
    command = ibok.get_command(Context(ibok), name)
    paths.append([name])
    if isinstance(command, Group):
        paths.extend([name, sub] for sub in command.list_commands(Context(command)))
failed = [p for p in paths if CliRunner().invoke(ibok, [*p, "--help"]).exit_code != 0]
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
known = sys.modules.get("portal.auth.known_passwords")  # the list of leaked passwords: read on first check only
loaded = bool(known and known.known.cache_info().currsize)
print(json.dumps({"paths": len(paths), "failed": failed, "heavy": heavy, "password_list_loaded": loaded}))
"""


def test_the_help_of_every_command_imports_no_heavy_library() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IBOK_")}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], capture_output=True, text=True,
                          env=environ, timeout=120, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["paths"] > 40 and found["failed"] == [], found
    assert found["heavy"] == [], found
    assert found["password_list_loaded"] is False, found


def test_choices_spelled_out_for_the_help_equal_their_source() -> None:
    from adapters.store.content import downloads
    from adapters.store.logins import admins
    from adapters.store.outbox import deliveries
    from portal import cli as portal_cli
    from portal.admin import cli as admin_cli
    from sync import outbox_cli

    assert admin_cli.ROLES == admins.ROLES
    assert outbox_cli.STATES == deliveries.STATES
    assert portal_cli.FORM_CATEGORIES == downloads.CATEGORIES


def test_structlog_imported_after_configure_logging_is_configured_by_it() -> None:
    code = ("import io, sys; from config.logs import configure_logging; buffer = io.StringIO();"
            " configure_logging('INFO', 'json', buffer); assert 'structlog' not in sys.modules;"
            " import structlog; structlog.get_logger('probe').info('late', token='t');"
            " print(buffer.getvalue(), end='')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    line = json.loads(done.stdout)
    assert (line["event"], line["logger"], line["level"], line["token"]) == ("late", "probe", "info", "***")
