"""The one settings object: declared defaults, then a TOML file, then IBOK_* environment variables."""

from __future__ import annotations

import base64
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.logs import SECRET_MASK, redact_text

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "console")
LOCALES = ("pl", "en")


class SettingsError(Exception):
    """A setting is missing or invalid; str() is one sentence saying what to fix."""


@dataclass(frozen=True)
class Kind:
    """How a value from TOML or from an environment string becomes a setting's value."""

    expects: str  # completes the sentence "must be ..."
    convert: Callable[[Any], Any]  # raises ValueError or TypeError on a bad value
    type: type = str


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _integer(low: int, high: int) -> Kind:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise TypeError(value)
        number = int(value)
        if not low <= number <= high:
            raise ValueError(value)
        return number
    return Kind(f"a whole number from {low} to {high}", convert, int)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    words = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
    return words[_text(value).strip().lower()]  # KeyError is reported like ValueError


def _choice(*options: str) -> Kind:
    def convert(value: Any) -> str:
        folded = {option.lower(): option for option in options}
        return folded[_text(value).strip().lower()]
    return Kind("one of " + ", ".join(options), convert)


def _path(value: Any) -> Path:
    # Relative paths are relative to the working directory at load time, not to the file.
    return Path(os.path.abspath(Path(_text(value)).expanduser()))


def _timezone(value: Any) -> str:
    name = _text(value)
    ZoneInfo(name)
    return name


# The shape of a database URL, dialect[+driver]://...; SQLAlchemy parses the rest where the engine is made
# (adapters/store/db.py). Importing SQLAlchemy here would cost every `ibok` command its start-up.
_DB_URL_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+]*://")


def _db_url(value: Any) -> str:
    url = _text(value)
    if not _DB_URL_SHAPE.match(url):
        raise ValueError("not a database URL (dialect+driver://...)")
    return url


def _secret_key(value: Any) -> str:
    key = _text(value)
    if len(key) < 32:
        raise ValueError("too short")
    return key


def _fernet_keys(value: Any) -> str:
    """One or more Fernet keys (URL-safe base64 of 32 bytes), separated by commas or spaces; the first
    encrypts, the others only decrypt (kept while ``ibok admin rotate-totp-key`` moves secrets off them)."""
    keys = fernet_key_list(_text(value))
    if not keys:
        raise ValueError("no key")
    for key in keys:
        if len(base64.urlsafe_b64decode(key.encode("ascii"))) != 32:
            raise ValueError("not 32 bytes")
    return ", ".join(keys)


def fernet_key_list(value: str) -> list[str]:
    """The keys of an ``admin.totp_key`` value, the newest (the one that encrypts) first."""
    return [key for key in re.split(r"[,\s]+", value.strip()) if key]


def _seconds_by_name(value: Any) -> dict[str, int]:
    """A TOML table {readings = 20, payments = 20}, or from the environment "readings=20, payments=20"."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in re.split(r"[,\s]+", value.strip()) if part]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(value)
        value = {name.strip(): number.strip() for name, number in pairs}
    if not isinstance(value, dict):
        raise TypeError(value)
    seconds = _integer(1, 86400).convert
    return {str(name): seconds(number) for name, number in value.items()}


def _names_by_code(value: Any) -> dict[str, str]:
    """A TOML table {R01 = "Zgierz Północ"}, or from the environment "R01=Zgierz Północ; R14=Śladków Mały"."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in re.split(r"[;\n]+", value.strip()) if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(value)
        value = dict(pairs)
    if not isinstance(value, dict):
        raise TypeError(value)
    names = {_text(code).strip(): _text(name).strip() for code, name in value.items()}
    if any(not code or len(code) > 4 or not name for code, name in names.items()):
        raise ValueError(value)
    return names


def _clock_time(value: Any) -> time:
    hours, minutes = _text(value).strip().split(":")
    return time(int(hours), int(minutes))


