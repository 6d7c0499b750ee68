"""Logging set-up: structlog and the standard library in one shape, with redaction."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

SECRET_KEY_PARTS = ("password", "passwd", "pwd", "secret", "token", "api_key", "authorization", "cookie", "session")
PERSONAL_KEY_PARTS = (
    "email", "e_mail", "phone", "telefon", "name", "nazwa", "address", "adres", "ulica", "street",
    "nip", "pesel", "tresc", "body",
)
# structlog's own keys are never personal data, even though "logger_name" contains "name".
STRUCTURAL_KEYS = frozenset({"event", "logger", "level", "timestamp", "logger_name"})
SECRET_MASK = "***"
PERSONAL_MASK = "[redacted]"

# A PWD=/Password= segment ends at ';' or the end of the line, or is a {braced} value.
_ODBC_PASSWORD = re.compile(r"(?i)\b(pwd|password)[ \t]*=[ \t]*(?:\{(?:[^}\n]|\}\})*\}|[^;\n]*)")
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/\s]*@")
_EMAIL = re.compile(r"[\w.+-]+@((?:[\w-]+\.)+[\w-]+)")
# The portal's e-mailed links whose last segment is a working secret (a password reset, an address
# confirmation, an e-mail change, an unsubscribe link): that segment is masked wherever such a path
# appears (an access log's request line or Referer, Flask's "Exception on /path" line). The portal
# moves a link's token into the session at once and answers from the path in its place (the
# placeholders below), whose lines stay readable.
_LINK_TOKEN = re.compile(
    r"(/(?:password/reset|confirm|account/email|unsubscribe)/)"
    r"(?!(?:set-password|address|confirm)(?![\w.~%-]))[\w.~%-]+")
LINK_TOKEN_MASK = "[redacted]"

# Libraries that are chatty at INFO; they are raised to WARNING unless DEBUG is asked for.
# "apscheduler.executors": every executor's per-job "Running job" / "executed successfully" lines
# (the daemon has four executors; they were four fifths of its log).
NOISY_LOGGERS = ("sqlalchemy.engine", "apscheduler.executors", "alembic.runtime.migration")
# Libraries whose warnings are expected events here ("skipped: maximum number of running instances
# reached" is what coalescing one instance per job means); raised to ERROR unless DEBUG is asked for.
EXPECTED_WARNINGS = ("apscheduler.scheduler",)
# Libraries that log at INFO while they are imported (Alembic's "setup plugin ..." lines). `ibok` imported them
# before logging was set up, where such lines went nowhere; its commands import them when they run, after it:
# raised to WARNING at every level, so that the commands' output stays what it was.
IMPORT_CHATTER = ("alembic.runtime.plugins",)
_HANDLER_MARK = "_ibok_handler"


def redact_link_tokens(text: str) -> str:
    """Mask the tokens of e-mailed links in the paths of ``text``."""
    return _LINK_TOKEN.sub(rf"\1{LINK_TOKEN_MASK}", text)


def redact_text(text: str) -> str:
    """Mask connection-string passwords, URL passwords, e-mail local parts and link tokens in text."""
    text = redact_link_tokens(text)
    text = _ODBC_PASSWORD.sub(lambda m: f"{m.group(1)}={SECRET_MASK}", text)
    text = _URL_PASSWORD.sub(rf"\1:{SECRET_MASK}@", text)
    return _EMAIL.sub(rf"{SECRET_MASK}@\1", text)


def redact_value(key: str, value: Any) -> Any:
    """Redact one value by its key (secrets, personal data) and its content (strings, nested)."""
    lowered = key.lower()
    if lowered not in STRUCTURAL_KEYS:
        if any(part in lowered for part in SECRET_KEY_PARTS):
            return SECRET_MASK
        if any(part in lowered for part in PERSONAL_KEY_PARTS):
            return PERSONAL_MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value("", v) for v in value)
    return value


def redact_event(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: no passwords, tokens or personal data leave the process."""
    for key in list(event_dict):
        if not key.startswith("_"):  # ProcessorFormatter's own _record etc.
            event_dict[key] = redact_value(key, event_dict[key])
    return event_dict


