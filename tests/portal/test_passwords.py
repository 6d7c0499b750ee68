"""The password policy as a pure function: every length the forms allow is judged without an error, and
leaked, common, Polish and keyboard-walk passwords are refused from the bundled list."""

from __future__ import annotations

import random

from portal.auth import known_passwords, passwords
from tests.portal.fuzz import inputs


def test_every_length_is_judged_without_an_error() -> None:
    for name, password in inputs():
        found = passwords.problem(password, ["anna@example.pl", "Anna Nowak"])
        size = len(passwords.normalize(password))
        if size < passwords.MIN_CHARS:
            assert found == "too_short", name
        elif size > passwords.MAX_CHARS:
            assert found == "too_long", name
        else:
            assert found in (None, "known", "too_common"), name


def test_a_weak_start_is_refused_and_a_strong_long_password_passes_whatever_its_length() -> None:
    assert passwords.problem("a" * 80) == "too_common"  # the old code raised ValueError past 72 characters
    assert passwords.problem("aaaa" * 64) == "too_common"
    strong = "wodomierz w piwnicy pod schodami, ", "licznik ciepła za szafą w kuchni! "
    for length in (72, 73, 100, 200, 256):
        assert passwords.problem(("".join(strong) * 8)[:length]) is None, length


LEAKED_OR_COMMON = [
    "haslo1234567", "Hasło1234567", "zaq12wsxcde3", "1qaz2wsx3edc", "!QAZ@WSX#EDC", "1qaz2wsx!!!!", "qwertyuiop12",
    "qwertyuiop[]", "poiuytrewq12", "asdfghjkl;'\\", "qazwsxedcrfv", "1q2w3e4r5t6y", "Kochamcie1234", "KochamCię2024!",
    "Agnieszka1987!", "kowalski2024!", "123456789012", "password1234", "iloveyou1234", "misiek123456",
]
STRONG = [
    "zielone jabłko na stole", "wodomierz w piwnicy pod schodami", "mój nowy dom nad rzeką",
    "Czajnik gwiżdże o 6:15 w sobotę", "xK9#mQ2vLp7!wR4t", "🚰💧 woda z kranu jest dobra 💧🚰",
]


def test_leaked_common_polish_and_keyboard_walk_passwords_are_refused() -> None:
    refused = {p: passwords.problem(p) for p in LEAKED_OR_COMMON}
    assert refused == dict.fromkeys(LEAKED_OR_COMMON, "known")


def test_the_list_holds_the_short_favourites_too() -> None:
    for password in ("1qaz2wsx", "qwertyuiop", "Kochamcie1", "zaq12wsx", "haslo", "polska", "qwertz", "asdfgh",
                     "147258369"):
        assert known_passwords.is_known(password), password


def test_a_strong_passphrase_passes() -> None:
    assert {p: passwords.problem(p) for p in STRONG} == dict.fromkeys(STRONG)


def test_a_random_passphrase_passes() -> None:
    rng = random.Random(2026)
    words = ["rzeka", "wodomierz", "kran", "słońce", "zając", "piwnica", "góra", "herbata", "ławka", "żuraw",
             "krowa", "ołówek", "tęcza", "dzwonek", "jezioro", "kasztan"]
    for _ in range(20):
        phrase = " ".join(rng.sample(words, 4))
        assert passwords.problem(phrase) is None, phrase


def test_the_list_holds_over_100000_sorted_distinct_normal_forms() -> None:
    listed = known_passwords.known()
    lines = listed.lines()
    assert len(listed) == len(lines) >= 100_000
    assert all(a < b for a, b in zip(lines, lines[1:], strict=False)), "sorted by bytes, each line once"
    sample = random.Random(7).sample(lines, 2000)
    assert all(known_passwords.normal(line.decode()) == line.decode() for line in sample)


def test_normal_forms_fold_case_and_polish_diacritics() -> None:
    assert known_passwords.normal("Hasło") == "haslo"
    assert known_passwords.normal("ŻÓŁĆ gęślą jaźń") == "zolc gesla jazn"
    assert known_passwords.forms("Hasło123!") >= {"haslo", "haslo123!"}
    assert known_passwords.forms("1QAZ@WSX") >= {"1qaz2wsx"}
    assert known_passwords.forms("kocham cię") >= {"kochamcie"}
    assert "" not in known_passwords.forms("123 456 !!!")


def test_bisection_finds_every_line_and_nothing_else() -> None:
    rng = random.Random(3)
    words = sorted({"".join(rng.choice("abcąż😀") for _ in range(rng.randint(1, 6))).encode() for _ in range(500)})
    lines = known_passwords.SortedLines(b"".join(w + b"\n" for w in words))
    present = {w.decode() for w in words}
    for word in present:
        assert word in lines
    probes = {"".join(rng.choice("abcąż😀") for _ in range(rng.randint(0, 7))) for _ in range(3000)}
    for probe in probes | {"", "\n", "a\nb", " ", "\U0010ffff"}:
        assert (probe in lines) == (probe in present), probe
    assert "a" not in known_passwords.SortedLines(b"")
