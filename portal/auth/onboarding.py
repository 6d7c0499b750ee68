"""The use cases of getting an account: register with proof, confirm the e-mail address, reset a
forgotten password, link another customer account; and a login made by the utility's office (`ibok
portal account`). Plain functions over the store, each in the unit of work it is given (the views and
tests call them); e-mails are queued in the store, the daemon sends them.

None of them tells a visitor whether an e-mail address or a customer number is known: the
answer on screen is the same, and what differs goes by e-mail to the address's owner. A proof that
does not match (a customer number, an invoice number and its amount, typed) is said on screen, the
same way whichever of the three is wrong: it tells nothing to whoever does not hold the invoice, and
guessing one is bounded by the proof's attempt limits (``portal.auth.limits``), per network and per
customer number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import structlog
from sqlalchemy import Connection

from adapters.store.content import terms
from adapters.store.logins import accounts, registrations, tokens, web_sessions
from adapters.store.mirror import customer_numbers
from adapters.store.outbox import mail
from adapters.store.outbox import submitted as store_submissions
from adapters.store.unit_of_work import UnitOfWork
from portal.auth import passwords

log = structlog.get_logger("portal.security")
CONFIRM_FOR = timedelta(hours=48)
RESET_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Registration:
    email: str
    name: str
    password: str
    customer_number: str
    invoice_number: str | None  # None: no invoice yet (a new customer): an admin checks the request
    invoice_gross: Decimal | None
    terms_version: str
    locale: str


NOT_PROVEN = "not_proven"  # the invoice typed is not one of the customer number's last three: nothing done
QUEUED = "queued"  # whatever else happened (a login made, or its address's owner told by e-mail)


def register(uow: UnitOfWork, r: Registration) -> str:
    """Create the login (unconfirmed) and its request; e-mail the link. Returns QUEUED whatever happened
    to the address, NOT_PROVEN (and writes nothing) when an invoice was given and does not match."""
    password_hash = passwords.hash_password(r.password)  # always: the same cost for every outcome
    with uow:
        conn = uow.conn
        customer_id = None
        if r.invoice_number is not None and r.invoice_gross is not None:
            customer_id = registrations.proven_customer(conn, r.customer_number, r.invoice_number, r.invoice_gross)
            if customer_id is None:
                log.info("registration_not_proven")
                return NOT_PROVEN
        existing = accounts.by_email(conn, r.email)
        if existing is not None:
            token = tokens.issue(conn, existing["id"], "reset", RESET_FOR)
            mail.enqueue(conn, event=f"registered-again:{existing['id']}:{tokens.digest(token)[:12]}",
                         to=existing["email"], locale=existing["locale"], template="registered_again",
                         params={"name": existing["name"], "link": f"/password/reset/{token}"})
            log.info("registration_for_existing_login", account_id=existing["id"])
            return QUEUED
        account_id = accounts.create(conn, email=r.email, name=r.name, password_hash=password_hash, locale=r.locale,
                                     must_change_password=False, confirmed=False)
        terms.accept(conn, account_id, r.terms_version)
        state = "approved" if customer_id is not None else "pending"
        registrations.add(conn, account_id=account_id, customer_number=r.customer_number,
                          invoice_number=r.invoice_number, invoice_gross=r.invoice_gross, state=state)
        if customer_id is not None:
            accounts.link(conn, account_id, customer_id, "invoice")
        token = tokens.issue(conn, account_id, "confirm", CONFIRM_FOR)
        mail.enqueue(conn, event=f"confirm:{account_id}:{tokens.digest(token)[:12]}", to=r.email.strip().lower(),
                     locale=r.locale, template="confirm",
                     params={"name": r.name, "link": f"/confirm/{token}", "state": state})
    log.info("registration", account_id=account_id, proof="invoice" if customer_id else "pending")
    return QUEUED


def confirm(uow: UnitOfWork, token: str) -> int | None:
    """Spend a confirmation link: the account confirmed (its id), None for a used or unknown link."""
    with uow:
        conn = uow.conn
        account_id = tokens.use(conn, token, "confirm")
        if account_id is not None:
            accounts.confirm_email(conn, account_id)
    if account_id is not None:
        log.info("email_confirmed", account_id=account_id)
    return account_id


def request_reset(uow: UnitOfWork, email: str) -> None:
    """E-mail a reset link if the address has a login; silently nothing otherwise."""
    with uow:
        conn = uow.conn
        account = accounts.by_email(conn, email)
        if account is None or account["disabled_at"] is not None:
            log.info("password_reset_unknown")
            return
        token = tokens.issue(conn, account["id"], "reset", RESET_FOR)
        mail.enqueue(conn, event=f"reset:{account['id']}:{tokens.digest(token)[:12]}", to=account["email"],
                     locale=account["locale"], template="reset",
                     params={"name": account["name"], "link": f"/password/reset/{token}"})
    log.info("password_reset_requested", account_id=account["id"])


def link_works(conn: Connection, token: str, purpose: str) -> bool:
    """Whether an e-mailed link ("confirm", "reset", "email") can still be used: one indexed read, asked
    before anything costly (a reset's Argon2 hash takes seconds)."""
    return tokens.valid(conn, token, purpose) is not None


def reset_password(uow: UnitOfWork, token: str, new_password: str) -> int | None:
    """Spend a reset link: the new password set, every session of the login ended; None: bad link.
    The caller asks ``link_works`` first: hashing comes before the transaction, so as not to hold it."""
    password_hash = passwords.hash_password(new_password)
    with uow:
        conn = uow.conn
        account_id = tokens.use(conn, token, "reset")
        if account_id is None:
            return None
        accounts.set_password(conn, account_id, password_hash)
        accounts.confirm_email(conn, account_id)  # the link reached the address: it is confirmed too
        ended = web_sessions.drop_for_account(conn, account_id)
    log.info("password_reset", account_id=account_id, sessions_ended=ended)
    return account_id


def link_customer(uow: UnitOfWork, account_id: int, number: str, invoice_number: str,
                  gross: Decimal) -> int | None:
    """Add a customer account to a login with the same proof as at registration; None: not proven."""
    with uow:
        conn = uow.conn
        customer_id = registrations.proven_customer(conn, number, invoice_number, gross)
        if customer_id is not None:
            accounts.link(conn, account_id, customer_id, "invoice")
    log.info("customer_linked" if customer_id else "customer_link_refused", account_id=account_id)
    return customer_id


class AccountRefused(Exception):
    """Why the office's login was not made (nothing was written)."""


def create_account(uow: UnitOfWork, *, numbers: Sequence[str], email: str, name: str | None, password: str,
                   locale: str, one_time: bool) -> int:
    """A confirmed login for the customer accounts ``numbers`` (with or without their leading zeros), made
    by the utility's office: its id. ``name`` None: the first customer's. ``one_time``: the password is
    changed at first login. It has accepted no terms: the ones in force are asked at its first login
    (``terms.due``)."""
    password_hash = passwords.hash_password(password)
    with uow:
        conn = uow.conn
        ids = []
        for number in numbers:
            customer_id = customer_numbers.customer_id(conn, number)
            if customer_id is None:
                raise AccountRefused(f"no customer with number {number}")
            ids.append(customer_id)
        if accounts.by_email(conn, email) is not None:
            raise AccountRefused(f"a login with e-mail {email} exists already")
        first = store_submissions.customer(conn, ids[0]) or {}
        account_id = accounts.create(conn, email=email, name=name or first.get("name", ""),
                                     password_hash=password_hash, locale=locale,
                                     must_change_password=one_time, confirmed=True)
        for customer_id in ids:
            accounts.link(conn, account_id, customer_id, "utility")
    return account_id
