"""The seller's account number, the transfer's title and the Polish banks' 2D transfer code (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.billing import payment
from sync import transfer
from sync.transfer import Transfer

IBAN = "PL61109010140000071219812874"
SELLER = {"name": "Przedsiębiorstwo Wodociągów i Kanalizacji „Źródło” Sp. z o.o.", "tax_id": "7320001122",
          "address": "ul. Łąkowa 11, 95-100 Zgierz", "bank_account": IBAN}


# ----- the account number -------------------------------------------------------------------------
@pytest.mark.parametrize("stored", [
    "PL61109010140000071219812874", "61109010140000071219812874", "PL61 1090 1014 0000 0712 1981 2874",
    "61 1090 1014 0000 0712 1981 2874", "pl61-1090-1014-0000-0712-1981-2874", " PL 61 10901014 0000071219812874 ",
    "61\u00a01090\u00a01014\u00a00000\u00a00712\u00a01981\u00a02874", "61.1090.1014.0000.0712.1981.2874",
    "\tPL61\u202f1090 1014\u20070000 0712 1981 2874\n",
])
def test_billing_s_account_number_is_read_however_it_was_typed(stored: str) -> None:
    assert payment.account_iban(stored) == IBAN


@pytest.mark.parametrize("stored", [
    None, "", "   ", "PL61109010140000071219812875",  # the last digit wrong
    "PL61109010140000071219818274",  # two digits swapped
    "PL16109010140000071219812874",  # the check digits swapped
    "PL6110901014000007121981287",  # 25 digits
    "PL611090101400000712198128744",  # 27 digits
    "DE89370400440532013000",  # a valid German IBAN: not a Polish account
    "GB82WEST12345698765432", "PL61 1090 1014 0000 0712 1981 287X",
    "٦١١٠٩٠١٠١٤٠٠٠٠٠٧١٢١٩٨١٢٨٧٤",  # Arabic-Indic digits: only ASCII digits are digits
    "６１１０９０１０１４００００００７１２１９８１２８７４",  # full-width digits
    "PL61|109010140000071219812874",
])
def test_a_number_that_is_not_a_valid_polish_iban_is_not_believed(stored: str | None) -> None:
    assert payment.account_iban(stored) is None


def test_every_seller_of_the_stand_in_has_a_valid_account_however_typed() -> None:
    from adapters.standin.names import SELLERS

    assert all(payment.account_iban(s[4]) and len(s[4]) <= 32 for s in SELLERS)  # NR_KONTA is a VARCHAR(32)
    assert {payment.account_iban(s[4]) != s[4] for s in SELLERS} == {True, False}  # some typed oddly


def test_the_account_is_printed_in_groups_of_four() -> None:
    assert payment.account_groups(IBAN) == ("PL61", "1090", "1014", "0000", "0712", "1981", "2874")
    assert payment.grouped(IBAN) == "PL61 1090 1014 0000 0712 1981 2874"
    assert payment.grouped(IBAN, "\u00a0").count("\u00a0") == 6
    assert payment.nrb(IBAN) == "61109010140000071219812874"


def test_the_iban_check_is_iso_13616_for_other_countries_too() -> None:
    assert payment.iban_checks("DE89370400440532013000") and payment.iban_checks("GB82WEST12345698765432")
    assert not payment.iban_checks("GB82WEST12345698765433") and not payment.iban_checks("PL61")


# ----- the title ----------------------------------------------------------------------------------
def test_the_title_names_the_invoice_and_the_customer_within_32_characters() -> None:
    assert payment.invoice_title("FV/2026/11/004512", "012345") == "FV/2026/11/004512 nr kl. 012345"
    assert payment.invoice_title("F/1", "012345") == "F/1 nr klienta 012345"
    assert payment.invoice_title("FK/2026/11/0004512/ZGIERZ", "012345") == "FK/2026/11/0004512/ZGIERZ 012345"
    assert payment.invoice_title("FK/2026/11/00004512/ZGIERZ", "012345") == "FK/2026/11/00004512/ZGIERZ"
    longest = "X" * 30  # NR_FAKTURY is a VARCHAR(30)
    assert payment.invoice_title(longest, "012345") == longest
    for number in ("FV/2026/11/004512", "F", "A" * 20, "B" * 26, longest):
        assert len(payment.invoice_title(number, "012345")) <= 32
    assert payment.customer_title("012345") == "nr klienta 012345"


# ----- the 2D code --------------------------------------------------------------------------------
def _transfer(amount: str, **seller: str) -> Transfer:
    return transfer.for_invoice({**SELLER, **seller, "number": "FV/2026/11/004512", "due_on": date(2026, 11, 20)},
                                "012345", Decimal(amount))


def test_the_code_holds_the_nine_fields_of_the_recommendation() -> None:
    code = _transfer("3807.83").code
    assert code == ("7320001122|PL|61109010140000071219812874|380783|Przedsiebiorstwo Wod|"
                    "FV/2026/11/004512 nr kl. 012345|||")
    fields = code.split("|")
    assert len(fields) == 9 and fields[6:] == ["", "", ""]


@pytest.mark.parametrize(("amount", "written"), [
    ("0.01", "000001"), ("1", "000100"), ("12.3", "001230"), ("843.59", "084359"), ("9999.99", "999999"),
    ("100.005", "010001"),  # half a grosz rounds up (an amount of billing's has two places anyway)
])
def test_the_amount_is_six_digits_of_grosze(amount: str, written: str) -> None:
    assert _transfer(amount).code.split("|")[3] == written


def test_an_amount_over_9999_99_cannot_be_written_and_makes_no_code() -> None:
    t = _transfer("10000.00")
    assert t.code is None and t.code_problem == transfer.TOO_LARGE
    assert _transfer("19511.85").code is None
    assert t.account == IBAN  # the data to type in is still there


def test_an_invalid_account_makes_no_code_and_no_account() -> None:
    t = _transfer("100.00", bank_account="PL61109010140000071219812875")
    assert t.account is None and t.code is None and t.code_problem == transfer.NO_ACCOUNT
    assert t.raw_account == "PL61109010140000071219812875"
    assert t.mail_params()["account"] is None


def test_names_and_titles_are_plain_ascii_cut_at_their_limits_whole_letters_only() -> None:
    assert transfer.ascii_text("Żółć gęślą jaźń ŁĄKA", 40) == "Zolc gesla jazn LAKA"
    assert transfer.ascii_text("Przedsiębiorstwo Wodociągów", 20) == "Przedsiebiorstwo Wod"
    assert transfer.ascii_text("„Źródło” | Sp. z o.o.", 40) == "Zrodlo Sp. z o.o."
    assert transfer.ascii_text("Müller & Søn – Straße", 40) == "Muller Son Strasse"
    assert transfer.ascii_text("a\u0301b", 2) == "ab"  # a combining mark is dropped, never cut in half
    assert transfer.ascii_text("ę" * 40, 20) == "e" * 20
    assert transfer.ascii_text("Ab  cd    ef", 6) == "Ab cd"  # spaces collapse; no trailing space
    code = _transfer("1.00", name="Ąę" * 30).code
    name = code.split("|")[4]
    assert name == "Ae" * 10 and len(name) == 20 and code.isascii()


def test_the_separator_never_appears_inside_a_field() -> None:
    code = transfer.for_invoice({**SELLER, "name": "A|B|C", "number": "FV|1", "due_on": None}, "01|2",
                                Decimal("5.00")).code
    assert code.count("|") == 8


def test_the_tax_id_is_ten_digits_or_empty() -> None:
    assert _transfer("1.00", tax_id="732-000-11-22").code.split("|")[0] == "7320001122"
    assert _transfer("1.00", tax_id="PL7320001122").code.split("|")[0] == ""
    assert _transfer("1.00", tax_id="").code.split("|")[0] == ""
    assert transfer.for_invoice({**SELLER, "tax_id": None, "number": "F/1"}, "1", Decimal(1)).code.startswith("|PL|")


def test_the_mail_parameters_are_json_safe() -> None:
    import json

    params = _transfer("3807.83").mail_params()
    assert json.loads(json.dumps(params)) == {
        "recipient": SELLER["name"], "address": SELLER["address"], "account": list(payment.account_groups(IBAN)),
        "title": "FV/2026/11/004512 nr kl. 012345", "amount": "3807.83", "due_on": "2026-11-20"}
