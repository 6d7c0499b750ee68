"""Which outages concern a customer's service point, and what a district is called (sync.outages, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.outages import (
    Outage,
    Place,
    RegionName,
    fold,
    names_street,
    names_town,
    region_names,
    region_towns,
    sections,
    street_key,
    street_segments,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
HOME = Place(1, "Łąkowa", "5", "Zgierz", "R01")
COUNTS = [("R01", "Zgierz", "Łąkowa", 9), ("R01", "Zgierz", "Polna", 3), ("R02", "Zgierz", "Leśna", 7),
          ("R02", "Zgierz", "Łąkowa", 2), ("R03", "Stryków", "Polna", 4), ("R14", "Śladków Mały", "Polna", 1),
          ("R14", "Stryków", "Polna", 3)]
TOWNS = region_towns(COUNTS)


def outage(number: int, district: str, text: str, starts: timedelta = timedelta(hours=-1),
           ends: timedelta | None = timedelta(hours=5)) -> Outage:
    return Outage(number, district, NOW + starts, None if ends is None else NOW + ends, text)


def street_named(text: str, street: str) -> bool:
    return names_street(street_segments(text), street)


# ----- reading the dispatcher's text --------------------------------------------------------------------
def test_folding_ignores_case_polish_letters_and_spacing() -> None:
    assert fold("  ŻÓŁTA   Łąka ") == "zolta laka"
    assert street_key("ul. Łąkowa") == street_key("UL.LĄKOWA") == street_key("Lakowa") == "lakowa"
    assert street_key("Ks. Skorupki") == "ks skorupki"
    assert street_key("Plac") == "plac"  # a street called only "Plac" keeps its name


@pytest.mark.parametrize("text", [
    "Awaria sieci wodociągowej przy ul. Łąkowa. Możliwe przerwy w dostawie wody.",
    "Awaria przy ul. Łąkowej 5–12.",  # the genitive of a feminine street name
    "AWARIA PRZY UL. ŁĄKOWEJ",
    "awaria przy ul.lakowej",  # no space, no Polish letters
    "Płukanie sieci w rejonie ulicy Łąkowej i Polnej.",
    "Prace na ulicach: Polna, Łąkowa oraz Leśna.",  # a list after a prefix
    "Przerwa: al. Róż 3, Łąkowa 7, os. Słoneczne.",
    "Wymiana zasuwy (ul. Łąkowa / Polna).",
])
def test_a_street_is_found_whatever_its_prefix_case_letters_or_place_in_a_list(text: str) -> None:
    assert street_named(text, "Łąkowa"), text


@pytest.mark.parametrize("text", [
    "Awaria na ul. Polnej, możliwe przerwy.",  # another street
    "Łąkowa łąka zalana: awaria w rejonie stacji.",  # the word without a prefix before it
    "Awaria przy ul. Nadłąkowej.",  # the name inside a longer word
    "Awaria przy ul. Polnej. Łąkowa bez zmian.",  # after the clause of the prefix ended
])
def test_a_street_is_not_found_where_the_text_does_not_name_it(text: str) -> None:
    assert not street_named(text, "Łąkowa"), text


def test_streets_of_several_words_and_titles_are_found() -> None:
    text = "Awaria przy al. Jana Pawła II oraz ul. Ks. Skorupki 4; ul. Żwirki i Wigury bez wody."
    assert street_named(text, "Jana Pawła II")
    assert street_named(text, "ks. Skorupki")
    assert street_named(text, "Żwirki i Wigury")
    assert street_named(text, "Aleja Jana Pawła II")  # the prefix in billing's street name does not matter
    assert not street_named(text, "Pawła")


def test_a_town_is_found_with_a_case_ending_but_not_inside_another_word() -> None:
    assert names_town("Awaria sieci w Zgierzu, ul. Polna.", "Zgierz")
    assert names_town("Awaria w Strykowie.", "Stryków")
    assert names_town("Prace w ŁODZI przy ul. Polnej", "Łódź")
    assert names_town("Awaria w Aleksandrowie Łódzkim", "Aleksandrów Łódzki")
    assert not names_town("Awaria przy ul. Zgierskiej.", "Zgierz")
    assert not names_town("Awaria przy ul. Ozorkowskiej.", "Ozorków")
    assert not names_town("Awaria w Głownie.", "Głowno")  # a stem change: declension is out of scope


# ----- naming districts ------------------------------------------------------------------------------
def test_a_district_is_named_after_its_most_common_town_and_street_where_the_town_has_several() -> None:
    names = region_names(COUNTS)
    assert names["R01"] == RegionName("Zgierz", "Łąkowa")
    assert names["R02"] == RegionName("Zgierz", "Leśna")
    # More of R14's points are in Stryków than in Śladków Mały; R03, the larger, names Stryków's Polna first.
    assert names["R03"] == RegionName("Stryków", "Polna")
    assert names["R14"] == RegionName("Stryków", None)


def test_a_setting_names_a_district_over_billings_data() -> None:
    names = region_names(COUNTS, {"R01": "Zgierz Północ", "R99": "Nowe Osiedle"})
    assert names["R01"] == RegionName("Zgierz Północ") and names["R99"] == RegionName("Nowe Osiedle")


def test_ties_are_broken_alphabetically_so_the_name_does_not_change_between_reads() -> None:
    assert region_names([("R05", "Łódź", "B", 1), ("R05", "Babice", "A", 1)])["R05"].town == "Babice"


def test_district_codes_padded_by_billing_are_the_same_district() -> None:
    names = region_names([("R7  ", "Ozorków", "Polna", 2)])
    assert names["R7"] == RegionName("Ozorków")
    assert region_towns([("R7  ", "Ozorków", "Polna", 2)]) == {"R7": frozenset({"ozorkow"})}


# ----- sections -------------------------------------------------------------------------------------------
def test_an_outage_on_the_customers_street_filed_under_another_district_is_theirs() -> None:
    found = sections([outage(1, "R02", "Awaria przy ul. Łąkowej.")], [HOME], TOWNS, NOW)
    assert [n.outage.id for n in found.yours] == [1] and found.yours[0].places == (HOME,)
    assert not found.nearby and not found.elsewhere


def test_the_same_street_in_another_town_is_not_theirs() -> None:
    named_elsewhere = outage(1, "R01", "Awaria przy ul. Łąkowej w Strykowie.")
    other_town_district = outage(2, "R03", "Awaria przy ul. Łąkowej.")  # R03 serves Stryków only
    found = sections([named_elsewhere, other_town_district], [HOME], TOWNS, NOW)
    assert not found.yours
    assert [n.outage.id for n in found.nearby] == [1]  # in the customer's district all the same
    assert [n.outage.id for n in found.elsewhere] == [2]


def test_an_outage_naming_the_customers_town_and_street_is_theirs_in_any_district() -> None:
    found = sections([outage(1, "R14", "Awaria w Zgierzu, ul. Łąkowa 3.")], [HOME], TOWNS, NOW)
    assert [n.outage.id for n in found.yours] == [1]


def test_outages_in_the_district_or_naming_the_town_are_nearby_the_rest_elsewhere() -> None:
    rows = [outage(1, "R01", "Awaria przy ul. Polnej."), outage(2, "R03", "Płukanie sieci w Zgierzu."),
            outage(3, "R03", "Awaria przy ul. Polnej.")]
    found = sections(rows, [HOME], TOWNS, NOW)
    assert [n.outage.id for n in found.nearby] == [1, 2] and [n.outage.id for n in found.elsewhere] == [3]


def test_ongoing_outages_come_first_then_planned_ones_and_finished_ones_apart() -> None:
    rows = [outage(1, "R01", "Planowane prace.", starts=timedelta(days=2), ends=timedelta(days=2, hours=4)),
            outage(2, "R01", "Awaria.", starts=timedelta(hours=-5), ends=None),
            outage(3, "R01", "Awaria.", starts=timedelta(hours=-1)),
            outage(4, "R01", "Planowane prace.", starts=timedelta(days=1), ends=timedelta(days=1, hours=4)),
            outage(5, "R01", "Awaria.", starts=timedelta(days=-3), ends=timedelta(days=-2)),
            outage(6, "R01", "Awaria.", starts=timedelta(days=-2), ends=timedelta(hours=-2)),
            outage(7, "R01", "Awaria.", starts=timedelta(days=-9), ends=timedelta(days=-8))]
    found = sections(rows, [HOME], TOWNS, NOW)
    assert [(n.outage.id, n.ongoing) for n in found.nearby] == [(3, True), (2, True), (4, False), (1, False)]
    assert [n.outage.id for n in found.finished] == [6, 5]  # the latest ended first; 7 ended too long ago
    assert all(n.ended and not n.ongoing for n in found.finished)


def test_a_customer_without_points_sees_every_current_outage_elsewhere() -> None:
    found = sections([outage(1, "R01", "Awaria przy ul. Łąkowej.")], [], TOWNS, NOW)
    assert [n.outage.id for n in found.elsewhere] == [1] and not found.yours and not found.nearby