TEXT = Kind("text", _text)
SECONDS_BY_STREAM = Kind("a table of stream names and whole seconds 1..86400, such as {readings = 20}"
                         ' (in the environment "readings=20,payments=20")', _seconds_by_name, dict)
NAMES_BY_CODE = Kind('a table of district codes (up to 4 characters) and names, such as {R01 = "Zgierz Północ"}'
                     ' (in the environment "R01=Zgierz Północ; R14=Śladków Mały")', _names_by_code, dict)
CLOCK_TIME = Kind("a time of day as HH:MM", _clock_time, time)
PATH = Kind("a path to a directory", _path, Path)
BOOL = Kind("true or false", _boolean, bool)
TIMEZONE = Kind("a time zone name such as Europe/Warsaw", _timezone)
DB_URL = Kind("a SQLAlchemy database URL such as sqlite:////srv/ibok/var/ibok.sqlite3", _db_url)
SECRET_KEY = Kind("a random text of at least 32 characters", _secret_key)
FERNET_KEYS = Kind("one or more Fernet keys (URL-safe base64 of 32 bytes, such as `ibok admin new-totp-key` prints),"
                   " comma-separated, the newest first", _fernet_keys)


@dataclass(frozen=True)
class Setting:
    """One row of the declaration table."""

    section: str
    key: str
    kind: Kind
    default: Any  # a value, or a function of the values of earlier rows
    secret: bool
    help: str

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env(self) -> str:
        return f"IBOK_{self.section}_{self.key}".upper()


