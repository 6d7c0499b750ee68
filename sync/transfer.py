"""The data of a bank transfer paying the utility, and its 2D code for Polish banking apps (pure).

The invoice page, the dashboard and the e-mails about invoices all show one ``Transfer``: the
recipient (the seller), its account number (``adapters.billing.payment``: None when billing's number
fails its check digits, and then no transfer data is shown), the title and the amount.

The 2D code follows the Polish Bank Association's recommendation, "Rekomendacja Związku Banków
Polskich dotycząca kodu dwuwymiarowego („2D”), umożliwiającego realizację polecenia przelewu oraz
aktywację usług bankowych na rynku polskim" (ZBP, 3 December 2013; "Standard 2D"), the format
Polish banking apps scan: a QR code holding nine fields separated by ``|``::

    NIP|PL|account|amount|name|title|reserve 1|reserve 2|reserve 3
    7320001122|PL|61109010140000071219812874|380783|Przedsiebiorstwo Wod|FV/2026/11/004512 nr kl. 012345|||

* the recipient's NIP, 10 digits, or empty (the recommendation makes it optional for a person and
  expected for a company: we give the seller's whenever billing has a valid one);
* the country code of the account, "PL";
* the account number, the 26 digits of the NRB (no "PL", no spaces);
* the amount in grosze, 6 digits padded with zeros: at most 999999, 9,999.99 zł. A larger amount
  cannot be written in the field (some generators write more digits; a banking app that reads the
  recommendation's six would take a wrong amount), so above it no code is made and the page says why;
* the recipient's name, at most 20 characters;
* the title, at most 32 characters;
* three reserve fields (a direct-debit id of up to 20, an Invoobill id of up to 12, 24 more), empty.

Characters: the generators in use disagree on the encoding of Polish letters (UTF-8, ISO 8859-2), and a
banking app may read the bytes in either, so the name and the title are written in plain ASCII: Polish
letters transliterated (ą→a, ł→l, Ź→Z), anything but letters, digits, space and ``. , - /`` turned into a
space; a field is cut at its limit after that, so no letter is ever split. ``|`` never appears in a field.
The code is made at error-correction level M (the library raises it when that costs no size).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from adapters.billing import payment

NAME_MAX = 20
TITLE_MAX = payment.TITLE_MAX
AMOUNT_MAX = Decimal("9999.99")  # 999999 grosze: the six digits of the amount field
_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae",
                          "Æ": "AE", "œ": "oe", "Œ": "OE"})
_UNSAFE = re.compile(r"[^A-Za-z0-9 .,\-/]+")
_TAX_ID = re.compile(r"[0-9]{10}")

# Why a transfer has no 2D code (the page tells the customer which).
NO_ACCOUNT = "account"  # billing's account number fails its check: no transfer data at all
TOO_LARGE = "too_large"  # more than the code's six digits of grosze can hold


def ascii_text(text: str, limit: int) -> str:
    """``text`` in the code's characters: Polish (and other Latin) letters without their marks, other
    characters as spaces, runs of spaces as one, at most ``limit`` characters."""
    plain = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = " ".join(_UNSAFE.sub(" ", plain).split())
    return plain[:limit].rstrip()


def grosze(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Transfer:
    """A transfer to the seller: what the customer types (or copies, or scans) into the bank."""

    recipient: str  # the seller's name
    address: str  # the seller's address
    tax_id: str | None  # the seller's NIP as billing has it
    account: str | None  # the seller's IBAN ("PL" + 26 digits); None: billing's number fails its check
    raw_account: str  # the account number as billing stores it (for the office's log)
    title: str
    amount: Decimal
    due_on: date | None = None
    code_limit: ClassVar[Decimal] = AMOUNT_MAX  # the largest amount the code can carry

    @property
    def code_problem(self) -> str | None:
        """Why no 2D code can be made (``NO_ACCOUNT``, ``TOO_LARGE``), None when it can."""
        if self.account is None:
            return NO_ACCOUNT
        if self.amount > AMOUNT_MAX:
            return TOO_LARGE
        return None

    @property
    def code(self) -> str | None:
        """The text of the 2D code (ZBP's recommendation, see the module), None when it cannot be made."""
        if self.code_problem is not None or self.account is None:
            return None
        tax_id = re.sub(r"[\s-]", "", self.tax_id or "")
        fields = [tax_id if _TAX_ID.fullmatch(tax_id) else "", "PL", payment.nrb(self.account),
                  f"{grosze(self.amount):06d}", ascii_text(self.recipient, NAME_MAX),
                  ascii_text(self.title, TITLE_MAX), "", "", ""]
        return "|".join(fields)

    def mail_params(self) -> dict[str, Any]:
        """JSON-safe parameters for the e-mail templates (``_transfer.txt``, ``_transfer.html``)."""
        return {"recipient": self.recipient, "address": self.address,
                "account": payment.account_groups(self.account) if self.account else None,
                "title": self.title, "amount": str(self.amount),
                "due_on": self.due_on.isoformat() if self.due_on else None}


def transfer(seller: dict[str, Any], title: str, amount: Decimal, due_on: date | None = None) -> Transfer:
    """The transfer of ``amount`` to the seller (a row with ``name``, ``address``, ``tax_id``,
    ``bank_account``, each possibly prefixed ``seller_``)."""
    def get(key: str) -> Any:
        return seller.get(f"seller_{key}", seller.get(key))

    raw = get("bank_account") or ""
    return Transfer(recipient=(get("name") or "").strip(), address=(get("address") or "").strip(),
                    tax_id=get("tax_id"), account=payment.account_iban(raw), raw_account=raw, title=title,
                    amount=amount, due_on=due_on)


def for_invoice(row: dict[str, Any], customer_number: str, amount: Decimal) -> Transfer:
    """Paying ``amount`` (what is left) of one invoice: a row with its ``number``, ``due_on`` and seller."""
    return transfer(row, payment.invoice_title(row["number"], customer_number), amount, row.get("due_on"))
