"""The ibok root command: one-line settings errors with exit status 2, lazy subcommands."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from config.cli import LazyGroup, ibok
from config.logs import reset_logging
from config.settings import SETTINGS

IBOK = Path(sys.executable).parent / "ibok"
KEY = "s3cret-key-" * 4


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield
    reset_logging()


def env(**values: str) -> dict[str, str | None]:
    """Only the given IBOK_* variables, whatever the developer's shell has set."""
    cleared: dict[str, str | None] = {s.env: None for s in SETTINGS}
    return {**cleared, "IBOK_CONFIG": None, **values}


def run(args: list[str], **values: str):
    return CliRunner().invoke(ibok, args, env=env(**values))


def assert_one_error_line(stderr: str, *expected: str) -> None:
    assert "Traceback" not in stderr
    (line,) = stderr.splitlines()
    assert line.startswith("ibok: error: ")
    for text in expected:
        assert text in line


def test_malformed_config_file_from_the_console_script_is_one_line_and_status_2(tmp_path):
    path = tmp_path / "ibok.toml"
    path.write_text("[billing\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IBOK_")}
    done = subprocess.run([str(IBOK), "--config", str(path), "config", "show"], env=environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert_one_error_line(done.stderr, f"Config file {path} is not valid TOML")


def test_bad_environment_value_from_the_console_script_is_one_line_and_status_2():
    environ = {**os.environ, "IBOK_BILLING_CONNECT_TIMEOUT_S": "abc"}
    done = subprocess.run([str(IBOK), "config", "show"], env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert_one_error_line(done.stderr, "billing.connect_timeout_s", "IBOK_BILLING_CONNECT_TIMEOUT_S")


def test_bad_file_value_names_the_setting(tmp_path):
    path = tmp_path / "ibok.toml"
    path.write_text('[billing]\nconnect_timeout_s = "abc"\n', encoding="utf-8")
    result = run(["--config", str(path), "config", "show"])
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, "billing.connect_timeout_s", str(path), "'abc'")


def test_config_check_without_billing_dsn_names_it():
    result = run(["config", "check"], IBOK_PORTAL_SECRET_KEY=KEY)
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, "billing.dsn is missing", "IBOK_BILLING_DSN")


def test_config_check_with_everything_set_passes_and_shows_no_secret(tmp_path):
    path = tmp_path / "ibok.toml"
    path.write_text('[billing]\ndsn = "Driver=X;Server=s;UID=r;PWD=filepass"\n', encoding="utf-8")
    result = run(["--config", str(path), "config", "check"], IBOK_PORTAL_SECRET_KEY=KEY,
                 IBOK_BILLING_PASSWORD="envpass", IBOK_STORE_URL="postgresql://ibok:urlpass@db/ibok")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Settings OK."
    assert f"billing.dsn = Driver=X;Server=s;UID=r;PWD=***  # {path}" in result.stdout
    assert "portal.secret_key = ***  # IBOK_PORTAL_SECRET_KEY" in result.stdout
    for secret in ("filepass", "envpass", "urlpass", KEY):
        assert secret not in result.output


def test_config_show_requires_nothing_and_lists_every_setting():
    result = run(["config", "show"])
    assert result.exit_code == 0, result.output
    assert [line.split(" = ")[0] for line in result.stdout.splitlines()] == [s.name for s in SETTINGS]
    assert "billing.dsn = (not set)  # default" in result.stdout


def test_log_options_override_the_settings():
    result = run(["--log-level", "debug", "--log-format", "console", "config", "show"], IBOK_LOG_LEVEL="ERROR")
    assert result.exit_code == 0, result.output
    assert logging.getLogger().level == logging.DEBUG


def test_importing_the_cli_imports_no_other_project_package():
    code = ("import sys, config.cli;"
            " print(sorted({m.split('.')[0] for m in sys.modules} & {'adapters', 'portal', 'sync'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_lazy_group_imports_commands_on_demand_and_skips_missing_modules():
    group = LazyGroup("root", lazy_commands={"show": "config.cli:config_command", "gone": "no_such_module:cmd"})
    ctx = click.Context(group)
    assert group.list_commands(ctx) == ["gone", "show"]
    assert group.get_command(ctx, "show").name == "config" and group.get_command(ctx, "gone") is None
    assert CliRunner().invoke(group, ["--help"]).exit_code == 0
    assert "No such command 'gone'" in CliRunner().invoke(group, ["gone"]).stderr


def test_the_command_list_imports_no_command_and_says_what_each_says_of_itself() -> None:
    from click.testing import CliRunner

    from config.cli import LAZY_COMMANDS, LAZY_HELP, LazyGroup, ibok

    assert set(LAZY_HELP) == set(LAZY_COMMANDS)
    group = LazyGroup("root", lazy_commands=LAZY_COMMANDS)
    ctx = click.Context(group)
    limit = 80 - 6 - max(len(name) for name in LAZY_COMMANDS)  # click's width for the list of commands
    for name in LAZY_COMMANDS:
        command = group.get_command(ctx, name)
        assert command is not None and LAZY_HELP[name] == command.get_short_help_str(limit), name
    listed = CliRunner().invoke(ibok, ["--help"]).output
    assert all(f"{name}  " in listed or f"{name} " in listed for name in LAZY_COMMANDS), listed
    probe = ("import sys; from click.testing import CliRunner; from config.cli import ibok; "
             "CliRunner().invoke(ibok, ['--help']); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('portal', 'sync', 'adapters')))")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]", imported
