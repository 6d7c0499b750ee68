"""The `ibok` command-line root: settings and logging once, subcommands imported on demand."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import click

from config.logs import configure_logging
from config.settings import LOG_FORMATS, LOG_LEVELS, SETTINGS, Settings, SettingsError, load_settings

# Subcommand name -> "module:attribute"; a module is imported only when its command runs.
LAZY_COMMANDS: dict[str, str] = {
    "admin": "portal.admin.cli:admin_group",
    "config": "config.cli:config_command",
    "daemon": "sync.cli:daemon_command",
    "db": "adapters.store.cli:db",
    "legacy": "adapters.standin.cli:legacy",
    "mail": "sync.notify.cli:mail_group",
    "outbox": "sync.outbox_cli:outbox_group",
    "portal": "portal.cli:portal_group",
    "serve": "portal.cli:serve_command",
    "submit": "sync.submissions.cli:submit_group",
    "sync": "sync.cli:sync_group",
}

# What `ibok --help` says of each, so that listing the commands imports none of them (a test keeps these
# equal to each command's own first line).
LAZY_HELP: dict[str, str] = {
    "admin": "Staff accounts of the admin area (/admin).",
    "config": "Inspect the effective settings.",
    "daemon": "Keep the mirror fresh: run every stream on its schedule until...",
    "db": "The portal store's schema.",
    "legacy": "The legacy billing stand-in (demo, tests, benchmarks).",
    "mail": "E-mails to customers: notifications queued by the daemon, sent...",
    "outbox": "Customer submissions on their way to billing's interface tables.",
    "portal": "Portal accounts, the terms of service, forms to download.",
    "serve": "Run the portal with Werkzeug's server (development, the demo).",
    "submit": "Submit for a customer what the portal lets customers submit, or...",
    "sync": "Mirror the billing database into the portal store.",
}

pass_settings = click.make_pass_decorator(Settings)


class SettingsProblem(click.ClickException):
    """A SettingsError shown as one line on stderr, exit status 2 like other usage errors."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"ibok: error: {self.message}", file=file, err=True)


class LazyGroup(click.Group):
    """A group whose subcommands are named by import path and imported when first needed."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None,
                 lazy_help: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        self.lazy_help = dict(lazy_help or {})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from ``lazy_help`` where it has the line: nothing imported to show it."""
        rows, names = [], self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)  # as click's own list
        for name in names:
            if name in self.lazy_help:
                rows.append((name, self.lazy_help[name]))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # the module exists but is broken: show why
                raise
            return None  # not installed (yet): click reports "No such command"
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise SettingsProblem(str(exc)) from None


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, lazy_help=LAZY_HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_path", envvar="IBOK_CONFIG", metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML settings file (default: $IBOK_CONFIG, else defaults and IBOK_* variables only).",
)
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), help="Override log.level.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), help="Override log.format.")
@click.pass_context
def ibok(ctx: click.Context, config_path: Path | None, log_level: str | None, log_format: str | None) -> None:
    """iBOK: customer portal and sync middleware in front of the billing database."""
    settings = load_settings(config_path)
    configure_logging(level=log_level or settings.log.level, fmt=log_format or settings.log.format)
    ctx.obj = settings


@click.group("config")
def config_command() -> None:
    """Inspect the effective settings."""


@config_command.command("show")
@pass_settings
def config_show(settings: Settings) -> None:
    """Print the effective settings, secrets masked, each with its source."""
    _echo_settings(settings)


@config_command.command("check")
@pass_settings
def config_check(settings: Settings) -> None:
    """Check the settings a production deployment needs, then print the settings.

    The billing DSN and the portal secret key must be set, and config.production's rules hold (no
    development mode, a strong secret key, trusted proxies named behind https); each broken rule is
    one line on stderr and the exit status is 1.
    """
    from config.production import production_problems  # only this command needs it

    settings.require("billing.dsn", "portal.secret_key")
    problems = production_problems(settings)
    for problem in problems:
        click.echo(f"ibok: error: {problem}", err=True)
    if problems:
        raise click.exceptions.Exit(1)
    _echo_settings(settings)
    click.echo("Settings OK.")


def _echo_settings(settings: Settings) -> None:
    shown = settings.redacted()
    for s in SETTINGS:
        value = shown[s.section][s.key]
        click.echo(f"{s.name} = {'(not set)' if value is None else value}  # {settings.source_of(s.name)}")


def main() -> None:
    """Console-script entry point of `ibok`."""
    ibok.main(prog_name="ibok")
