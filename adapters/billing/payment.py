"""How billing's invoices are paid: the seller's account number and the transfer's title (pure).

``ODDZIALY.NR_KONTA`` is a VARCHAR(32) typed in by hand: with or without the ``PL`` prefix, with
spaces, non-breaking spaces, dashes or dots anywhere. It is read here as a Polish IBAN ("PL" and
26 digits, the NRB) and believed only when its ISO 13616 check digits hold (mod 97 = 1): a typo in
one digit, or two digits swapped, fails the check, and no customer is shown a number that would
send money elsewhere.

Billing settles a customer's payments against the oldest invoice due first (SPEC, ``ROZRACHUNKI``),
so the customer number is what the title must carry; the invoice number tells the clerk what the
customer meant to pay.
"""

from __future__ import annotations

import re

# What people and programs put between the digits of an account number.
_SEPARATORS = re.compile(r"[\s\u00a0\u2007\u202f.\-]+")
_PL_IBAN = re.compile(r"PL[0-9]{26}")
_NRB = re.compile(r"[0-9]{26}")
TITLE_MAX = 32  # the title field of the Polish banks' 2D transfer code (sync/transfer.py)


def iban_checks(iban: str) -> bool:
    """ISO 13616: the country and check digits moved to the end, letters as 10..35, mod 97 is 1."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{1,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def account_iban(raw: str | None) -> str | None:
    """Billing's account number as a Polish IBAN ("PL" + 26 digits), or None when it is missing, is
    not 26 digits (with or without "PL") or fails its check digits."""
    if not raw:
        return None
    compact = _SEPARATORS.sub("", raw).upper()
    if _NRB.fullmatch(compact):
        compact = "PL" + compact
    if not _PL_IBAN.fullmatch(compact) or not iban_checks(compact):
        return None
    return compact


def account_groups(iban: str) -> tuple[str, ...]:
    """An IBAN in its printed groups of four: ("PL61", "1090", "1014", ...)."""
    return tuple(iban[i:i + 4] for i in range(0, len(iban), 4))


def grouped(iban: str, space: str = " ") -> str:
    """An IBAN as it is printed, "PL61 1090 1014 0000 0712 1981 2874" (``space`` between groups)."""
    return space.join(account_groups(iban))


def nrb(iban: str) -> str:
    """The 26 digits of a Polish IBAN, what a Polish bank's transfer form asks for."""
    return iban[2:]


def invoice_title(number: str, customer_number: str) -> str:
    """The title of a transfer paying one invoice: its number and the customer's, in at most
    ``TITLE_MAX`` characters (the fullest form that fits)."""
    number, customer_number = number.strip(), customer_number.strip()
    for title in (f"{number} nr klienta {customer_number}", f"{number} nr kl. {customer_number}",
                  f"{number} {customer_number}"):
        if len(title) <= TITLE_MAX:
            return title
    return number[:TITLE_MAX]


def customer_title(customer_number: str) -> str:
    """The title of a transfer paying what a customer owes on several invoices: billing settles it
    against the oldest due first."""
    return f"nr klienta {customer_number.strip()}"
