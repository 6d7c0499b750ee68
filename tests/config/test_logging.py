"""Logging: one JSON shape for structlog and stdlib loggers, nothing secret or personal in it."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from config.logs import RedactingFilter, configure_logging, redact_event, redact_text
from tests.conftest import log_lines as lines


@pytest.fixture
def stream(json_log: io.StringIO) -> io.StringIO:
    return json_log


@pytest.mark.parametrize(("text", "expected"), [
    ("Driver=X;UID=r;PWD=s3cret;Server=s", "Driver=X;UID=r;PWD=***;Server=s"),
    ("Server=s;Password={a;b}}c}", "Server=s;Password=***"),
    ("dsn pwd=tail", "dsn pwd=***"),
    ("postgresql://ibok:s3cret@db:5432/ibok", "postgresql://ibok:***@db:5432/ibok"),
    ("http://db:8080/path@x", "http://db:8080/path@x"),
    ("from jan.kowalski+bok@wodociagi.example.pl today", "from ***@wodociagi.example.pl today"),
    ("nothing to hide: 12 rows", "nothing to hide: 12 rows"),
])
def test_redact_text_masks_passwords_and_email_addresses(text, expected):
    assert redact_text(text) == expected


TOKEN = "qW3-x_9Zk2LmN8pQrStUvWxYz0123456789AbCdEfGh"


@pytest.mark.parametrize(("text", "expected"), [
    (f'127.0.0.1 - - "GET /password/reset/{TOKEN} HTTP/1.1" 302 -',
     '127.0.0.1 - - "GET /password/reset/[redacted] HTTP/1.1" 302 -'),
    (f"Exception on /confirm/{TOKEN} [POST]", "Exception on /confirm/[redacted] [POST]"),
    (f'"http://portal.example/account/email/{TOKEN}?x=1"', '"http://portal.example/account/email/[redacted]?x=1"'),
    ("/unsubscribe/WzEsImludm9pY2VzIl0.abc-DEF_1/one-click", "/unsubscribe/[redacted]/one-click"),
    ("GET /password/reset/set-password", "GET /password/reset/set-password"),  # the pages in the links' place
    ("GET /confirm/address?next=/", "GET /confirm/address?next=/"),
    ("POST /account/email/confirm HTTP/1.1", "POST /account/email/confirm HTTP/1.1"),
    ("GET /account/email/confirmX", "GET /account/email/[redacted]"),
])
def test_redact_text_masks_the_tokens_of_emailed_links_but_not_the_pages_in_their_place(text, expected):
    assert redact_text(text) == expected


def test_the_filter_for_loggers_of_their_own_redacts_the_formatted_line():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s',
                               ({"r": f"GET /password/reset/{TOKEN} HTTP/1.1", "s": "302"},), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == '"GET /password/reset/[redacted] HTTP/1.1" 302'


def test_redact_event_masks_secret_and_personal_keys_but_not_structlog_keys():
    event = redact_event(None, "info", {
        "event": "mail to a@b.pl", "logger": "portal.auth", "logger_name": "x", "level": "info",
        "api_token": "t", "Authorization": "Bearer t", "db_password": None, "session_id": "s",
        "customer_name": "Jan", "E_Mail": "a@b.pl", "telefon": "600", "pesel": "1", "tresc": "hi",
        "rows": 3, "note": "PWD=x", "params": {"nip": "1", "ok": "p@q.pl"}, "keys": ["PWD=y"],
    })
    assert event["event"] == "mail to ***@b.pl"
    assert (event["logger"], event["logger_name"], event["level"], event["rows"]) == ("portal.auth", "x", "info", 3)
    assert {event[k] for k in ("api_token", "Authorization", "db_password", "session_id")} == {"***"}
    assert {event[k] for k in ("customer_name", "E_Mail", "telefon", "pesel", "tresc")} == {"[redacted]"}
    assert (event["note"], event["params"], event["keys"]) == ("PWD=***", {"nip": "[redacted]", "ok": "***@q.pl"},
                                                               ["PWD=***"])


def test_stdlib_and_structlog_lines_come_out_as_the_same_redacted_json(stream):
    logging.getLogger("sqlalchemy.engine").warning("cannot connect with %s", "Driver=X;PWD=hunter2;Server=s")
    structlog.get_logger("sync.runner").info("sync_batch_applied", rows=10, email="jan@example.pl",
                                             url="postgresql://u:hunter2@db/x")
    stdlib_line, structlog_line = lines(stream)
    for line in (stdlib_line, structlog_line):
        assert {"event", "level", "logger", "timestamp"} <= set(line)
        assert line["timestamp"].endswith("Z") and "hunter2" not in json.dumps(line)
    assert stdlib_line == {**stdlib_line, "level": "warning", "logger": "sqlalchemy.engine",
                           "event": "cannot connect with Driver=X;PWD=***;Server=s"}
    assert structlog_line == {**structlog_line, "level": "info", "logger": "sync.runner", "event": "sync_batch_applied",
                              "rows": 10, "email": "[redacted]", "url": "postgresql://u:***@db/x"}


def test_context_variables_and_exceptions_reach_stdlib_lines(stream):
    structlog.contextvars.bind_contextvars(run_id="r-1", stream="readings")
    try:
        raise ConnectionError("lost Driver=X;PWD=hunter2")
    except ConnectionError:
        logging.getLogger("tenacity").exception("retrying")
    finally:
        structlog.contextvars.clear_contextvars()
    (line,) = lines(stream)
    assert (line["run_id"], line["stream"], line["event"]) == ("r-1", "readings", "retrying")
    assert "ConnectionError: lost Driver=X;PWD=***" in line["exception"]


def test_configuring_twice_does_not_double_lines(stream):
    second = io.StringIO()
    configure_logging("INFO", "json", second)
    structlog.get_logger().info("once")
    assert stream.getvalue() == "" and len(lines(second)) == 1


def test_level_filters_lines_and_quiets_chatty_libraries_below_debug(stream):
    structlog.get_logger().debug("hidden")
    for executor in ("default", "control", "relay", "mail"):  # every executor the daemon has
        logging.getLogger(f"apscheduler.executors.{executor}").info("Running job")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")
    assert lines(stream) == []
    configure_logging("DEBUG", "json", stream)
    logging.getLogger("apscheduler.executors.default").info("Running job")
    assert [line["event"] for line in lines(stream)] == ["Running job"]


def test_auto_format_on_a_non_terminal_is_json_and_console_has_no_colors_there(stream):
    configure_logging("INFO", "auto", stream)
    structlog.get_logger().info("as_json")
    assert lines(stream)[0]["event"] == "as_json"
    console = io.StringIO()
    configure_logging("INFO", "console", console)
    structlog.get_logger().info("as_text", token="abc")
    assert "as_text" in console.getvalue() and "token=***" in console.getvalue() and "\x1b[" not in console.getvalue()
