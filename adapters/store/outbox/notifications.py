"""The store's side of notifications: who may be told, what may be news, and what was queued already.

Every query starts from the customers some login holds (``account_customers``) and reads a bounded
window (recent, open or current rows), so one run costs a few indexed reads however long the
store's history is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from adapters.store.statements import insert_statement
from adapters.store.tables import (
    account_customers,
    accounts,
    case_events,
    contracts,
    customers,
    invoices,
    mail_outbox,
    message_replies,
    meters,
    notification_marks,
    outages,
    points,
    reading_replies,
    sellers,
    settlements,
    submissions,
)

Rows = list[dict[str, Any]]
_LINKED = select(account_customers.c.customer_id)


def _rows(conn: Connection, query: Any) -> Rows:
    return [dict(r) for r in conn.execute(query).mappings()]


def recipients(conn: Connection) -> Rows:
    """Confirmed logins not disabled, one row per customer account each may see."""
    a, ac = accounts.c, account_customers.c
    return _rows(conn, select(a.id.label("account_id"), ac.customer_id, a.email, a.locale, a.name, ac.linked_at)
                 .join_from(accounts, account_customers, ac.account_id == a.id)
                 .where(a.email_confirmed_at.is_not(None), a.disabled_at.is_(None)).order_by(a.id, ac.customer_id))


def marks(conn: Connection, kinds: Sequence[str], now: datetime) -> dict[str, datetime]:
    """When each kind was first sent; a kind seen for the first time starts ``now`` (its past is history)."""
    stmt = insert_statement(conn, notification_marks).on_conflict_do_nothing(index_elements=["kind"])
    conn.execute(stmt, [{"kind": kind, "started_at": now} for kind in kinds])
    m = notification_marks.c
    return dict(conn.execute(select(m.kind, m.started_at).where(m.kind.in_(kinds))).all())


# How to pay an invoice: its seller (through the contract) and the customer's number, for the transfer's data.
_c, _sel = contracts.c, sellers.c
_PAYEE = (_c.seller_id, _sel.name.label("seller_name"), _sel.tax_id.label("seller_tax_id"),
          _sel.address.label("seller_address"), _sel.bank_account.label("seller_bank_account"),
          customers.c.number.label("customer_number"))


def _with_payee(base: Any) -> Any:
    i = invoices.c
    return (base.outerjoin(contracts, _c.id == i.contract_id).outerjoin(sellers, _sel.id == _c.seller_id)
            .outerjoin(customers, customers.c.id == i.customer_id))


def issued_invoices(conn: Connection, since: date) -> Rows:
    """Invoices issued since ``since`` (not cancelled), with what is left to pay and how to pay it."""
    i, s = invoices.c, settlements.c
    return _rows(conn, select(i.id, i.number, i.customer_id, i.issued_on, i.due_on, i.gross, i.modified_at,
                              func.coalesce(s.remaining, i.gross).label("remaining"), *_PAYEE)
                 .select_from(_with_payee(invoices.outerjoin(settlements, s.invoice_id == i.id)))
                 .where(i.customer_id.in_(_LINKED), i.issued_on >= since, i.cancelled.is_(False)))


def open_invoices(conn: Connection, due_from: date, due_to: date) -> Rows:
    """Invoices with something left to pay, due between the two days (both included), with how to pay them."""
    i, s = invoices.c, settlements.c
    return _rows(conn, select(i.id, i.number, i.customer_id, i.due_on, i.gross, s.remaining, *_PAYEE)
                 .select_from(_with_payee(invoices.join(settlements, s.invoice_id == i.id)))
                 .where(i.customer_id.in_(_LINKED), i.due_on >= due_from, i.due_on <= due_to,
                        i.cancelled.is_(False), s.remaining > 0))


def current_outages(conn: Connection, now: datetime, started_since: datetime) -> Rows:
    """Outages not over yet (begun lately or still to come)."""
    o = outages.c
    return _rows(conn, select(o.id, o.district, o.starts_at, o.ends_at, o.description)
                 .where(o.starts_at >= started_since, or_(o.ends_at.is_(None), o.ends_at > now)).order_by(o.id))


def linked_points(conn: Connection) -> Rows:
    """The service points under active contracts of customers some login is linked to, each with its
    customer: whom an outage can concern (by district, or by street and town wherever billing filed it)."""
    p, c = points.c, contracts.c
    return _rows(conn, select(c.customer_id, p.id, p.street, p.house_number, p.city, p.district).distinct()
                 .join_from(contracts, points, p.id == c.point_id)
                 .where(c.active.is_(True), c.customer_id.in_(_LINKED)))


def expiring_meters(conn: Connection, today: date, valid_from: date, valid_to: date) -> Rows:
    """Mounted meters at points of active contracts whose legalization ends between the two days."""
    m, c, p = meters.c, contracts.c, points.c
    return _rows(conn, select(m.id, m.serial_number, m.legalization_valid_until, c.customer_id, p.street,
                              p.house_number, p.flat_number, p.city).distinct()
                 .join_from(meters, contracts, and_(c.point_id == m.point_id, c.active.is_(True)))
                 .join(points, p.id == m.point_id)
                 .where(c.customer_id.in_(_LINKED), or_(m.dismounted_on.is_(None), m.dismounted_on > today),
                        m.legalization_valid_until >= valid_from, m.legalization_valid_until <= valid_to))


def reading_decisions(conn: Connection, submitted_since: datetime, decided_since: datetime) -> Rows:
    """Readings sent from the portal that billing's office accepted or rejected lately."""
    s, r, m = submissions.c, reading_replies.c, meters.c
    return _rows(conn, select(r.id, s.id.label("submission_id"), s.customer_id, r.read_on, r.state, r.status, r.note,
                              r.modified_at, m.serial_number)
                 .join_from(submissions, reading_replies, r.key == s.id)
                 .outerjoin(meters, m.id == r.meter_id)
                 .where(s.customer_id.in_(_LINKED), s.kind == "reading", s.submitted_at >= submitted_since,
                        r.status.in_(("accepted", "rejected")), r.modified_at >= decided_since))


def answered_messages(conn: Connection, submitted_since: datetime, answered_since: datetime) -> Rows:
    """Messages sent from the portal whose case billing's office closed with an answer lately."""
    s, r = submissions.c, message_replies.c
    return _rows(conn, select(r.id, s.customer_id, s.subject, r.case_number, r.answer, r.modified_at)
                 .join_from(submissions, message_replies, r.key == s.id)
                 .where(s.customer_id.in_(_LINKED), s.kind == "message", s.submitted_at >= submitted_since,
                        r.status == "closed", r.answer.is_not(None), r.modified_at >= answered_since))


def case_stages(conn: Connection, submitted_since: datetime, since: datetime) -> Rows:
    """Recent stages of the cases opened for messages sent from the portal."""
    s, r, e = submissions.c, message_replies.c, case_events.c
    return _rows(conn, select(e.id, e.case_number, e.stage, e.at, s.customer_id, s.subject)
                 .join_from(case_events, message_replies, r.case_number == e.case_number)
                 .join(submissions, s.id == r.key)
                 .where(s.customer_id.in_(_LINKED), s.kind == "message", s.submitted_at >= submitted_since,
                        e.at >= since))


def queued(conn: Connection, events: Iterable[str], chunk: int = 500) -> set[str]:
    """Which of these message keys are in the e-mail outbox already (sent or not)."""
    keys = list(events)
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        found.update(conn.execute(select(mail_outbox.c.event)
                                  .where(mail_outbox.c.event.in_(keys[start:start + chunk]))).scalars())
    return found
