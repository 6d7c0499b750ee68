"""The transfer block of the invoice page and the dashboard: the transfers to show, their 2D code as
inline SVG (drawn here, no script, no CDN), the account number in groups that never break. The
billing blueprint makes the last two a template filter (``account_groups``) and global (``transfer_code_svg``).

What a transfer holds and how its code reads is ``sync.transfer``'s; this module only draws it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import segno
import structlog
from flask_babel import gettext
from markupsafe import Markup, escape

from adapters.billing import payment
from sync import transfer as transfers
from sync.transfer import Transfer

log = structlog.get_logger(__name__)


def checked(t: Transfer, seller_id: int | None) -> Transfer:
    """``t``, with a warning in the log when billing's account number for the seller is unusable."""
    if t.account is None:
        log.warning("seller_account_invalid", seller_id=seller_id, account=t.raw_account,
                    hint="billing's ODDZIALY.NR_KONTA is not a Polish IBAN with valid check digits")
    return t


def for_invoice(invoice: dict[str, Any]) -> Transfer | None:
    """The transfer paying what is left of an invoice; None when nothing is (paid, cancelled, a credit)."""
    left = invoice.get("remaining")
    if invoice.get("cancelled") or left is None or left <= 0 or invoice.get("gross", 0) <= 0:
        return None
    t = transfers.for_invoice(invoice, invoice.get("customer_number") or "", left)
    return checked(t, invoice.get("seller_id"))


def for_customer(open_invoices: Iterable[dict[str, Any]]) -> list[tuple[Transfer, list[dict[str, Any]]]]:
    """What the customer owes, one transfer per seller (a company's sites may have different ones),
    each with the invoices it pays. One invoice: its own title; several: the customer number (billing
    settles the oldest due first)."""
    by_seller: dict[int | None, list[dict[str, Any]]] = {}
    for row in open_invoices:
        by_seller.setdefault(row["seller_id"], []).append(row)
    shown = []
    for seller_id, rows in by_seller.items():
        amount = sum((r["remaining"] for r in rows), Decimal("0.00"))
        number = rows[0]["customer_number"]
        due = min(r["due_on"] for r in rows)
        if len(rows) == 1:
            t = transfers.for_invoice(rows[0], number, amount)
        else:
            t = transfers.transfer(rows[0], payment.customer_title(number), amount, due)
        shown.append((checked(t, seller_id), rows))
    return shown


def account_groups(value: str | None) -> Markup:
    """An account number in groups of four that a line may break between, never inside. A number that
    is not a valid Polish IBAN is not shown (a wrong digit sends money elsewhere): the office is named."""
    iban = payment.account_iban(value)
    if iban is None:
        return escape(gettext("not available: please ask the customer service office"))
    groups = Markup(" ").join(Markup('<span class="group">{}</span>').format(g) for g in payment.account_groups(iban))
    return Markup('<span class="iban">{}</span>').format(groups)


def code_svg(code: str, label: str) -> Markup:
    """The 2D code as inline SVG: black modules on a white square with its quiet zone, sized by CSS."""
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=4, dark="#000", light="#fff",
        svgclass="qr", lineclass=None)
    svg = out.getvalue().decode("ascii")  # modules as path coordinates: none of the code's text is in it
    labelled = svg.replace("<svg ", Markup('<svg role="img" aria-label="{}" ').format(label), 1)
    return Markup(labelled)  # nosec B704  # segno's own markup (numbers only); the label escaped by format()
