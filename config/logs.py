"""Logging set-up: structlog and the standard library in one shape, with redaction."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

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

# Libraries that are chatty at INFO; they are raised to WARNING unless DEBUG is asked for.
# "apscheduler.executors": every executor's per-job "Running job" / "executed successfully" lines
# (the daemon has four executors; they were four fifths of its log).
NOISY_LOGGERS = ("sqlalchemy.engine", "apscheduler.executors", "alembic.runtime.migration")
# Libraries whose warnings are expected events here ("skipped: maximum number of running instances
# reached" is what coalescing one instance per job means); raised to ERROR unless DEBUG is asked for.
EXPECTED_WARNINGS = ("apscheduler.scheduler",)
_HANDLER_MARK = "_ibok_handler"


def redact_text(text: str) -> str:
    """Mask connection-string passwords, URL passwords and e-mail local parts in text."""
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


def configure_logging(level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging through one redacting handler on the root logger."""
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}")
    if fmt not in ("auto", "json", "console"):
        raise ValueError(f"unknown log format {fmt!r}")
    stream = sys.stderr if stream is None else stream
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    as_json = fmt == "json" or (fmt == "auto" and not is_tty)

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any
    if as_json:
        # ConsoleRenderer formats exceptions itself and warns if format_exc_info ran before it.
        final: list[Any] = [structlog.processors.format_exc_info, redact_event]
        renderer = structlog.processors.JSONRenderer()
    else:
        final = [redact_event]
        renderer = structlog.dev.ConsoleRenderer(colors=is_tty)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    _remove_own_handlers(root)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for names, quiet in ((NOISY_LOGGERS, logging.WARNING), (EXPECTED_WARNINGS, logging.ERROR)):
        for name in names:
            logging.getLogger(name).setLevel(logging.NOTSET if numeric_level <= logging.DEBUG else quiet)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def reset_logging() -> None:
    """Undo configure_logging (for tests and for code embedding iBOK in another process)."""
    _remove_own_handlers(logging.getLogger())
    logging.getLogger().setLevel(logging.WARNING)
    for name in (*NOISY_LOGGERS, *EXPECTED_WARNINGS):
        logging.getLogger(name).setLevel(logging.NOTSET)
    structlog.reset_defaults()


def _remove_own_handlers(root: logging.Logger) -> None:
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.flush()
