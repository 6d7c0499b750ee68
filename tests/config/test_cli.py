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
KEY = "5b0f8c0e4d6a41e2b3c99d7e1a2f6b48c0d3e5f7a9b1c2d4e6f8a0b2c4d6e8f0"  # as secrets.token_hex(32) makes


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
                 IBOK_ADMIN_TOTP_KEY=TOTP_KEY, IBOK_BILLING_PASSWORD="envpass", IBOK_STORE_URL="postgresql://ibok:urlpass@db/ibok")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Settings OK."
    assert f"billing.dsn = Driver=X;Server=s;UID=r;PWD=***  # {path}" in result.stdout
    assert "portal.secret_key = ***  # IBOK_PORTAL_SECRET_KEY" in result.stdout
    for secret in ("filepass", "envpass", "urlpass", KEY):
        assert secret not in result.output


TOTP_KEY = "pO9s1kq3yY4xq0mFv0m2X9w6m2e2b8v1Zl8nQm0d4cU="  # a Fernet key
READY = {"IBOK_BILLING_DSN": "ibok_billing", "IBOK_PORTAL_SECRET_KEY": KEY, "IBOK_ADMIN_TOTP_KEY": TOTP_KEY}


def check_fails_with(*expected: str, **values: str) -> None:
    result = run(["config", "check"], **{**READY, **values})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr and "Settings OK." not in result.stdout
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("ibok: error: ") for line in lines)
    for text in expected:
        assert text in result.stderr


def check_passes_with(**values: str) -> None:
    result = run(["config", "check"], **{**READY, **values})
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Settings OK."


def test_config_check_fails_in_development_mode():
    check_fails_with("portal.development is true", "IBOK_PORTAL_DEVELOPMENT", IBOK_PORTAL_DEVELOPMENT="true")
    check_passes_with(IBOK_PORTAL_DEVELOPMENT="false")


@pytest.mark.parametrize("weak", ["a" * 36, "s3cret-key-" * 4, "portal-tests-secret-key-0123456789abcdef"])
def test_config_check_fails_on_a_weak_secret_key_without_showing_it(weak):
    check_fails_with("portal.secret_key is too weak", "token_hex(32)", IBOK_PORTAL_SECRET_KEY=weak)
    assert weak not in run(["config", "check"], IBOK_BILLING_DSN="x", IBOK_PORTAL_SECRET_KEY=weak).output


def test_config_check_fails_behind_https_without_trusted_proxies():
    check_fails_with("portal.trusted_proxies is not set", "IBOK_PORTAL_TRUSTED_PROXIES=1",
                     IBOK_PORTAL_BASE_URL="https://ebok.example.pl")
    check_passes_with(IBOK_PORTAL_BASE_URL="https://ebok.example.pl", IBOK_PORTAL_TRUSTED_PROXIES="1")
    check_passes_with(IBOK_PORTAL_BASE_URL="https://ebok.example.pl", IBOK_PORTAL_TRUSTED_PROXIES="0")  # said so
    check_passes_with(IBOK_PORTAL_BASE_URL="http://127.0.0.1:8000")


def test_config_check_fails_in_production_without_a_totp_key():
    check_fails_with("admin.totp_key is missing", "ibok admin new-totp-key", IBOK_ADMIN_TOTP_KEY="")
    result = run(["config", "check"], **{**READY, "IBOK_ADMIN_TOTP_KEY": "", "IBOK_PORTAL_DEVELOPMENT": "true"})
    assert "admin.totp_key" not in result.stderr  # development derives one (and says so)


def test_config_check_names_every_problem_at_once():
    check_fails_with("portal.development", "portal.secret_key", "portal.trusted_proxies",
                     IBOK_PORTAL_DEVELOPMENT="yes", IBOK_PORTAL_SECRET_KEY="x" * 40,
                     IBOK_PORTAL_BASE_URL="https://ebok.example.pl")


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