# Adding a setting is adding a row; rows may compute defaults from earlier rows. Secrets have no default.
SETTINGS: tuple[Setting, ...] = (
    Setting("paths", "data_dir", PATH, "var", False,
            "the directory for SQLite files, lock files and other local state"),
    Setting("billing", "dsn", TEXT, None, False, "an ODBC connection string or DSN name"),
    Setting("billing", "password", TEXT, None, True, "the password appended to billing.dsn as PWD="),
    Setting("billing", "interface_dsn", TEXT, lambda v: v["billing.dsn"], False,
            "the ODBC connection of the account that writes IBOK_* tables"),
    Setting("billing", "interface_password", TEXT, None, True,
            "the password appended to billing.interface_dsn as PWD="),
    Setting("billing", "timezone", TIMEZONE, "Europe/Warsaw", False,
            "the time zone of the billing database's local timestamps"),
    Setting("billing", "connect_timeout_s", _integer(1, 600), 10, False, "seconds to wait for an ODBC connection"),
    Setting("billing", "query_timeout_s", _integer(0, 86400), 120, False,
            "seconds a billing query may run, 0 for no limit"),
    Setting("billing", "pdf_archive_dir", PATH, None, False, "the directory (share) holding the invoice PDF archive"),
    Setting("store", "url", DB_URL, lambda v: f"sqlite:///{v['paths.data_dir'] / 'ibok.sqlite3'}", False,
            "the SQLAlchemy URL of the portal store"),
    Setting("store", "echo", BOOL, False, False, "whether to log every SQL statement of the portal store"),
    Setting("sync", "batch_size", _integer(100, 100_000), 5000, False,
            "rows read and written per batch (one store transaction each)"),
    Setting("sync", "lease_s", _integer(10, 3600), 120, False,
            "seconds a stream's lease lasts unless its runner renews it"),
    Setting("sync", "retry_attempts", _integer(1, 50), 6, False,
            "tries of one billing query before a transient error fails the run"),
    Setting("sync", "retry_max_wait_s", _integer(1, 600), 30, False,
            "the longest pause between two tries of a billing query"),
    Setting("sync", "clock_tolerance_s", _integer(0, 86400), 300, False,
            "seconds a change stamp may lie ahead of billing's own clock before it is reported as stamped ahead"
            " (the checkpoint never goes further)"),
    Setting("daemon", "intervals", SECONDS_BY_STREAM, {}, False,
            "seconds between incremental runs, per stream (others keep their defaults)"),
    Setting("daemon", "reconcile_at", CLOCK_TIME, "02:30", False,
            "when the nightly reconciliation starts (billing's local time)"),
    Setting("daemon", "requests_every_s", _integer(1, 60), 2, False,
            "how often the daemon looks for manual resync requests"),
    Setting("daemon", "workers", _integer(1, 32), 4, False, "jobs the daemon runs at once (threads)"),
    Setting("daemon", "misfire_grace_s", _integer(1, 3600), 60, False, "how late a job may start and still run"),
    Setting("daemon", "stale_after_s", _integer(60, 604800), 900, False,
            "seconds after its last good run from which a stream is stale (at least three intervals)"),
    Setting("daemon", "probe_every_s", _integer(1, 3600), 10, False,
            "how often the daemon asks billing a real query while it answers"
            " (a frozen billing is noticed within this plus probe_timeout_s)"),
    Setting("daemon", "probe_timeout_s", _integer(1, 600), 5, False,
            "seconds billing has to answer the probe's query before it counts as unreachable"),
    Setting("daemon", "shutdown_grace_s", _integer(1, 3600), 30, False,
            "seconds a stopping daemon waits for running jobs"
            " (one held by a frozen billing, say) before it exits anyway"),
    Setting("daemon", "probe_max_wait_s", _integer(1, 3600), 60, False,
            "the longest pause between two attempts to reach billing during an outage"),
    Setting("daemon", "history_days", _integer(1, 3650), 30, False, "days of run history and finished requests kept"),
    Setting("daemon", "metrics_host", TEXT, "127.0.0.1", False,
            "the address the metrics and health endpoint listens on"),
    Setting("daemon", "metrics_port", _integer(0, 65535), 9464, False, "the port of /metrics and /health, 0 for none"),
    Setting("outbox", "every_s", _integer(1, 60), 2, False,
            "how often the daemon's relay delivers waiting submissions to billing"),
    Setting("outbox", "batch_size", _integer(1, 5000), 200, False,
            "submissions the relay claims and marks sent per store transaction"),
    Setting("outbox", "max_attempts", _integer(1, 100), 10, False,
            "failed tries after which a submission becomes a dead letter"),
    Setting("outbox", "retry_max_wait_s", _integer(1, 86400), 300, False,
            "the longest pause before a failed submission is tried again"),
    Setting("outbox", "claim_s", _integer(10, 3600), 60, False,
            "seconds a relay's claim on a submission lasts (another relay may take it after)"),
    Setting("portal", "secret_key", SECRET_KEY, None, True,
            "a random text of at least 32 characters signing portal sessions"),
    Setting("portal", "default_locale", _choice(*LOCALES), "pl", False,
            "the portal's language for visitors without a choice"),
    Setting("portal", "development", BOOL, False, False,
            "whether the portal runs for development on plain http (cookies without Secure)"),
    Setting("portal", "session_idle_s", _integer(60, 86400), 1800, False,
            "seconds without a request after which a portal session ends"),
    Setting("portal", "session_absolute_s", _integer(600, 604800), 43200, False,
            "seconds after login after which a portal session ends anyway"),
    Setting("portal", "base_url", TEXT, "http://127.0.0.1:8000", False,
            "the portal's address as customers reach it (links in e-mails)"),
    Setting("portal", "trusted_proxies", _integer(0, 5), 0, False,
            "how many reverse proxies in front of the portal append to X-Forwarded-For and set X-Forwarded-Proto"
            " and -Host, 0 for none (the client's address is then the connection's)"),
    Setting("portal", "district_names", NAMES_BY_CODE, {}, False,
            "names customers see for billing's network districts (REJON); a district not named here is called"
            " after the town most of its service points are in"),
    Setting("portal", "household_litres_a_day", _integer(1, 100000), 250, False,
            "litres a day an average household uses: what a reading of a meter without history (and without"
            " its tariff's averages) is judged against"),
    Setting("mail", "host", TEXT, "localhost", False, "the SMTP server that sends iBOK's e-mails"),
    Setting("mail", "port", _integer(1, 65535), 25, False, "the SMTP server's port"),
    Setting("mail", "security", _choice("none", "starttls", "tls"), "starttls", False,
            "how the SMTP connection is protected: none, starttls or tls"),
    Setting("mail", "username", TEXT, None, False, "the SMTP login, if the server asks for one"),
    Setting("mail", "password", TEXT, None, True, "the SMTP password"),
    Setting("mail", "sender", TEXT, "iBOK <ebok@localhost>", False, "the From: of iBOK's e-mails"),
    Setting("mail", "every_s", _integer(1, 300), 5, False, "how often the daemon sends queued e-mails"),
    Setting("mail", "max_attempts", _integer(1, 100), 10, False,
            "failed tries after which an e-mail is given up (and shown to admins)"),
    Setting("mail", "notify_every_s", _integer(10, 3600), 60, False,
            "how often the daemon queues customers' notifications (new invoices, reminders, outages, replies)"),
    Setting("mail", "due_days", _integer(1, 30), 3, False,
            "days before an invoice's due date when the payment reminder is e-mailed"),
    Setting("admin", "session_idle_s", _integer(60, 86400), 900, False,
            "seconds without a request after which a staff (admin area) session ends"),
    Setting("admin", "session_absolute_s", _integer(600, 604800), 28800, False,
            "seconds after login after which a staff (admin area) session ends anyway"),
    Setting("admin", "totp_key", FERNET_KEYS, None, True,
            "the key(s) encrypting staff TOTP secrets in the store, the newest first (required outside development)"),
    Setting("admin", "audit_keep_days", _integer(1, 36500), 730, False, "days the admin area's audit log is kept"),
    Setting("log", "level", _choice(*LOG_LEVELS), "INFO", False, "the lowest level of log lines written"),
    Setting("log", "format", _choice(*LOG_FORMATS), "auto", False,
            "console on a terminal, JSON lines otherwise, or forced"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _display(setting: Setting, value: Any) -> Any:
    """A value as shown to people: secrets as ***, passwords inside DSNs and URLs masked."""
    if value is not None and setting.secret:
        return SECRET_MASK
    return redact_text(value) if isinstance(value, str) else value


def _section_repr(self: Any) -> str:
    shown = (f"{f.name}={_display(f.metadata['setting'], getattr(self, f.name))!r}" for f in fields(self))
    return f"{type(self).__name__}({', '.join(shown)})"


_SECTIONS = {
    section: make_dataclass(
        f"{section.title()}Settings",
        [(s.key, s.kind.type, field(metadata={"setting": s})) for s in SETTINGS if s.section == section],
        frozen=True,
        repr=False,
        namespace={"__repr__": _section_repr},
    )
    for section in dict.fromkeys(s.section for s in SETTINGS)
}
_ODBC_PASSWORD_PART = re.compile(r"(?i)(?:^|;)\s*(?:pwd|password)\s*=\s*(?:\{(?:[^}]|\}\})*\}|[^;]*)")


class Settings:
    """Effective settings, read-only; one object per section: settings.billing.dsn."""

    _values: dict[str, Any]
    _sources: dict[str, str]
    paths: Any
    billing: Any
    store: Any
    sync: Any
    daemon: Any
    outbox: Any
    portal: Any
    mail: Any
    admin: Any
    log: Any

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_sources", dict(sources))
        for section, cls in _SECTIONS.items():
            object.__setattr__(self, section, cls(**{s.key: values[s.name] for s in SETTINGS if s.section == section}))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Settings are read-only")

    def __repr__(self) -> str:
        return f"Settings({self.redacted()!r})"

    def require(self, *names: str) -> None:
        """Raise SettingsError for the first of the named settings that is not set."""
        for name in names:
            setting = _BY_NAME[name]
            if self._values[name] is None:
                raise SettingsError(
                    f"Setting {name} is missing: set it in the config file or in {setting.env} ({setting.help})."
                )

    def source_of(self, name: str) -> str:
        """Where a setting's value came from: "default", the config file path or the env variable."""
        return self._sources[_BY_NAME[name].name]

    def billing_connection_string(self) -> str:
        """The read-only billing account's ODBC connection string, password included."""
        self.require("billing.dsn")
        return _connection_string(self.billing.dsn, self.billing.password)

    def interface_connection_string(self) -> str:
        """The interface-writer account's connection string; without its own DSN it is the billing account."""
        self.require("billing.interface_dsn")
        password = self.billing.interface_password
        if password is None and self.billing.interface_dsn == self.billing.dsn:
            password = self.billing.password
        return _connection_string(self.billing.interface_dsn, password)

    def redacted(self) -> dict[str, dict[str, object]]:
        """Every setting by section for display, with secrets and passwords inside values as ***."""
        shown: dict[str, dict[str, object]] = {section: {} for section in _SECTIONS}
        for s in SETTINGS:
            shown[s.section][s.key] = _display(s, self._values[s.name])
        return shown


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings: defaults, then the TOML file (path or IBOK_CONFIG), then IBOK_* variables."""
    environ = os.environ if environ is None else environ
    if path is None and environ.get("IBOK_CONFIG"):
        path = Path(environ["IBOK_CONFIG"])
    raw: dict[str, tuple[Any, str]] = {}
    if path is not None:
        raw.update((name, (value, str(path))) for name, value in _read_file(Path(path)).items())
    raw.update((s.name, (environ[s.env], s.env)) for s in SETTINGS if s.env in environ)

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for s in SETTINGS:
        value, origin = raw.get(s.name, (None, "default"))
        if value is None or value == "":  # an empty variable unsets a value from the file
            value, origin = (s.default(values) if callable(s.default) else s.default), "default"
        values[s.name] = None if value is None else _parse(s, value, origin)
        sources[s.name] = origin
    return Settings(values, sources)


def _parse(setting: Setting, value: Any, origin: str) -> Any:
    try:
        return setting.kind.convert(value)
    except Exception:  # noqa: BLE001 - any parser failure is the user's value, reported as one sentence
        got = "" if setting.secret else f", got {redact_text(repr(value))}"
        where = "the default" if origin == "default" else origin
        raise SettingsError(f"Setting {setting.name} (from {where}) must be {setting.kind.expects}{got}.") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError:
        raise SettingsError(f"Config file {path} does not exist:"
                            " create it or point --config or IBOK_CONFIG elsewhere.") from None
    except OSError as exc:
        raise SettingsError(f"Config file {path} cannot be read: {exc.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())
        raise SettingsError(f"Config file {path} is not valid TOML: {message}.") from None

    found: dict[str, Any] = {}
    for section, table in document.items():
        if section not in _SECTIONS or not isinstance(table, dict):
            raise SettingsError(
                f"Config file {path} has an unknown section or top-level key {section!r}{_hint(section, _SECTIONS)}:"
                f" settings belong in one of the tables {', '.join(f'[{s}]' for s in _SECTIONS)}."
            )
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in _BY_NAME:
                raise SettingsError(f"Config file {path} has an unknown setting {name}{_hint(name, _BY_NAME)}.")
            found[name] = value
    return found


def _hint(word: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _connection_string(dsn: str, password: str | None) -> str:
    if "=" not in dsn:
        dsn = f"DSN={dsn}"
    if password is None:
        return dsn
    # The password from the environment replaces one written into the DSN.
    dsn = _ODBC_PASSWORD_PART.sub("", dsn).strip(";")
    if re.search(r"[;{}\s]", password):
        password = "{" + password.replace("}", "}}") + "}"
    return f"{dsn};PWD={password}"
