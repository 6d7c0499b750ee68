"""The submission rules as pure checks: each refusal's code, where it belongs, and what the customer
reads in Polish and in English (Polish dates and decimal commas, ISO dates and dots in English)."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from sync.submissions import messages, plausibility, rules, service
from sync.submissions.messages import text
from sync.submissions.plausibility import (
    MeterFacts,
    OwnReading,
    PastReading,
    Usual,
    approximate,
    household_daily,
    implication,
    unusual,
    usual_daily,
)
from sync.submissions.rules import (
    CheckedReading,
    Problem,
    ReadingEntry,
    check_email,
    check_message,
    check_phone,
    check_readings,
    implications,
    normalize_phone,
    parse_state,
)

TODAY = date(2026, 11, 22)
LAST_ON = date(2026, 10, 31)  # 22 days before TODAY
HOUSEHOLD = Usual(D("0.250"), "household")


def said(problem: Problem) -> tuple[str, str]:
    """What the customer reads for ``problem``: (Polish, English)."""
    return text(problem.code, "pl", **problem.params), text(problem.code, "en", **problem.params)


def facts(serial: str, point: int = 10, *, meter_id: int = 1, held: bool = True, mounted: date = date(2024, 1, 15),
          dismounted: date | None = None, last: tuple[date, D] | None = (LAST_ON, D("1234.500")),
          per_day: D = D("1.000"), source: str = "reader", own: OwnReading | None = None,
          extra: tuple[PastReading, ...] = (), price: D | None = None) -> MeterFacts:
    """A meter as the store describes it: by default one read by the utility's meter reader a year
    apart, using a cubic metre a day."""
    history: tuple[PastReading, ...] = ()
    if last is not None:
        history = (PastReading(last[0] - timedelta(days=365), last[1] - per_day * 365, "reader"),
                   PastReading(last[0], last[1], source))
    return MeterFacts(meter_id, serial, point, held, mounted, dismounted, history + extra, own, HOUSEHOLD, price)


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


def refused(*entries: ReadingEntry, meters: dict[str, MeterFacts] | None = None) -> Problem:
    """The one problem the form has; nothing to submit and nothing to confirm."""
    checked, problems, warnings = check(*entries, meters=meters)
    assert (checked, warnings) == ([], [])
    assert len(problems) == 1, problems
    return problems[0]


def warned(entry: ReadingEntry, meter: MeterFacts) -> list[str]:
    """The warning codes a line gets (nothing refused)."""
    checked, problems, warnings = check(entry, meters={meter.serial_number: meter})
    assert problems == [], problems
    return [w.code for w in warnings]


# ----- the value as typed ---------------------------------------------------------------------
@pytest.mark.parametrize("typed, value", [
    ("1234,5", D("1234.500")),  # the Polish decimal comma
    ("1234.567", D("1234.567")),
    ("1 234,56", D("1234.560")),  # thousands apart
    ("\u00a01\u00a0234,5 ", D("1234.500")),  # no-break spaces, as a browser's number formatting types them
    ("1\u202f234,5", D("1234.500")),  # a narrow no-break space, as CLDR groups Polish thousands
    ("0", D("0.000")),
    ("007", D("7.000")),
    ("99999999,999", D("99999999.999")),
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
    ("99,999,999.999", "value_not_number"), ("NaN", "value_not_number"), ("Infinity", "value_not_number"),
    ("1_000", "value_not_number"),
    ("1000000000", "value_too_large"), ("999999999,9999", "value_precision"),
])
def test_a_value_that_is_not_a_meter_state_is_named_for_what_is_wrong(typed: str, code: str) -> None:
    assert parse_state(typed) == (None, code)


@pytest.mark.parametrize("typed", [
    "٦٠١",  # Arabic-Indic digits: Python's \\d and Decimal() read 601
    "６０２",  # full-width digits: 602
    "۶۰۳",  # Extended Arabic-Indic (Persian)
    "६०४",  # Devanagari
    "12³", "²5", "1²3,5",  # superscripts
    "1½", "⅓",  # vulgar fractions
    "①②", "Ⅻ",  # circled and Roman numerals
    "12,٥", "1\u00a0２３４,5",  # one foreign digit among ASCII ones
    "𝟏𝟐𝟑",  # mathematical bold digits
])
def test_only_ascii_digits_count_as_digits(typed: str) -> None:
    assert parse_state(typed) == (None, "value_digits")
    problem = refused(ReadingEntry("ITR220000001", typed))
    assert problem == Problem("value_digits", "meters[0].value", {"meter": "ITR220000001"})
    polish, english = said(problem)
    assert polish.startswith("Stan wodomierza ITR220000001 wpisz cyframi 0–9")
    assert english.startswith("Type the reading of meter ITR220000001 with the digits 0–9")


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


# ----- usual consumption: the meter's actual readings first, estimates as weak evidence ------------
def r(on: date, state: str, source: str = "reader") -> PastReading:
    return PastReading(on, D(state), source)


@pytest.mark.parametrize("history, fallback, usual", [
    ((), None, None),
    ((), HOUSEHOLD, HOUSEHOLD),  # no history: the household
    ((r(LAST_ON, "5"),), HOUSEHOLD, HOUSEHOLD),  # one reading says nothing
    ((r(LAST_ON, "5"), r(LAST_ON, "9")), HOUSEHOLD, HOUSEHOLD),  # nor two of one day
    ((r(date(2026, 10, 1), "5"), r(date(2026, 10, 11), "15")), HOUSEHOLD, HOUSEHOLD),  # nor ten days
    ((r(date(2026, 1, 1), "100"), r(date(2026, 1, 31), "110"), r(date(2026, 3, 2), "160")), None,
     Usual(D("1"), "actual")),
    # Estimates between actual readings do not move the figure...
    ((r(date(2026, 1, 1), "100"), r(date(2026, 2, 1), "900", "estimate"), r(date(2026, 3, 2), "160", "customer")),
     None, Usual(D("1"), "actual")),
    # ...nor a trailing estimate far too high (billing's guess).
    ((r(date(2026, 1, 1), "100"), r(date(2026, 3, 2), "160", "remote"), r(date(2026, 4, 1), "900", "estimate")),
     None, Usual(D("1"), "actual")),
    # Only one actual reading: the estimates are all there is.
    ((r(date(2026, 1, 1), "100", "exchange"), r(date(2026, 3, 2), "220", "estimate")), HOUSEHOLD,
     Usual(D("2"), "estimates")),
    ((r(date(2026, 1, 1), "100", "estimate"), r(date(2026, 3, 2), "160", "estimate")), None,
     Usual(D("1"), "estimates")),
    # A meter that rolled over (or was reset) says nothing of its use.
    ((r(date(2025, 1, 1), "99990"), r(date(2026, 1, 1), "10")), HOUSEHOLD, HOUSEHOLD),
])
def test_usual_consumption_comes_from_actual_readings_then_estimates_then_the_household(
        history: tuple[PastReading, ...], fallback: Usual | None, usual: Usual | None) -> None:
    assert usual_daily(history, fallback) == usual


def test_a_tariffs_average_household_a_day_is_its_months_over_their_days() -> None:
    assert household_daily([]) is None
    assert household_daily([(date(2026, 2, 1), D("5.6"))]) == D("0.2")  # 28 days
    assert household_daily([(date(2026, 10, 1), D("6.2")), (date(2026, 9, 1), D("3"))]) == D("9.2") / 61
    assert household_daily([(date(2026, 12, 1), D("3.1"))]) == D("0.1")  # December: into the next year


# ----- unusual values ---------------------------------------------------------------------------
def test_a_value_is_unusual_above_three_times_the_usual_consumption_or_at_zero_for_a_moving_meter() -> None:
    # MAIN: 1 m³ a day, last 1234.500 on 31.10; 22 days later three times the usual is 66 m³.
    assert unusual(MAIN, TODAY, D("1256.500")) is None
    assert unusual(MAIN, TODAY, D("1300.500")) is None  # exactly three times: still usual
    assert unusual(MAIN, TODAY, D("1300.501")) == "unusual_high"
    assert unusual(MAIN, TODAY, D("1234.500")) == "unusual_zero"
    assert unusual(MAIN, TODAY, D("1234.501")) is None  # little, but not nothing
    still = facts("X", last=(LAST_ON, D("10.000")), per_day=D("0.050"))  # a meter that hardly moves
    assert unusual(still, TODAY, D("10.000")) is None
    assert unusual(NEW, TODAY, D("9.000")) is None  # 12 days from new at 0 m³: three times a household's 3 m³
    assert unusual(NEW, TODAY, D("9.001")) == "unusual_high_household"


@pytest.mark.parametrize("meter, on, value, code", [
    # The day of the last reading counts as one day: three times a day's use, no more.
    (MAIN, LAST_ON, "1237.500", None),
    (MAIN, LAST_ON, "1237.501", "unusual_high"),
    (MAIN, LAST_ON, "1234.500", None),  # nothing used on the day of the last reading: usual
    (facts("T", last=(TODAY, D("1234.500"))), TODAY, "99999999.999", "unusual_high"),
    # One reading only (a meter mounted 16 days ago at 0): the household's use, three times over.
    (MeterFacts(7, "N", 10, True, date(2026, 11, 6), None, (r(date(2026, 11, 6), "0", "exchange"),), None,
                HOUSEHOLD), TODAY, "500", "unusual_high_household"),
    (MeterFacts(7, "N", 10, True, date(2026, 11, 6), None, (r(date(2026, 11, 6), "0", "exchange"),), None,
                HOUSEHOLD), TODAY, "12", None),  # 0.25 × 16 × 3 = 12 m³: the most a household would
    (MeterFacts(7, "N", 10, True, date(2026, 11, 6), None, (r(date(2026, 11, 6), "0", "exchange"),), None,
                HOUSEHOLD), TODAY, "0", None),  # nothing used: no history says the meter always moves
    # No reading at all: from the mounting, at 0 m³.
    (NEW, TODAY, "3", None),
    (NEW, TODAY, "99999999.999", "unusual_high_household"),
    # A history of estimates only: weak, but better than nothing.
    (MeterFacts(8, "E", 10, True, date(2020, 1, 1), None,
                (r(date(2026, 1, 1), "100", "estimate"), r(date(2026, 3, 2), "160", "estimate")), None, HOUSEHOLD),
     TODAY, "9000", "unusual_high"),
])
def test_unusual_values_fire_without_history_and_on_the_day_of_the_last_reading(
        meter: MeterFacts, on: date, value: str, code: str | None) -> None:
    assert unusual(meter, on, D(value)) == code


def test_the_tenfold_typo_on_a_sub_meter_is_unusual() -> None:
    """A sub-meter at 65.761 m³ sent as 657.61: the consumption it implies is far beyond the usual."""
    garden = facts("ZEN230000002", meter_id=2, last=(date(2026, 11, 6), D("65.761")), per_day=D("0.100"))
    _, problems, warnings = check(ReadingEntry("ZEN230000002", "657,61"), meters={"ZEN230000002": garden})
    assert problems == [] and [w.code for w in warnings] == ["unusual_high"]
    assert warnings[0].params == {"meter": "ZEN230000002", "value": D("657.610"), "consumption": D("591.849"),
                                  "date": date(2026, 11, 6), "days": 16}
    polish, english = said(warnings[0])
    assert polish.startswith("Stan 657,610 m³ wodomierza ZEN230000002 oznacza zużycie 591,849 m³ w 16 dni od"
                             " 06.11.2026, ponad trzy razy więcej niż zwykle zużywa ten wodomierz.")
    assert english.startswith("657.610 m³ on meter ZEN230000002 means 591.849 m³ in 16 days since 2026-11-06,"
                              " more than three times what this meter usually uses.")


def test_the_jump_from_0_to_500_in_16_days_is_unusual() -> None:
    fresh = MeterFacts(9, "PWN260000099", 10, True, date(2026, 11, 6), None,
                       (r(date(2026, 11, 6), "0", "exchange"),), None, Usual(D("0.3"), "tariff"))
    _, problems, warnings = check(ReadingEntry("PWN260000099", "500"), meters={"PWN260000099": fresh})
    assert problems == [] and [w.code for w in warnings] == ["unusual_high_household"]
    assert said(warnings[0])[1].startswith("500.000 m³ on meter PWN260000099 means 500.000 m³ in 16 days since"
                                           " 2026-11-06, more than three times what an average household uses.")
    checked, _, _ = check(ReadingEntry("PWN260000099", "500", confirmed=True), meters={"PWN260000099": fresh})
    assert checked == [CheckedReading(9, TODAY, D("500.000"), True)]


def test_a_huge_value_on_a_meter_read_today_is_asked_about() -> None:
    read_today = facts("ITR220000001", last=(TODAY, D("1234.500")), source="estimate",
                       extra=())  # billing's invoicing run estimated it this morning
    assert warned(ReadingEntry("ITR220000001", "99999999,999"), read_today) == ["unusual_high"]
    read_today = facts("ITR220000001", last=(TODAY, D("1234.500")))
    assert warned(ReadingEntry("ITR220000001", "99 999 999,999"), read_today) == ["unusual_high"]


def test_an_unusual_value_is_a_warning_until_confirmed_then_a_reading_marked_unusual() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1300,501"))
    assert (checked, problems) == ([], [])
    assert warnings == [Problem("unusual_high", "meters[0].value", {
        "meter": "ITR220000001", "value": D("1300.501"), "consumption": D("66.001"), "date": LAST_ON, "days": 22})]
    polish, english = said(warnings[0])
    assert polish.startswith("Stan 1300,501 m³ wodomierza ITR220000001 oznacza zużycie 66,001 m³ w 22 dni od"
                             " 31.10.2026, ponad trzy razy więcej niż zwykle zużywa ten wodomierz. Sprawdź odczyt.")
    assert "potwierdź go: wodociągi zlecą odczyt kontrolny." in polish
    assert english.startswith("1300.501 m³ on meter ITR220000001 means 66.001 m³ in 22 days since 2026-10-31, more"
                              " than three times what this meter usually uses. Check the reading.")
    assert "confirm it: the utility will send a meter reader to check it." in english

    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1300,501", confirmed=True))
    assert (checked, problems, warnings) == ([CheckedReading(1, TODAY, D("1300.501"), True)], [], [])


def test_a_zero_consumption_on_a_meter_that_always_moves_is_a_warning() -> None:
    _, problems, warnings = check(ReadingEntry("ITR220000001", "1234,5"))
    assert problems == [] and [w.code for w in warnings] == ["unusual_zero"]
    polish, english = said(warnings[0])
    assert polish.startswith("Stan 1234,500 m³ wodomierza ITR220000001 oznacza zerowe zużycie od 31.10.2026, a ten"
                             " wodomierz zawsze się obracał.")
    assert english.startswith("1234.500 m³ on meter ITR220000001 means no consumption at all since 2026-10-31,"
                              " which this meter never showed.")
    checked, _, _ = check(ReadingEntry("ITR220000001", "1234,5", confirmed=True))
    assert checked == [CheckedReading(1, TODAY, D("1234.500"), True)]


def test_a_confirmed_usual_value_is_not_marked_unusual() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250", confirmed=True))
    assert (checked, problems, warnings) == ([CheckedReading(1, TODAY, D("1250.000"), False)], [], [])


# ----- what a value implies, shown before it is sent ------------------------------------------
@pytest.mark.parametrize("amount, said_as", [
    (D("0.4"), D("0")), (D("47.49"), D("47")), (D("99.5"), D("100")), (D("123.45"), D("120")),
    (D("999"), D("1000")), (D("7104.12"), D("7100")), (D("6049.99"), D("6000")),
])
def test_a_cost_is_said_roughly(amount: D, said_as: D) -> None:
    assert approximate(amount) == said_as


def test_a_value_implies_its_consumption_since_the_last_actual_reading_and_its_rough_cost() -> None:
    priced = facts("ITR220000001", price=D("12.0100"))
    found = implication(priced, TODAY, D("1826.500"))
    assert (found.since, found.consumption, found.days) == (priced.history[-1], D("592.000"), 22)
    assert found.cost == D("7100.00") and found.unusual == "unusual_high" and found.below_estimate is None
    assert implication(facts("ITR220000001"), TODAY, D("1250")).cost is None  # prices unknown: no cost said
    small = implication(priced, TODAY, D("1238.5"))
    assert (small.consumption, small.cost, small.unusual) == (D("4.000"), D("48.00"), None)


# ----- a real reading below billing's estimate ------------------------------------------------
ESTIMATED = facts("ITR220000001", extra=(PastReading(date(2026, 11, 20), D("1300.000"), "estimate"),))


def test_a_real_reading_below_an_estimate_is_accepted_and_marked() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250"), meters={"ITR220000001": ESTIMATED})
    assert (problems, warnings) == ([], [])
    assert checked == [CheckedReading(1, TODAY, D("1250.000"), False, True)]
    found = implication(ESTIMATED, TODAY, D("1250"))
    assert found.below_estimate == PastReading(date(2026, 11, 20), D("1300.000"), "estimate")
    assert (found.since.source, found.consumption) == ("reader", D("15.500"))  # since the last actual reading
    # At or above the estimate: nothing to correct.
    assert implication(ESTIMATED, TODAY, D("1300")).below_estimate is None


def test_a_reading_below_the_last_actual_reading_is_refused_even_with_an_estimate_after_it() -> None:
    problem = refused(ReadingEntry("ITR220000001", "1200"), meters={"ITR220000001": ESTIMATED})
    assert problem == Problem("value_below_last", "meters[0].value", {
        "meter": "ITR220000001", "last": D("1234.500"), "date": LAST_ON, "value": D("1200.000"), "source": "reader"})


def test_a_meter_with_estimates_only_takes_a_reading_below_them() -> None:
    guessed = MeterFacts(8, "E", 10, True, date(2020, 1, 1), None,
                         (r(date(2026, 1, 1), "100", "estimate"), r(date(2026, 3, 2), "160", "estimate")), None,
                         HOUSEHOLD)
    checked, problems, _ = check(ReadingEntry("E", "120"), meters={"E": guessed})
    assert problems == [] and checked[0].below_estimate
    found = implication(guessed, TODAY, D("120"))
    assert found.consumption is None and found.below_estimate == guessed.history[-1]


# ----- the customer's own reading: replace it while it waits, write to the office once it is sent --
def test_a_value_below_the_customers_own_waiting_reading_offers_to_replace_it() -> None:
    waiting = facts("ZEN230000002", last=(LAST_ON, D("65.761")), per_day=D("0.1"),
                    own=OwnReading("k-1", date(2026, 11, 21), D("657.610"), True))
    problem = refused(ReadingEntry("ZEN230000002", "65,9"), meters={"ZEN230000002": waiting})
    assert problem == Problem("value_below_own", "meters[0].value", {
        "meter": "ZEN230000002", "last": D("657.610"), "date": date(2026, 11, 21), "value": D("65.900"),
        "submission": "k-1"})
    polish, english = said(problem)
    assert "który czeka jeszcze na wysłanie" in polish and "Zastąp go" in polish
    assert english.startswith("65.900 m³ is lower than your reading of meter ZEN230000002 on 2026-11-21: 657.610 m³,"
                              " which is still waiting to be sent.")


def test_a_value_below_the_customers_own_sent_reading_says_it_cannot_be_changed_online() -> None:
    sent = facts("ZEN230000002", last=(LAST_ON, D("65.761")), per_day=D("0.1"),
                 own=OwnReading("k-1", date(2026, 11, 21), D("657.610"), False))
    problem = refused(ReadingEntry("ZEN230000002", "65,9"), meters={"ZEN230000002": sent})
    assert problem.code == "value_below_sent" and problem.params["submission"] == "k-1"
    polish, english = said(problem)
    assert "nie można go zmienić przez internet" in polish
    assert "can no longer be changed online. Write to the customer office" in english


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


def test_meters_of_different_service_points_go_together_each_line_on_its_own() -> None:
    checked, problems, warnings = check(ReadingEntry("ITR220000001", "1250"), ReadingEntry("APT240000007", "1251"))
    assert (problems, warnings) == ([], [])
    assert checked == [CheckedReading(1, TODAY, D("1250.000"), False), CheckedReading(3, TODAY, D("1251.000"), False)]
    # One line's trouble is that line's: the other is judged by its own meter only.
    _, problems, warnings = check(ReadingEntry("ITR220000001", "1000"), ReadingEntry("APT240000007", "9999"))
    assert [(p.code, p.field) for p in problems] == [("value_below_last", "meters[0].value")]
    assert [(w.code, w.field) for w in warnings] == [("unusual_high", "meters[1].value")]


def test_the_implications_of_each_well_formed_line_are_known_whatever_the_others() -> None:
    entries = [ReadingEntry("ITR220000001", "1250"), ReadingEntry("APT240000007", "abc"),
               ReadingEntry("ZEN230000002", "40"), ReadingEntry("SUB?", "5")]
    found = implications(entries, METERS, TODAY)
    assert list(found) == [0]  # the line below its last reading, the wrong number and the unknown meter: none
    assert found[0].consumption == D("15.500")


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


def test_a_reading_dated_before_the_last_one_is_refused_with_its_source() -> None:
    problem = refused(ReadingEntry("ITR220000001", "1250", date(2026, 10, 30)))
    assert problem == Problem("date_before_last", "meters[0].date",
                              {"meter": "ITR220000001", "date": LAST_ON, "source": "reader"})
    assert said(problem) == (
        "Data odczytu ITR220000001 nie może być wcześniejsza niż ostatni odczyt z dnia 31.10.2026 (odczyt"
        " inkasenta).",
        "The date of the reading of ITR220000001 cannot be before the last reading on 2026-10-31 (read by the"
        " utility's meter reader).")
    # The day of the last reading itself is allowed (a second reading that day).
    assert check(ReadingEntry("ITR220000001", "1235", LAST_ON))[1:] == ([], [])


@pytest.mark.parametrize("source, polish, english", [
    ("reader", "odczyt inkasenta", "read by the utility's meter reader"),
    ("customer", "odczyt podany przez odbiorcę", "a reading given by the customer"),
    ("remote", "odczyt radiowy", "a remote (radio) reading"),
    ("exchange", "odczyt przy wymianie wodomierza", "read when the meter was exchanged"),
])
def test_a_value_lower_than_the_last_actual_reading_is_refused_saying_what_it_was_and_what_to_do(
        source: str, polish: str, english: str) -> None:
    meter = facts("ITR220000001", source=source)
    problem = refused(ReadingEntry("ITR220000001", "1234,499"), meters={"ITR220000001": meter})
    assert problem == Problem("value_below_last", "meters[0].value", {
        "meter": "ITR220000001", "last": D("1234.500"), "date": LAST_ON, "value": D("1234.499"), "source": source})
    assert said(problem) == (
        f"Stan 1234,499 m³ jest niższy niż ostatni odczyt wodomierza ITR220000001: 1234,500 m³ z dnia 31.10.2026"
        f" ({polish}). Wodociągi nie przyjmą niższego stanu. Sprawdź, czy przepisujesz czarne cyfry właściwego"
        " wodomierza. Jeśli wodomierz naprawdę pokazuje mniej, napisz do biura obsługi klienta.",
        f"1234.499 m³ is lower than the last reading of meter ITR220000001: 1234.500 m³ on 2026-10-31 ({english})."
        " The utility does not accept a lower reading. Check that you copy the black digits of the right meter. If"
        " the meter really shows less, write to the customer office.")


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
    source = "\n".join(Path(m.__file__).read_text(encoding="utf-8") for m in (rules, service, plausibility))
    codes = set(re.findall(r'Problem\(f?"([a-z_{}]+)"', source)) | set(re.findall(r'return None, "([a-z_]+)"', source))
    codes |= set(re.findall(r'"(unusual_[a-z_]+)"', source))
    codes |= set(re.findall(r'"(value_below_[a-z]+)"', source))
    codes = {c.replace("{name}", n) for c in codes for n in ("subject", "body")}
    assert len(codes) > 25
    assert codes <= set(messages.CATALOG), codes - set(messages.CATALOG)


def test_dates_and_quantities_are_written_the_way_each_language_writes_them() -> None:
    params = {"meter": "M1", "last": D("1234.5"), "date": date(2026, 3, 7)}
    assert text("date_before_last", "pl", source="estimate", **params).endswith(
        " z dnia 07.03.2026 (szacunek wodociągów).")
    assert text("date_before_last", "en", source="estimate", **params).endswith(
        " on 2026-03-07 (the utility's estimate).")
    assert "z dnia 07.03.2026: 1234,500 m³" in text("value_below_own", "pl", value=D(1), **params)
    assert "on 2026-03-07: 1234.500 m³" in text("value_below_own", "en", value=D(1), **params)


@pytest.mark.parametrize("locale", ["de", "pl-PL"])
def test_a_language_we_do_not_have_reads_polish_written_the_polish_way(locale: str) -> None:
    params = {"meter": "M1", "last": D("1234.5"), "date": date(2026, 3, 7), "value": D(1), "source": "reader"}
    assert text("value_below_last", locale, **params) == text("value_below_last", "pl", **params)
