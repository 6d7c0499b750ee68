"""The use cases of staff accounts: a login's steps (a password refused, a code taken, the second
factor offered, a password changed, a logout), and the accounts themselves (created, disabled, reset
by `ibok admin` or an administrator). Each takes the unit of work it runs in and writes its audit
entry there, with the change it describes.

Attempt limits are not counted here: a refused attempt must count even when nothing else is written
(``portal.auth.limits`` keeps its own transactions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.store.logins import admins, audit
from adapters.store.unit_of_work import UnitOfWork
from portal.admin.audit import record
from portal.auth import passwords


def login_failed(uow: UnitOfWork, admin: dict[str, Any], why: str) -> None:
    """A wrong password (``why`` "password") for a staff account that exists: audited."""
    with uow:
        record(uow.conn, "admin.login_failed", f"admin:{admin['id']}", why, admin=admin)


def rehash_password(uow: UnitOfWork, admin: dict[str, Any], password: str) -> None:
    """The right password, stored with today's hashing parameters (at login)."""
    password_hash = passwords.hash_password(password)
    with uow:
        admins.set_password(uow.conn, admin["id"], password_hash, must_change=admin["must_change_password"])


def take_code(uow: UnitOfWork, admin: dict[str, Any], step: int | None, *, confirm: bool,
              reseal: str | None = None) -> bool:
    """The TOTP ``step`` of a right code taken (never again) and the login audited: True; else the
    failure audited (``step`` None: the code matched no step), False. ``confirm``: at enrolment.
    ``reseal``: the secret encrypted, stored with the step (it was still clear)."""
    with uow:
        conn = uow.conn
        if step is not None and admins.use_step(conn, admin["id"], step, confirm=confirm, secret=reseal):
            record(conn, "admin.totp_enrolled" if confirm else "admin.login", f"admin:{admin['id']}", admin=admin)
            if confirm:
                record(conn, "admin.login", f"admin:{admin['id']}", admin=admin)
            return True
        record(conn, "admin.login_failed", f"admin:{admin['id']}", "code", admin=admin)
    return False


def offer_secret(uow: UnitOfWork, admin: dict[str, Any], secret: str) -> dict[str, Any]:
    """A new TOTP ``secret`` (encrypted, as stored) offered for enrolment: the admin as stored then."""
    with uow:  # read back in the writer's transaction: the request's read connection keeps its snapshot
        admins.offer_secret(uow.conn, admin["id"], secret)
        return admins.get(uow.conn, admin["id"]) or admin


def change_password(uow: UnitOfWork, admin: dict[str, Any], new_password: str) -> None:
    password_hash = passwords.hash_password(new_password)
    with uow:
        admins.set_password(uow.conn, admin["id"], password_hash)
        record(uow.conn, "admin.password_changed", f"admin:{admin['id']}", admin=admin)


def logout(uow: UnitOfWork, admin: dict[str, Any]) -> None:
    with uow:
        record(uow.conn, "admin.logout", f"admin:{admin['id']}", admin=admin)


def disable(uow: UnitOfWork, admin_id: int, *, by: dict[str, Any]) -> str:
    """An administrator (``by``) disables a staff account: "disabled" (audited if it was active), or "missing"."""
    with uow:
        if admins.get(uow.conn, admin_id) is None:
            return "missing"
        if admins.disable(uow.conn, admin_id):
            record(uow.conn, "admin.disable", f"admin:{admin_id}", admin=by)
    return "disabled"


# `ibok admin ...`: the actor is the command's user ("cli:<login>"), there is no network.

def create(uow: UnitOfWork, *, email: str, name: str, role: str, password: str, actor: str) -> int | None:
    """A new staff account with a one-time ``password``: its id; None when the e-mail has one already."""
    password_hash = passwords.hash_password(password)
    with uow:
        conn = uow.conn
        if admins.by_email(conn, email) is not None:
            return None
        admin_id = admins.create(conn, email=email, name=name, role=role, password_hash=password_hash)
        audit.record(conn, actor=actor, action="admin.create", object=f"admin:{admin_id}", detail=f"role={role}")
    return admin_id


def disable_by_email(uow: UnitOfWork, email: str, *, actor: str) -> dict[str, Any] | None:
    """Disable the staff account of ``email`` (audited if it was active): the account; None: no such account."""
    with uow:
        conn = uow.conn
        found = admins.by_email(conn, email)
        if found is None:
            return None
        if admins.disable(conn, found["id"]):
            audit.record(conn, actor=actor, action="admin.disable", object=f"admin:{found['id']}")
    return found


def reset(uow: UnitOfWork, email: str, password: str, *, actor: str) -> dict[str, Any] | None:
    """A new one-time ``password`` and the second factor enrolled anew at next login: the account;
    None: no such account."""
    password_hash = passwords.hash_password(password)
    with uow:
        conn = uow.conn
        found = admins.by_email(conn, email)
        if found is None:
            return None
        admins.set_password(conn, found["id"], password_hash, must_change=True)
        admins.reset_second_factor(conn, found["id"])
        audit.record(conn, actor=actor, action="admin.reset", object=f"admin:{found['id']}")
    return found


def reseal_secrets(uow: UnitOfWork, reseal: Callable[[str], str], *, actor: str) -> int:
    """Every stored TOTP secret re-encrypted by ``reseal`` (onto the newest key; clear ones encrypted),
    in one transaction, audited: how many."""
    with uow:
        conn = uow.conn
        found = admins.stored_secrets(conn)
        for admin_id, stored in found:
            admins.store_secret(conn, admin_id, reseal(stored))
        audit.record(conn, actor=actor, action="admin.totp_key_rotated", detail=f"secrets={len(found)}")
    return len(found)
