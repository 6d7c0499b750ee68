"""The use cases of a login on its own account: its password stored anew or changed, its language, a
version of the terms accepted, its e-mail notification switches (an unsubscribe link too). Each runs in the unit of
work it is given."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.store.content import terms
from adapters.store.logins import accounts, preferences
from adapters.store.unit_of_work import UnitOfWork
from portal.auth import passwords


def rehash_password(uow: UnitOfWork, account_id: int, password: str) -> None:
    """The right password, stored with today's hashing parameters (at login)."""
    password_hash = passwords.hash_password(password)
    with uow:
        accounts.rehash(uow.conn, account_id, password_hash)


def change_password(uow: UnitOfWork, account_id: int, new_password: str) -> None:
    """A new password (the current one checked by the caller); the login's other sessions are the session
    store's to end."""
    password_hash = passwords.hash_password(new_password)
    with uow:
        accounts.set_password(uow.conn, account_id, password_hash)


def choose_language(uow: UnitOfWork, account_id: int, locale: str) -> None:
    """The login's language ("pl", "en"): chosen on a page while logged in, or before the login that
    followed; its pages and e-mails use it from then on, on any device."""
    with uow:
        accounts.set_locale(uow.conn, account_id, locale)


def accept_terms(uow: UnitOfWork, account_id: int, version: str) -> None:
    with uow:
        terms.accept(uow.conn, account_id, version)


def save_notifications(uow: UnitOfWork, account_id: int, chosen: Mapping[str, bool]) -> None:
    """The login's switches per kind of e-mail (kinds not in ``chosen`` stay as they are)."""
    with uow:
        preferences.save(uow.conn, account_id, chosen)
