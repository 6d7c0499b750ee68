"""Settings: defaults < TOML file < environment, one-sentence errors, redaction."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from config.settings import SETTINGS, SettingsError, load_settings

EXAMPLE = Path(__file__).parents[2] / "config" / "ibok.example.toml"
KEY = "k" * 40


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ibok.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None = None, **environ: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ)
    return str(caught.value)


def test_defaults_apply_without_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.paths.data_dir == tmp_path / "var"
    assert settings.store.url == f"sqlite:///{tmp_path}/var/ibok.sqlite3"
    assert settings.billing.dsn is None and settings.portal.secret_key is None
    assert (settings.billing.timezone, settings.billing.connect_timeout_s, settings.billing.query_timeout_s) == (
        "Europe/Warsaw", 10, 120)
    assert (settings.log.level, settings.log.format, settings.portal.default_locale) == ("INFO", "auto", "pl")
    assert settings.source_of("billing.timezone") == "default"


def test_file_value_overrides_default(tmp_path):
    path = write(tmp_path, '[billing]\ndsn = "ibok_billing"\nconnect_timeout_s = 30\n[store]\necho = true\n')
    settings = load_settings(path, {})
    assert (settings.billing.dsn, settings.billing.connect_timeout_s, settings.store.echo) == ("ibok_billing", 30, True)
    assert settings.source_of("billing.dsn") == str(path)


def test_env_variable_overrides_file_value(tmp_path):
    path = write(tmp_path, "[billing]\nconnect_timeout_s = 30\n")
    settings = load_settings(path, {"IBOK_BILLING_CONNECT_TIMEOUT_S": "45"})
    assert settings.billing.connect_timeout_s == 45
    assert settings.source_of("billing.connect_timeout_s") == "IBOK_BILLING_CONNECT_TIMEOUT_S"


def test_file_is_found_through_ibok_config_when_no_path_is_given(tmp_path):
    path = write(tmp_path, '[portal]\ndefault_locale = "en"\n')
    assert load_settings(environ={"IBOK_CONFIG": str(path)}).portal.default_locale == "en"


def test_environment_strings_are_parsed_by_the_setting_type(tmp_path):
    settings = load_settings(environ={
        "IBOK_STORE_ECHO": "yes", "IBOK_LOG_LEVEL": "debug", "IBOK_LOG_FORMAT": "JSON",
        "IBOK_PATHS_DATA_DIR": str(tmp_path / "data"), "IBOK_BILLING_QUERY_TIMEOUT_S": "0",
    })
    assert (settings.store.echo, settings.log.level, settings.log.format) == (True, "DEBUG", "json")
    assert settings.store.url == f"sqlite:///{tmp_path}/data/ibok.sqlite3"
    assert settings.billing.query_timeout_s == 0
    assert load_settings(environ={"IBOK_STORE_ECHO": "off"}).store.echo is False


def test_empty_environment_variable_unsets_a_file_value(tmp_path):
    path = write(tmp_path, '[billing]\ndsn = "ibok_billing"\n')
    assert load_settings(path, {"IBOK_BILLING_DSN": ""}).billing.dsn is None


def test_unknown_ibok_environment_variables_are_ignored():
    assert load_settings(environ={"IBOK_NO_SUCH_THING": "1", "IBOK_": "", "IBOK_BILLING": "x"}).billing.dsn is None


def test_interface_dsn_defaults_to_billing_dsn():
    assert load_settings(environ={"IBOK_BILLING_DSN": "ibok_billing"}).billing.interface_dsn == "ibok_billing"


def test_bad_environment_value_is_one_sentence_naming_setting_and_variable():
    assert error_of(IBOK_BILLING_CONNECT_TIMEOUT_S="abc") == (
        "Setting billing.connect_timeout_s (from IBOK_BILLING_CONNECT_TIMEOUT_S) must be a whole number "
        "from 1 to 600, got 'abc'.")


@pytest.mark.parametrize(("line", "name"), [
    ("[billing]\nconnect_timeout_s = 0", "billing.connect_timeout_s"),
    ("[billing]\nconnect_timeout_s = true", "billing.connect_timeout_s"),
    ("[billing]\nquery_timeout_s = 86401", "billing.query_timeout_s"),
    ('[billing]\ntimezone = "Mars/Olympus"', "billing.timezone"),
    ("[billing]\ndsn = 42", "billing.dsn"),
    ('[store]\nurl = "not a url"', "store.url"),
    ('[store]\necho = "maybe"', "store.echo"),
    ('[portal]\ndefault_locale = "de"', "portal.default_locale"),
    ('[log]\nlevel = "TRACE"', "log.level"),
    ('[log]\nformat = "xml"', "log.format"),
])
def test_bad_file_value_is_one_sentence_naming_setting_and_file(tmp_path, line, name):
    path = write(tmp_path, line + "\n")
    message = error_of(path)
    assert message.startswith(f"Setting {name} (from {path}) must be ")
    assert message.endswith(".") and "\n" not in message


def test_too_short_secret_key_is_reported_without_its_value():
    message = error_of(IBOK_PORTAL_SECRET_KEY="hunter2")
    assert "portal.secret_key" in message and "32 characters" in message and "hunter2" not in message


def test_malformed_toml_is_one_sentence_naming_the_file(tmp_path):
    path = write(tmp_path, "[billing\ndsn = 1\n")
    assert re.fullmatch(rf"Config file {re.escape(str(path))} is not valid TOML: [^\n]+\.", error_of(path))


def test_missing_config_file_is_one_sentence(tmp_path):
    assert error_of(tmp_path / "nope.toml").startswith(f"Config file {tmp_path / 'nope.toml'} does not exist")


def test_unknown_key_in_file_is_an_error_suggesting_the_known_one(tmp_path):
    message = error_of(write(tmp_path, '[billing]\ndns = "x"\n'))
    assert "unknown setting billing.dns (did you mean billing.dsn?)" in message


def test_unknown_section_in_file_is_an_error_naming_it(tmp_path):
    assert "'biling' (did you mean billing?)" in error_of(write(tmp_path, '[biling]\ndsn = "x"\n'))
    assert "'dsn'" in error_of(write(tmp_path, 'dsn = "x"\n'))


def test_require_names_the_missing_setting_and_its_variable():
    with pytest.raises(SettingsError) as caught:
        load_settings(environ={"IBOK_PORTAL_SECRET_KEY": KEY}).require("portal.secret_key", "billing.dsn")
    assert str(caught.value) == ("Setting billing.dsn is missing: set it in the config file or in IBOK_BILLING_DSN "
                                 "(an ODBC connection string or DSN name).")


def test_connection_strings_carry_the_password_from_the_environment():
    settings = load_settings(environ={"IBOK_BILLING_DSN": "Driver=X;Server=s;UID=r;PWD=old",
                                      "IBOK_BILLING_PASSWORD": "a;b}",
                                      "IBOK_BILLING_INTERFACE_DSN": "ibok_iface",
                                      "IBOK_BILLING_INTERFACE_PASSWORD": "w"})
    assert settings.billing_connection_string() == "Driver=X;Server=s;UID=r;PWD={a;b}}}"
    assert settings.interface_connection_string() == "DSN=ibok_iface;PWD=w"
    same_account = load_settings(environ={"IBOK_BILLING_DSN": "ibok", "IBOK_BILLING_PASSWORD": "p"})
    assert same_account.interface_connection_string() == "DSN=ibok;PWD=p"
    assert load_settings(environ={"IBOK_BILLING_DSN": "ibok"}).billing_connection_string() == "DSN=ibok"
    with pytest.raises(SettingsError, match="billing.dsn is missing"):
        load_settings(environ={}).billing_connection_string()


def test_redacted_and_repr_show_no_secret():
    settings = load_settings(environ={
        "IBOK_BILLING_DSN": "Driver=X;UID=r;PWD=dsnpass;Server=s", "IBOK_BILLING_PASSWORD": "envpass",
        "IBOK_PORTAL_SECRET_KEY": KEY, "IBOK_STORE_URL": "postgresql://ibok:urlpass@db/ibok",
    })
    shown = settings.redacted()
    assert shown["billing"]["dsn"] == "Driver=X;UID=r;PWD=***;Server=s"
    assert shown["billing"]["password"] == shown["portal"]["secret_key"] == "***"
    assert shown["store"]["url"] == "postgresql://ibok:***@db/ibok"
    assert shown["billing"]["interface_password"] is None
    for secret in ("dsnpass", "envpass", KEY, "urlpass"):
        assert secret not in repr(settings) and secret not in repr(settings.billing) + repr(settings.portal)


def test_settings_are_read_only():
    settings = load_settings(environ={})
    with pytest.raises(FrozenInstanceError):
        settings.billing.dsn = "x"
    with pytest.raises(AttributeError):
        settings.billing = None


def test_secrets_have_no_defaults_in_code():
    assert [s.name for s in SETTINGS if s.secret and s.default is not None] == []


def test_example_file_loads_and_documents_the_defaults():
    environ = {"IBOK_BILLING_DSN": "ibok_billing", "IBOK_PORTAL_SECRET_KEY": KEY}
    example = load_settings(EXAMPLE, environ)
    example.require("billing.dsn", "portal.secret_key")
    assert example.redacted() == load_settings(None, environ).redacted()


def test_example_file_mentions_every_declared_setting():
    documented, section = set(), None
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if heading := re.fullmatch(r"\[(\w+)\]", line):
            section = heading.group(1)
        elif key := re.match(r"#? ?(\w+) = ", line):
            documented.add(f"{section}.{key.group(1)}")
    assert documented == {s.name for s in SETTINGS}
    assert all(s.env in EXAMPLE.read_text(encoding="utf-8") for s in SETTINGS)


def test_trusted_proxies_default_to_none_and_take_a_small_count():
    assert load_settings(environ={}).portal.trusted_proxies == 0
    settings = load_settings(environ={"IBOK_PORTAL_TRUSTED_PROXIES": "1"})
    assert settings.portal.trusted_proxies == 1
    assert settings.source_of("portal.trusted_proxies") == "IBOK_PORTAL_TRUSTED_PROXIES"
    message = error_of(IBOK_PORTAL_TRUSTED_PROXIES="yes")
    assert "portal.trusted_proxies" in message and "a whole number from 0 to 5" in message


def test_district_names_come_from_a_table_or_the_environment_and_refuse_a_bad_pair():
    assert load_settings(environ={}).portal.district_names == {}
    settings = load_settings(environ={"IBOK_PORTAL_DISTRICT_NAMES": "R01=Zgierz Północ; R14 = Śladków Mały"})
    assert settings.portal.district_names == {"R01": "Zgierz Północ", "R14": "Śladków Mały"}
    message = error_of(IBOK_PORTAL_DISTRICT_NAMES="R01 Zgierz")
    assert "portal.district_names" in message and "a table of district codes" in message
    assert "portal.district_names" in error_of(IBOK_PORTAL_DISTRICT_NAMES="TOO-LONG=Zgierz")
