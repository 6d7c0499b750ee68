"""The submission rules as pure checks: each refusal's code, where it belongs, and what the customer
reads in Polish and in English (Polish dates and decimal commas, ISO dates and dots in English)."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from sync.submissions import messages, rules, service
from sync.submissions.messages import text
from sync.submissions.rules import (
    CheckedReading,
    MeterFacts,
    Problem,
    ReadingEntry,
    check_email,
    check_message,
    check_phone,
    check_readings,
    normalize_phone,
    parse_state,
    unusual,
    usual_daily,
)

TODAY = date(2026, 11, 22)
LAST_ON = date(2026, 10, 31)  # 22 days before TODAY


def said(problem: Problem) -> tuple[str, str]:
    """What the customer reads for ``problem``: (Polish, English)."""
    return text(problem.code, "pl", **problem.params), text(problem.code, "en", **problem.params)


def facts(serial: str, point: int = 10, *, meter_id: int = 1, held: bool = True, mounted: date = date(2024, 1, 15),
          dismounted: date | None = None, last: tuple[date, D] | None = (LAST_ON, D("1234.500")),
          per_day: D = D("1.000")) -> MeterFacts:
    """A meter as the store describes it: by default one that uses a cubic metre a day for a year."""
    history: tuple[tuple[date, D], ...] = ()
    if last is not None:
        history = ((last[0] - timedelta(days=365), last[1] - per_day * 365), last)
    return MeterFacts(meter_id, serial, point, held, mounted, dismounted, last, history)


MAIN = facts("ITR220000001", meter_id=1)
SUB = facts("ZEN230000002", meter_id=2, last=(LAST_ON, D("50.000")), per_day=D("0.100"))
OTHER_POINT = facts("APT240000007", point=11, meter_id=3)
REMOVED = facts("ZEN200000004", meter_id=4, mounted=date(2020, 7, 12), dismounted=date(2025, 7, 4),
                last=(date(2025, 7, 4), D("2888.929")))
NEW = facts("PWN260000015", meter_id=5, mounted=date(2026, 11, 10), last=None)
NOT_HELD = facts("SEN210000012", point=12, meter_id=6, held=False)
METERS = {m.serial_number: m for m in (MAIN, SUB, OTHER_POINT, REMOVED, NEW, NOT_HELD)}


def check(*entries: ReadingEntry, meters: dict[str, MeterFacts] | None = None,
          ) -> tuple[list[CheckedReading], list[Problem], list[Problem]]:
    return check_readings(list(entries), METERS if meters is None else meters, TODAY)


def refused(*entries: ReadingEntry) -> Problem:
    """The one problem the form has; nothing to submit and nothing to confirm."""
    checked, problems, warnings = check(*entries)
    assert (checked, warnings) == ([], [])
    assert len(problems) == 1, problems
    return problems[0]


# ----- the value as typed ---------------------------------------------------------------------
@pytest.mark.parametrize("typed, value", [
    ("1234,5", D("1234.500")),  # the Polish decimal comma
    ("1234.567", D("1234.567")),
    ("1 234,56", D("1234.560")),  # thousands apart
    ("\u00a01\u00a0234,5 ", D("1234.500")),  # no-break spaces, as a browser's number formatting types them
    ("0", D("0.000")),
    ("007", D("7.000")),
    ("999999999,999", D("999999999.999")),  # the largest a DECIMAL(12,3) holds
])
def test_a_value_is_read_with_comma_or_dot_spaces_and_up_to_three_decimals(typed: str, value: D) -> None:
    assert parse_state(typed) == (value, None)
    assert parse_state(typed)[0].as_tuple().exponent == -3  # kept to the litre


@pytest.mark.parametrize("typed, code", [
    ("", "value_required"), ("   ", "value_required"),
    ("12,3456", "value_precision"), ("0.0001", "value_precision"),
    ("-5", "value_negative"), ("-1,5", "value_negative"),
    ("12a", "value_not_number"), ("abc", "value_not_number"), ("1,2,3", "value_not_number"),
    ("1.234,5", "value_not_number"), (",5", "value_not_number"), ("5,", "value_not_number"),
    ("+5", "value_not_number"), ("1e3", "value_not_number"), ("--5", "value_not_number"),
    ("1000000000", "value_too_large"), ("999999999,9999", "value_precision"),
])
def test_a_value_that_is_not_a_meter_state_is_named_for_what_is_wrong(typed: str, code: str) -> None:
    assert parse_state(typed) == (None, code)


@pytest.mark.parametrize("typed, code, polish, english", [
    ("", "value_required", "Podaj stan wodomierza ITR220000001.", "Enter the reading of meter ITR220000001."),
    ("12,3a", "value_not_number", "Stan wodomierza ITR220000001 musi być liczbą, np. 123,456.",
     "The reading of meter ITR220000001 must be a number, e.g. 123.456."),
    ("-3", "value_negative", "Stan wodomierza ITR220000001 nie może być ujemny.",
     "The reading of meter ITR220000001 cannot be negative."),
    ("1300,5001", "value_precision",
     "Stan wodomierza ITR220000001 może mieć najwyżej trzy miejsca po przecinku (litry).",
     "The reading of meter ITR220000001 may have at most three decimal places (litres)."),
    ("12345678901", "value_too_large", "Stan wodomierza ITR220000001 jest za duży.",
     "The reading of meter ITR220000001 is too large."),
])
def test_a_bad_value_in_the_form_is_refused_with_the_meter_named(typed: str, code: str, polish: str,
                                                                 english: str) -> None:
    problem = refused(ReadingEntry("ITR220000001", typed))
    assert (problem.code, problem.field) == (code, "meters[0].value")
    assert said(problem) == (polish, english)


# ----- usual consumption and unusual values ---------------------------------------------------
def test_usual_consumption_is_the_average_a_day_over_the_history() -> None:
    assert usual_daily(()) is None
    assert usual_daily(((LAST_ON, D("5.000")),)) is None  # one reading says nothing
    assert usual_daily(((LAST_ON, D("5.000")), (LAST_ON, D("9.000")))) is None  # nor two of one day
    assert usual_daily(((date(2026, 1, 1), D("100.000")), (date(2026, 1, 5), D("101.000")),
                        (date(2026, 1, 11), D("110.000")))) == D("1")


def test_a_value_is_unusual_above_three_times_the_usual_consumption_or_at_zero_for_a_moving_meter() -> None:
    # MAIN: 1 m³ a day, last 1234.500 on 31.10; 22 days later three times the usual is 66 m³.
    assert unusual(MAIN, TODAY, D("1256.500")) is None
    assert unusual(MAIN, TODAY, D("1300.500")) is None  # exactly three times: still usual
    assert unusual(MAIN, TODAY, D("1300.501")) == "unusual_high"
    assert unusual(MAIN, TODAY, D("1234.500")) == "unusual_zero"
    assert unusual(MAIN, TODAY, D("1234.501")) is None  # little, but not nothing
    assert unusual(MAIN, LAST_ON, D("9999.000")) is None  # the day of the last reading: no period to judge
    still = facts("X", last=(LAST_ON, D("10.000")), per_day=D("0.050"))  # a meter that hardly moves
    assert unusual(still, TODAY, D("10.000")) is None
    assert unusual(NEW, TODAY, D("5.000")) is None  # no history: nothing is unusual
    one = MeterFacts(7, "Y", 10, True, date(2026, 1, 1), None, (LAST_ON, D("1.000")), ((LAST_ON, D("1.000")),))
    assert unusual(one, TODAY, D("500.000")) is None


def test_an_unusual_value_is_a_warning_until_confirmed_then_a_reading_marked_unusual() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1300,501"))
    assert (checked, problems) == ([], [])
    assert warnings == [Problem("unusual_high", "meters[0].value", {"meter": "ITR220000001", "value": D("1300.501")})]
    polish, english = said(warnings[0])
    assert polish.startswith("Zużycie wynikające ze stanu 1300,501 m³ wodomierza ITR220000001 jest ponad trzy razy"
                             " większe niż zwykle. Sprawdź odczyt.")
    assert "potwierdź go: wodociągi zlecą odczyt kontrolny." in polish
    assert english.startswith("The consumption implied by 1300.501 m³ on meter ITR220000001 is more than three times"
                              " the usual. Check the reading.")
    assert "confirm it: the utility will send a meter reader to check it." in english

    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1300,501", confirmed=True))
    assert (checked, problems, warnings) == ([CheckedReading(1, TODAY, D("1300.501"), True)], [], [])


def test_a_zero_consumption_on_a_meter_that_always_moves_is_a_warning() -> None:
    _, problems, warnings = check(ReadingEntry("ITR220000001", "1234,5"))
    assert problems == [] and [w.code for w in warnings] == ["unusual_zero"]
    polish, english = said(warnings[0])
    assert polish.startswith("Stan 1234,500 m³ wodomierza ITR220000001 oznacza zerowe zużycie, a ten wodomierz zawsze"
                             " się obracał.")
    assert english.startswith("1234.500 m³ on meter ITR220000001 means no consumption at all, which this meter never"
                              " showed.")
    checked, _, _ = check(ReadingEntry("ITR220000001", "1234,5", confirmed=True))
    assert checked == [CheckedReading(1, TODAY, D("1234.500"), True)]


def test_a_confirmed_usual_value_is_not_marked_unusual() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250", confirmed=True))
    assert (checked, problems, warnings) == ([CheckedReading(1, TODAY, D("1250.000"), False)], [], [])


# ----- the meters of the form -----------------------------------------------------------------
def test_a_usual_reading_of_today_is_accepted() -> None:
    checked, problems, warnings = check(ReadingEntry(" ITR220000001 ", "1 250,25"))  # spaces around the serial
    assert (checked, problems, warnings) == ([CheckedReading(1, TODAY, D("1250.250"), False)], [], [])


def test_main_and_sub_meter_of_one_point_go_together() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250"),
                                        ReadingEntry("ZEN230000002", "51,5", date(2026, 11, 20)))
    assert (problems, warnings) == ([], [])
    assert checked == [CheckedReading(1, TODAY, D("1250.000"), False),
                       CheckedReading(2, date(2026, 11, 20), D("51.500"), False)]


def test_an_empty_form_is_refused() -> None:
    checked, problems, warnings = check()
    assert (checked, warnings) == ([], [])
    assert problems == [Problem("readings_required", "meters")]
    assert said(problems[0]) == ("Podaj odczyt co najmniej jednego wodomierza.",
                                 "Enter a reading for at least one meter.")


def test_an_unknown_meter_and_another_customers_meter_get_the_same_answer() -> None:
    unknown = refused(ReadingEntry("XYZ999999999", "1250"))
    not_held = refused(ReadingEntry("SEN210000012", "1250"))
    assert unknown == Problem("meter_not_yours", "meters[0].meter", {"meter": "XYZ999999999"})
    assert not_held == Problem("meter_not_yours", "meters[0].meter", {"meter": "SEN210000012"})
    assert said(unknown) == ("Wodomierz XYZ999999999 nie należy do Twojego konta.",
                             "Meter XYZ999999999 does not belong to your account.")
    assert [s.replace("SEN210000012", "XYZ999999999") for s in said(not_held)] == list(said(unknown))


def test_the_same_meter_twice_is_refused() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250"), ReadingEntry("ITR220000001 ", "1251"))
    assert (checked, warnings) == ([], [])
    assert problems == [Problem("meter_twice", "meters[1].meter", {"meter": "ITR220000001"})]
    assert said(problems[0]) == ("Wodomierz ITR220000001 występuje w formularzu dwa razy.",
                                 "Meter ITR220000001 appears twice in the form.")


def test_meters_of_different_service_points_are_refused_together() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250"), ReadingEntry("APT240000007", "1250"))
    assert (checked, warnings) == ([], [])
    assert problems == [Problem("meters_different_points", "meters")]
    assert said(problems[0]) == ("Razem można podać odczyty wodomierzy jednego punktu poboru.",
                                 "Readings submitted together must be for meters of one service point.")


def test_a_dismounted_meter_takes_no_reading_from_the_day_it_was_removed() -> None:
    problem = refused(ReadingEntry("ZEN200000004", "3000"))
    assert problem == Problem("meter_dismounted", "meters[0].meter",
                              {"meter": "ZEN200000004", "date": date(2025, 7, 4)})
    assert said(problem) == ("Wodomierz ZEN200000004 został zdemontowany 04.07.2025: nie można podać jego odczytu.",
                             "Meter ZEN200000004 was removed on 2025-07-04: it cannot take a reading.")
    today = {"M": facts("M", dismounted=TODAY)}
    tomorrow = {"M": facts("M", dismounted=TODAY + timedelta(days=1))}
    assert [p.code for p in check(ReadingEntry("M", "1250"), meters=today)[1]] == ["meter_dismounted"]
    assert check(ReadingEntry("M", "1250"), meters=tomorrow)[0] == [CheckedReading(1, TODAY, D("1250.000"), False)]


def test_a_reading_dated_in_the_future_is_refused() -> None:
    problem = refused(ReadingEntry("ITR220000001", "1250", date(2026, 11, 23)))
    assert problem == Problem("date_future", "meters[0].date", {"meter": "ITR220000001", "date": date(2026, 11, 23)})
    assert said(problem) == ("Data odczytu ITR220000001 nie może być datą przyszłą.",
                             "The date of the reading of ITR220000001 cannot be in the future.")


def test_a_reading_dated_before_the_meter_was_mounted_is_refused() -> None:
    problem = refused(ReadingEntry("PWN260000015", "5", date(2026, 11, 9)))
    assert problem == Problem("date_before_mounting", "meters[0].date",
                              {"meter": "PWN260000015", "date": date(2026, 11, 10)})
    assert said(problem) == (
        "Data odczytu PWN260000015 nie może być wcześniejsza niż montaż wodomierza (10.11.2026).",
        "The date of the reading of PWN260000015 cannot be before the meter was mounted (2026-11-10).")
    # A new meter without readings takes its first one from the day it was mounted.
    assert check(ReadingEntry("PWN260000015", "0,5", date(2026, 11, 10)))[0] == [
        CheckedReading(5, date(2026, 11, 10), D("0.500"), False)]


def test_a_reading_dated_before_the_last_one_is_refused() -> None:
    problem = refused(ReadingEntry("ITR220000001", "1250", date(2026, 10, 30)))
    assert problem == Problem("date_before_last", "meters[0].date", {"meter": "ITR220000001", "date": LAST_ON})
    assert said(problem) == (
        "Data odczytu ITR220000001 nie może być wcześniejsza niż ostatni odczyt z dnia 31.10.2026.",
        "The date of the reading of ITR220000001 cannot be before the last reading on 2026-10-31.")
    # The day of the last reading itself is allowed (a second reading that day).
    assert check(ReadingEntry("ITR220000001", "1235", LAST_ON))[1:] == ([], [])


def test_a_value_lower_than_the_last_reading_is_refused_with_the_last_reading_shown() -> None:
    problem = refused(ReadingEntry("ITR220000001", "1234,499"))
    assert problem == Problem("value_below_last", "meters[0].value",
                              {"meter": "ITR220000001", "last": D("1234.500"), "date": LAST_ON})
    assert said(problem) == (
        "Stan ITR220000001 nie może być niższy niż ostatni odczyt: 1234,500 m³ z dnia 31.10.2026.",
        "The reading of ITR220000001 cannot be lower than the last one: 1234.500 m³ on 2026-10-31.")


def test_every_problem_of_the_form_is_reported_and_nothing_is_submitted() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1000", date(2026, 12, 1)),
                                        ReadingEntry("ZEN230000002", "60000"),  # unusual: asked to confirm
                                        ReadingEntry("XYZ999999999", "1"))
    assert checked == []
    assert [(p.code, p.field) for p in problems] == [
        ("date_future", "meters[0].date"), ("value_below_last", "meters[0].value"),
        ("meter_not_yours", "meters[2].meter")]
    assert [(w.code, w.field) for w in warnings] == [("unusual_high", "meters[1].value")]


# ----- messages ---------------------------------------------------------------------------------
BODY = "Proszę o sprawdzenie rachunku za październik."


@pytest.mark.parametrize("category", ["REK", "WNI", "INF", "AWA"])
def test_a_message_of_each_category_with_polish_letters_is_accepted(category: str) -> None:
    assert check_message(category, "Zażółć gęślą jaźń", "Treść: „cudzysłów”, 15 € – myślnik.\r\n\tDruga linia.") == []


def test_a_message_needs_a_known_category() -> None:
    for category in ("", "rek", "XYZ", "REKL"):
        assert check_message(category, "Temat", BODY) == [Problem("category_unknown", "category")]
    assert said(Problem("category_unknown", "category")) == ("Wybierz rodzaj zgłoszenia.",
                                                             "Choose the kind of message.")


def test_a_message_needs_a_subject_of_3_to_120_characters() -> None:
    assert check_message("INF", "", BODY) == [Problem("subject_required", "subject")]
    assert said(Problem("subject_required", "subject")) == ("Podaj temat.", "Enter a subject.")
    assert check_message("INF", "abc", BODY) == check_message("INF", "a" * 120, BODY) == []
    short = check_message("INF", "ab", BODY)
    assert short == [Problem("subject_length", "subject", {"min": 3, "max": 120, "length": 2})]
    assert said(short[0]) == ("Temat musi mieć od 3 do 120 znaków (ma 2).",
                              "The subject must have 3 to 120 characters (it has 2).")
    long = check_message("INF", "ż" * 121, BODY)  # characters, not bytes
    assert [p.params["length"] for p in long] == [121]
    assert said(long[0])[0] == "Temat musi mieć od 3 do 120 znaków (ma 121)."


def test_a_message_needs_a_body_of_10_to_4000_characters() -> None:
    assert check_message("INF", "Temat", "") == [Problem("body_required", "body")]
    assert said(Problem("body_required", "body")) == ("Wpisz treść zgłoszenia.", "Enter the message.")
    assert check_message("INF", "Temat", "x" * 10) == check_message("INF", "Temat", "x" * 4000) == []
    short = check_message("INF", "Temat", "x" * 9)
    assert short == [Problem("body_length", "body", {"min": 10, "max": 4000, "length": 9})]
    assert said(short[0]) == ("Treść musi mieć od 10 do 4000 znaków (ma 9).",
                              "The message must have 10 to 4000 characters (it has 9).")
    long = check_message("INF", "Temat", "x" * 4001)
    assert said(long[0]) == ("Treść musi mieć od 10 do 4000 znaków (ma 4001).",
                             "The message must have 10 to 4000 characters (it has 4001).")


def test_characters_billing_cannot_keep_are_refused_and_named() -> None:
    problems = check_message("AWA", "Awaria 💧 w piwnicy 🙂", "Woda leci z rury 💧 od rana.")
    assert problems == [Problem("text_characters", "subject", {"characters": "💧 🙂"}),
                        Problem("text_characters", "body", {"characters": "💧"})]
    assert said(problems[0]) == (
        "System wodociągów nie przyjmie tych znaków: 💧 🙂. Usuń je lub zastąp innymi.",
        "The utility's system cannot take these characters: 💧 🙂. Remove or replace them.")
    cyrillic = check_message("INF", "Вода", BODY)  # not in the Polish Windows code page
    assert cyrillic == [Problem("text_characters", "subject", {"characters": "В а д о"})]


def test_control_characters_are_refused_but_line_breaks_and_tabs_are_not() -> None:
    for bad in ("\x00", "\x07", "\x1b", "\x7f", "\x0b", "\x0c"):
        assert check_message("INF", "Temat", f"Treść{bad}zgłoszenia") == [Problem("text_control", "body")], repr(bad)
    assert check_message("INF", "Temat\x08", BODY) == [Problem("text_control", "subject")]
    assert said(Problem("text_control", "body")) == ("Tekst zawiera niedozwolone znaki sterujące.",
                                                     "The text contains control characters.")
    assert check_message("INF", "Temat", "Linia pierwsza\r\nLinia\tdruga\n") == []


def test_every_problem_of_a_message_is_reported() -> None:
    assert [p.code for p in check_message("???", "ab", "🙂 za krótko?")] == [
        "category_unknown", "subject_length", "text_characters"]


# ----- data changes -----------------------------------------------------------------------------
def test_a_new_email_address_is_accepted() -> None:
    assert check_email("jan.kowalski@example.pl", None) == []
    assert check_email("Jan.Kowalski+woda@poczta.example.com.pl", "stary@example.pl") == []
    local = "a" * (80 - len("@example.pl"))
    assert check_email(f"{local}@example.pl", None) == []  # 80 characters


def test_an_email_address_is_required() -> None:
    assert check_email("", "jan@example.pl") == [Problem("email_required", "email")]
    assert said(Problem("email_required", "email")) == ("Podaj adres e-mail.", "Enter an e-mail address.")


@pytest.mark.parametrize("address", [
    "jan.kowalski", "jan@example", "jan@@example.pl", "jan kowalski@example.pl", "jan@example.pl.",
    "@example.pl", "jan@.pl", "łukasz@example.pl", "jan@żółw.pl", "a" * 70 + "@example.pl",
])
def test_an_invalid_email_address_is_refused(address: str) -> None:
    assert check_email(address, None) == [Problem("email_invalid", "email")]
    assert said(Problem("email_invalid", "email")) == (
        "To nie jest poprawny adres e-mail (np. jan.kowalski@example.pl, do 80 znaków).",
        "This is not a valid e-mail address (e.g. jan.kowalski@example.com, up to 80 characters).")


@pytest.mark.parametrize("address", ["jan\x00@example.pl", "jan\x07kowalski@example.pl", "jan@exa\x1bmple.pl"])
def test_an_email_address_with_control_characters_is_refused(address: str) -> None:
    assert check_email(address, None) == [Problem("email_invalid", "email")]


def test_the_current_email_address_is_not_a_change() -> None:
    problems = check_email("Jan.Kowalski@Example.PL", " jan.kowalski@example.pl ")
    assert problems == [Problem("email_unchanged", "email")]
    assert said(problems[0]) == ("To jest już Twój adres e-mail w wodociągach.", "This is already your e-mail address.")


def test_a_new_phone_number_is_accepted_in_the_usual_notations() -> None:
    for number in ("+48 600 100 200", "600-100-200", "(22) 123 45 67", "600100200", "+48600100200"):
        assert check_phone(number, None) == [], number
    assert normalize_phone("  +48  600\t100 200 ") == "+48 600 100 200"


def test_a_phone_number_is_required() -> None:
    assert check_phone("", "600 100 200") == [Problem("phone_required", "phone")]
    assert said(Problem("phone_required", "phone")) == ("Podaj numer telefonu.", "Enter a phone number.")


@pytest.mark.parametrize("number", [
    "60010020", "600 100 20", "600 100 20a", "tel. 600 100 200", "+48 600 100 200 300 400 5",
    "---------", "(((())))--", "600/100/200", "+48+600100200", "６００１００２００",
])
def test_an_invalid_phone_number_is_refused(number: str) -> None:
    assert check_phone(number, None) == [Problem("phone_invalid", "phone")]
    assert said(Problem("phone_invalid", "phone")) == (
        "To nie jest poprawny numer telefonu (co najmniej 9 cyfr, np. +48 600 100 200).",
        "This is not a valid phone number (at least 9 digits, e.g. +48 600 100 200).")


def test_the_current_phone_number_in_another_notation_is_not_a_change() -> None:
    problems = check_phone("770 404 763", "770-404-763")
    assert problems == [Problem("phone_unchanged", "phone")]
    assert said(problems[0]) == ("To jest już Twój numer telefonu w wodociągach.", "This is already your phone number.")
    assert check_phone("+48 770 404 763", "+48770404763") == [Problem("phone_unchanged", "phone")]


def test_the_current_phone_number_with_or_without_the_country_code_is_not_a_change() -> None:
    assert check_phone("770 404 763", "+48770404763") == [Problem("phone_unchanged", "phone")]
    assert check_phone("+48 770 404 763", "770-404-763") == [Problem("phone_unchanged", "phone")]


# ----- the catalog ------------------------------------------------------------------------------
def test_every_message_has_polish_and_english_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for code, (polish, english) in messages.CATALOG.items():
        assert polish and english and polish != english, code
        placeholders = [{f for _, f, _, _ in fields.parse(t) if f} for t in (polish, english)]
        assert placeholders[0] == placeholders[1], code


def test_every_problem_code_the_rules_can_give_has_a_message() -> None:
    source = "\n".join(Path(m.__file__).read_text(encoding="utf-8") for m in (rules, service))
    codes = set(re.findall(r'Problem\(f?"([a-z_{}]+)"', source)) | set(re.findall(r'return None, "([a-z_]+)"', source))
    codes |= set(re.findall(r'return "(unusual_[a-z]+)"', source))
    codes = {c.replace("{name}", n) for c in codes for n in ("subject", "body")}
    assert len(codes) > 25
    assert codes <= set(messages.CATALOG), codes - set(messages.CATALOG)


def test_dates_and_quantities_are_written_the_way_each_language_writes_them() -> None:
    params = {"meter": "M1", "last": D("1234.5"), "date": date(2026, 3, 7)}
    assert text("value_below_last", "pl", **params).endswith(": 1234,500 m³ z dnia 07.03.2026.")
    assert text("value_below_last", "en", **params).endswith(": 1234.500 m³ on 2026-03-07.")


@pytest.mark.parametrize("locale", ["de", "pl-PL"])
def test_a_language_we_do_not_have_reads_polish_written_the_polish_way(locale: str) -> None:
    params = {"meter": "M1", "last": D("1234.5"), "date": date(2026, 3, 7)}
    assert text("value_below_last", locale, **params) == text("value_below_last", "pl", **params)