class RedactingFilter(logging.Filter):
    """The same redaction for a logger with handlers of its own, whose lines never reach ours (gunicorn's
    access and error logs): the message is formatted, redacted and kept as it will be written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed line is the handler's to report, not ours to drop
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging through one redacting handler on the root logger.

    structlog (with rich, which it imports) is not imported here: the handler's formatter is built at
    the first line written, and structlog is configured as soon as it is imported (now, if it is
    already), so that a command that writes no log line does not pay for it at start-up.
    """
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}")
    if fmt not in ("auto", "json", "console"):
        raise ValueError(f"unknown log format {fmt!r}")
    stream = sys.stderr if stream is None else stream
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    as_json = fmt == "json" or (fmt == "auto" and not is_tty)

    handler = logging.StreamHandler(stream)
    handler.setFormatter(_LateFormatter(as_json=as_json, colors=is_tty))
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    _remove_own_handlers(root)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for names, quiet in ((NOISY_LOGGERS, logging.WARNING), (EXPECTED_WARNINGS, logging.ERROR)):
        for name in names:
            logging.getLogger(name).setLevel(logging.NOTSET if numeric_level <= logging.DEBUG else quiet)
    for name in IMPORT_CHATTER:
        logging.getLogger(name).setLevel(logging.WARNING)

    if "structlog" in sys.modules:
        _configure_structlog()
    elif _STRUCTLOG_HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _STRUCTLOG_HOOK)


def reset_logging() -> None:
    """Undo configure_logging (for tests and for code embedding iBOK in another process)."""
    _remove_own_handlers(logging.getLogger())
    logging.getLogger().setLevel(logging.WARNING)
    for name in (*NOISY_LOGGERS, *EXPECTED_WARNINGS, *IMPORT_CHATTER):
        logging.getLogger(name).setLevel(logging.NOTSET)
    if _STRUCTLOG_HOOK in sys.meta_path:
        sys.meta_path.remove(_STRUCTLOG_HOOK)
    if "structlog" in sys.modules:  # not imported yet: it has its defaults anyway
        import structlog

        structlog.reset_defaults()


def _shared_processors() -> list[Any]:
    """What stdlib lines (foreign_pre_chain) and structlog's own share."""
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _processor_formatter(as_json: bool, colors: bool) -> logging.Formatter:
    """structlog's formatter of the one handler: JSON lines, or the console renderer."""
    import structlog

    renderer: Any
    if as_json:
        # ConsoleRenderer formats exceptions itself and warns if format_exc_info ran before it.
        final: list[Any] = [structlog.processors.format_exc_info, redact_event]
        renderer = structlog.processors.JSONRenderer()
    else:
        final = [redact_event]
        renderer = structlog.dev.ConsoleRenderer(colors=colors)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final, renderer],
    )


class _LateFormatter(logging.Formatter):
    """The handler's formatter: structlog's ProcessorFormatter, built (structlog imported) at the first line."""

    def __init__(self, *, as_json: bool, colors: bool) -> None:
        super().__init__()
        self._as_json, self._colors = as_json, colors
        self._formatter: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._formatter is None:  # under the handler's lock: built once
            self._formatter = _processor_formatter(self._as_json, self._colors)
        return self._formatter.format(record)


def _configure_structlog() -> None:
    import structlog

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


class _ConfigureStructlogOnImport:
    """A finder on sys.meta_path until structlog is imported: its loader configures it right after.

    Every module that logs through structlog imports it before its first line, so structlog is configured
    before any logger of it is used, whichever module imports it first.
    """

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name != "structlog":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find_spec(name, path, target) if find_spec is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if loader is None or exec_module is None:
            return spec

        def exec_then_configure(module: ModuleType) -> None:
            exec_module(module)
            _configure_structlog()

        # structlog's own loader (a SourceFileLoader of its __init__.py alone), its exec_module wrapped
        loader.exec_module = exec_then_configure  # type: ignore[method-assign]
        return spec


_STRUCTLOG_HOOK = _ConfigureStructlogOnImport()


def _remove_own_handlers(root: logging.Logger) -> None:
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.flush()
