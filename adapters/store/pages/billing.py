"""The customer's invoices, settlements and contracts, each read through the customer's own id.

Every query is bounded by ``customer_id`` (invoices and payments by their (customer, date)
indexes, contracts by theirs), so another customer's invoice answers exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from adapters.store.tables import (
    contracts,
    customer_months,
    customer_summaries,
    customers,
    invoice_lines,
    invoices,
    payments,
    points,
    sellers,
    settlements,
)

ZERO = Decimal("0.00")
# What the status filter offers: a value of ``_status`` (see there), except that "correcting" lists
# every correcting invoice (whatever its payment), not only the credits whose status it is.
STATUSES = ("paid", "partly_paid", "unpaid", "overdue", "cancelled", "correcting")


@dataclass(frozen=True)
class Page:
    """One page of a longer list: its rows, its number (from 1), its size and how many rows there are in all."""

    rows: list[dict[str, Any]]
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return _pages(self.total, self.size)


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def paginate(conn: Connection, query: Select[*tuple[Any, ...]], number: int, size: int,
             params: dict[str, Any] | None = None) -> Page:
    """Page ``number`` of ``query`` (ordered; run with ``params``), clamped to the pages there are. One
    round trip: the count rides along with the page's rows; only a page past the end costs a count of
    its own."""
    params = params or {}
    counted = _counted(query)
    offset = (max(number, 1) - 1) * size
    rows = ([dict(r) for r in conn.execute(counted, {**params, "_size": size, "_offset": offset}).mappings()]
            if offset < 2**31 else [])
    if rows:
        total = rows[0]["_total"]
    else:
        total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery()), params).scalar_one()
        if number > 1 and total:
            number = _pages(total, size)
            rows = [dict(r) for r in conn.execute(counted, {**params, "_size": size,
                                                            "_offset": (number - 1) * size}).mappings()]
    for row in rows:
        del row["_total"]
    return Page(rows, min(max(number, 1), _pages(total, size)), size, total)


@lru_cache(maxsize=64)
def _counted(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """``query`` with the count of all its rows on each row, and the page's size and offset as
    parameters: built once for a statement its module builds once (a page's statements are)."""
    return (query.add_columns(func.count().over().label("_total"))
            .limit(bindparam("_size", type_=Integer)).offset(bindparam("_offset", type_=Integer)))


@dataclass(frozen=True)
class InvoiceFilter:
    """Which invoices to list: issued from ``since`` to ``until`` (inclusive), of one status (``STATUSES``)."""

    since: date | None = None
    until: date | None = None
    status: str | None = None


# ----- invoices -----------------------------------------------------------------------------------
def _status(today: date | ColumnElement[date]) -> ColumnElement[str]:
    """An invoice's status as the customer sees it, in the order that decides.

    Cancelled; a credit (a correction of zero or less: nothing to pay) "correcting"; nothing
    left to pay "paid"; else "overdue" after its due date (Warsaw's ``today``), "partly_paid"
    when some was paid, "unpaid". An invoice without its settlement yet is wholly unpaid.
    """
    i, s = invoices.c, settlements.c
    return case((i.cancelled.is_(True), _text("cancelled")), (i.gross <= ZERO, _text("correcting")),
                (func.coalesce(s.remaining, i.gross) <= ZERO, _text("paid")), (i.due_on < today, _text("overdue")),
                (s.paid > ZERO, _text("partly_paid")), else_=_text("unpaid"))


def _text(value: str) -> ColumnElement[str]:
    """A constant written into the SQL (no parameter whose type the server would have to guess)."""
    return literal_column(f"'{value}'", String)


def _with_settlement() -> Any:
    return invoices.outerjoin(settlements, settlements.c.invoice_id == invoices.c.id)


@lru_cache(maxsize=32)
def _invoice_list(since: bool, until: bool, status: str | None) -> Select[*tuple[Any, ...]]:
    """The statement listing a customer's invoices, newest first, for one shape of the filters (which of
    them are given): built once per shape, the customer, today and the dates are its parameters."""
    i, s = invoices.c, settlements.c
    today = bindparam("today", type_=Date)
    where: list[ColumnElement[bool]] = [i.customer_id == bindparam("customer", type_=Integer)]
    if since:
        where.append(i.issued_on >= bindparam("since", type_=Date))
    if until:
        where.append(i.issued_on <= bindparam("until", type_=Date))
    if status == "correcting":  # every correcting invoice, whatever its payment
        where.append(i.correcting.is_(True))
    elif status in STATUSES:
        where.append(_status(today) == _text(status))
    p = points.c
    return (select(i.id, i.number, i.correcting, i.issued_on, i.period_from, i.period_to, i.due_on, i.gross,
                   i.cancelled, func.coalesce(s.remaining, i.gross).label("remaining"), _status(today).label("status"),
                   p.street, p.house_number, p.flat_number, p.postal_code, p.city)
            .select_from(_with_point(_with_settlement())).where(and_(*where))
            .order_by(i.issued_on.desc(), i.id.desc()))


def _with_point(joined: Any) -> Any:
    """``joined`` (with invoices) and the service point of each invoice's contract: the building it is for."""
    return (joined.outerjoin(contracts, contracts.c.id == invoices.c.contract_id)
            .outerjoin(points, points.c.id == contracts.c.point_id))


def invoice_page(conn: Connection, customer_id: int, today: date, chosen: InvoiceFilter, number: int,
                 size: int) -> Page:
    """The customer's invoices matching ``chosen``, newest first, one page of them."""
    status = chosen.status if chosen.status in STATUSES else None
    query = _invoice_list(chosen.since is not None, chosen.until is not None, status)
    return paginate(conn, query, number, size,
                    {"customer": customer_id, "today": today, "since": chosen.since, "until": chosen.until})


def invoice(conn: Connection, customer_id: int, invoice_id: int, today: date) -> dict[str, Any] | None:
    """One of the customer's invoices with its lines, contract, seller, service point, settlement,
    the invoice it corrects and its corrections; None when the customer has no such invoice."""
    i, s, c, p, sel = invoices.c, settlements.c, contracts.c, points.c, sellers.c
    head = conn.execute(
        select(invoices, _status(today).label("status"), s.paid, func.coalesce(s.remaining, i.gross).label("remaining"),
               s.settled_on, c.number.label("contract_number"), sel.name.label("seller_name"),
               sel.tax_id.label("seller_tax_id"), sel.address.label("seller_address"),
               sel.bank_account.label("seller_bank_account"), c.seller_id, customers.c.number.label("customer_number"),
               p.street, p.house_number, p.flat_number, p.postal_code, p.city)
        .select_from(_with_settlement().outerjoin(contracts, c.id == i.contract_id)
                     .outerjoin(sellers, sel.id == c.seller_id).outerjoin(points, p.id == c.point_id)
                     .outerjoin(customers, customers.c.id == i.customer_id))
        .where(and_(i.id == invoice_id, i.customer_id == customer_id))).mappings().first()
    if head is None:
        return None
    lines = [dict(r) for r in conn.execute(
        select(invoice_lines).where(and_(invoice_lines.c.invoice_id == invoice_id,
                                         invoice_lines.c.customer_id == customer_id))
        .order_by(invoice_lines.c.position)).mappings()]
    related = or_(i.corrects_id == invoice_id, *([i.id == head["corrects_id"]] if head["corrects_id"] else []))
    others = [dict(r) for r in conn.execute(
        select(i.id, i.number, i.issued_on, i.gross, i.cancelled, i.corrects_id)
        .where(and_(i.customer_id == customer_id, related)).order_by(i.issued_on, i.id)).mappings()]
    corrected = next((o for o in others if o["id"] == head["corrects_id"]), None)
    corrections = [o for o in others if o["corrects_id"] == invoice_id]
    return {"invoice": dict(head), "lines": lines, "corrected": corrected, "corrections": corrections}


def invoice_pdf(conn: Connection, customer_id: int, invoice_id: int) -> dict[str, Any] | None:
    """The number and archive path of one of the customer's invoices; None when there is no such
    invoice or it has no PDF."""
    i = invoices.c
    row = conn.execute(select(i.number, i.pdf_path).where(and_(i.id == invoice_id, i.customer_id == customer_id))
                       ).mappings().first()
    return dict(row) if row and row["pdf_path"] else None


# ----- a login's invoices for a spreadsheet, and the overview of its customer accounts ------------------
def invoices_for_export(conn: Connection, customer_ids: Sequence[int], today: date) -> list[dict[str, Any]]:
    """Every invoice of these customers (each with its customer's number, service point, what was paid and
    what is left, and its status), by customer number, newest first."""
    i, s, cu, p = invoices.c, settlements.c, customers.c, points.c
    if not customer_ids:
        return []
    return [dict(r) for r in conn.execute(
        select(cu.number.label("customer_number"), i.id, i.number, i.correcting, i.issued_on, i.period_from,
               i.period_to, i.due_on, i.net, i.vat, i.gross, i.cancelled,
               func.coalesce(s.paid, ZERO).label("paid"), func.coalesce(s.remaining, i.gross).label("remaining"),
               _status(today).label("status"), p.street, p.house_number, p.flat_number, p.postal_code, p.city)
        .select_from(_with_point(_with_settlement()).join(customers, cu.id == i.customer_id))
        .where(i.customer_id.in_(list(customer_ids)))
        .order_by(cu.number, i.issued_on.desc(), i.id.desc())).mappings()]


def accounts_overview(conn: Connection, customer_ids: Sequence[int], today: date) -> list[dict[str, Any]]:
    """Each of these customer accounts (in the order given) with its address, what is left to pay on its
    open invoices, how much of that is overdue, its next due date and its balance (from the summary
    derived at sync time; zeros while it is not derived yet)."""
    if not customer_ids:
        return []
    cu, summary, i, s = customers.c, customer_summaries.c, invoices.c, settlements.c
    left = func.coalesce(s.remaining, i.gross)
    overdue = (select(i.customer_id, func.sum(left).label("overdue"))
               .select_from(_with_settlement())
               .where(and_(i.customer_id.in_(list(customer_ids)), i.cancelled.is_(False), i.gross > ZERO,
                           left > ZERO, i.due_on < today))
               .group_by(i.customer_id).subquery())
    rows = {r["id"]: dict(r) for r in conn.execute(
        select(cu.id, cu.number, cu.name, cu.street, cu.house_number, cu.flat_number, cu.postal_code, cu.city,
               func.coalesce(summary.open_amount, ZERO).label("open_amount"),
               func.coalesce(overdue.c.overdue, ZERO).label("overdue"),
               summary.next_due_on, summary.next_due_amount, func.coalesce(summary.balance, ZERO).label("balance"))
        .select_from(customers.outerjoin(customer_summaries, summary.customer_id == cu.id)
                     .outerjoin(overdue, overdue.c.customer_id == cu.id))
        .where(cu.id.in_(list(customer_ids)))).mappings()}
    return [rows[c] for c in customer_ids if c in rows]


# ----- the last twelve months ---------------------------------------------------------------------
def twelve_months(conn: Connection, customer_id: int, today: date) -> dict[str, Any]:
    """What the customer was invoiced (invoices not cancelled, by issue date), paid and used (the main
    meters' consumption) from the first day of the month eleven months before ``today``'s to ``today``."""
    i, pay, cm = invoices.c, payments.c, customer_months.c
    month = date(today.year, today.month, 1)
    index = month.year * 12 + month.month - 1 - 11
    since = date(index // 12, index % 12 + 1, 1)
    invoiced, paid, used = conn.execute(select(
        select(func.sum(i.gross)).where(and_(i.customer_id == customer_id, i.cancelled.is_(False),
                                             i.issued_on >= since, i.issued_on <= today)).scalar_subquery(),
        select(func.sum(pay.amount)).where(and_(pay.customer_id == customer_id, pay.paid_on >= since,
                                                pay.paid_on <= today)).scalar_subquery(),
        select(func.sum(cm.consumption)).where(and_(cm.customer_id == customer_id, cm.month >= since,
                                                    cm.month <= month)).scalar_subquery())).one()
    return {"since": since, "until": today, "invoiced": invoiced or ZERO, "paid": paid or ZERO,
            "consumption": used if used is not None else Decimal("0.000")}
def open_invoices(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """The customer's invoices with something left to pay (not cancelled), oldest due first, each with
    what is left, its seller (for the transfer) and the customer's number."""
    i, s, c, sel = invoices.c, settlements.c, contracts.c, sellers.c
    left = func.coalesce(s.remaining, i.gross)
    return [dict(r) for r in conn.execute(
        select(i.id, i.number, i.due_on, i.gross, left.label("remaining"), c.seller_id,
               sel.name.label("seller_name"), sel.tax_id.label("seller_tax_id"),
               sel.address.label("seller_address"), sel.bank_account.label("seller_bank_account"),
               customers.c.number.label("customer_number"))
        .select_from(_with_settlement().outerjoin(contracts, c.id == i.contract_id)
                     .outerjoin(sellers, sel.id == c.seller_id).join(customers, customers.c.id == i.customer_id))
        .where(and_(i.customer_id == customer_id, i.cancelled.is_(False), i.gross > ZERO, left > ZERO))
        .order_by(i.due_on, i.id)).mappings()]


# ----- settlements: invoices and payments side by side ----------------------------------------------
def _ledger_years(conn: Connection, customer_id: int) -> list[int]:
    """The years with an invoice (not cancelled) or a payment, newest first: one round trip."""
    i, pay = invoices.c, payments.c
    own_invoices = and_(i.customer_id == customer_id, i.cancelled.is_(False))
    bounds = conn.execute(select(
        select(func.min(i.issued_on)).where(own_invoices).scalar_subquery(),
        select(func.max(i.issued_on)).where(own_invoices).scalar_subquery(),
        select(func.min(pay.paid_on)).where(pay.customer_id == customer_id).scalar_subquery(),
        select(func.max(pay.paid_on)).where(pay.customer_id == customer_id).scalar_subquery())).one()
    days = [d for d in bounds if d is not None]
    if not days:
        return []
    return list(range(max(days).year, min(days).year - 1, -1))


def _balance_before(conn: Connection, customer_id: int, day: date) -> Decimal:
    """Σ gross of invoices not cancelled issued before ``day`` − Σ payments before it."""
    i, pay = invoices.c, payments.c
    invoiced, paid = conn.execute(select(
        select(func.sum(i.gross)).where(and_(i.customer_id == customer_id, i.cancelled.is_(False),
                                             i.issued_on < day)).scalar_subquery(),
        select(func.sum(pay.amount)).where(and_(pay.customer_id == customer_id,
                                                pay.paid_on < day)).scalar_subquery())).one()
    return (invoiced or ZERO) - (paid or ZERO)


def ledger(conn: Connection, customer_id: int, year: int | None) -> dict[str, Any]:
    """Invoices (not cancelled) and payments in date order (a day's invoices before its payments), with
    the running balance: Σ gross − Σ payments, positive when the customer owes.

    ``year`` None: the whole history from zero; else that year's entries, from the balance it opened with.
    """
    i, pay = invoices.c, payments.c
    invoice_where = [i.customer_id == customer_id, i.cancelled.is_(False)]
    payment_where = [pay.customer_id == customer_id]
    opening, first = ZERO, None
    if year is not None:
        first, last = date(year, 1, 1), date(year, 12, 31)
        invoice_where += [i.issued_on >= first, i.issued_on <= last]
        payment_where += [pay.paid_on >= first, pay.paid_on <= last]
        opening = _balance_before(conn, customer_id, first)
    entries = union_all(
        select(_text("invoice").label("kind"), literal_column("0", Integer).label("rank"), i.id,
               i.issued_on.label("day"), i.number.label("reference"), i.correcting, i.gross.label("amount"))
        .where(and_(*invoice_where)),
        select(_text("payment"), literal_column("1", Integer), pay.id, pay.paid_on, pay.method, false(), pay.amount)
        .where(and_(*payment_where))).subquery()
    e = entries.c
    rows, balance = [], opening
    for row in conn.execute(select(entries).order_by(e.day, e.rank, e.id)).mappings():
        entry = dict(row)
        balance += entry["amount"] if entry["kind"] == "invoice" else -entry["amount"]
        entry["balance"] = balance
        rows.append(entry)
    return {"opening": opening, "opening_on": first, "closing": balance, "entries": rows,
            "years": _ledger_years(conn, customer_id)}


# ----- contracts ----------------------------------------------------------------------------------
def contracts_of(conn: Connection, customer_id: int, today: date) -> dict[str, Any]:
    """The customer's own data and contracts (current ones first, then newest), each with its service
    point and seller."""
    c, p, sel = contracts.c, points.c, sellers.c
    current = and_(c.starts_on <= today, or_(c.ends_on.is_(None), c.ends_on >= today))
    rows = [dict(r) for r in conn.execute(
        select(c.id, c.number, c.services, c.tariff, c.signed_on, c.starts_on, c.ends_on,
               case((current, true()), else_=false()).label("current"),
               p.street, p.house_number, p.flat_number, p.postal_code, p.city,
               sel.name.label("seller_name"), sel.tax_id.label("seller_tax_id"),
               sel.address.label("seller_address"), sel.bank_account.label("seller_bank_account"))
        .select_from(contracts.outerjoin(points, p.id == c.point_id).outerjoin(sellers, sel.id == c.seller_id))
        .where(c.customer_id == customer_id)
        .order_by(case((current, 0), else_=1), c.starts_on.desc(), c.id.desc())).mappings()]
    customer = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    return {"customer": dict(customer) if customer else None, "contracts": rows}
