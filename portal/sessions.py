"""Server-side sessions in the portal store.

The cookie carries only a random token; the store keeps the token's SHA-256, the session's data,
who is logged in (a customer's login or a staff account), and when the session began and was last
seen. A session ends after ``portal.session_idle_s`` without a request and
``portal.session_absolute_s`` after it began (a staff session: ``admin.session_idle_s`` and
``admin.session_absolute_s``, shorter), at logout, and for every other session of a login or a staff
account whose password changes. ``rotate`` gives a session a new token (at login), so a token known
before login is worth nothing after it.

Outside development mode the cookie is ``__Host-ibok_session``: browsers accept a cookie of that
name only when it is Secure, has Path=/ and no Domain, set by an https page, so neither a plain-http
page nor a sibling subdomain can plant or overwrite it (session fixation). Development on plain http
keeps ``ibok_session``, which browsers would refuse with the prefix.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Engine
from werkzeug.datastructures import CallbackDict

from adapters.store.db import writer
from adapters.store.logins import web_sessions
from config.clock import utcnow
from portal.context import reading

COOKIE = "ibok_session"
HOST_COOKIE = f"__Host-{COOKIE}"
TOUCH_EVERY = timedelta(seconds=60)  # how stale "last seen" may get before a request writes it


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StoreSession(CallbackDict, SessionMixin):
    def __init__(self, data: dict[str, Any] | None = None, token: str | None = None, *,
                 created_at: datetime | None = None, seen_at: datetime | None = None,
                 login: tuple[dict[str, Any], list[dict[str, Any]]] | None = None) -> None:
        def changed(_self: CallbackDict) -> None:
            self.modified = True

        super().__init__(data or {}, changed)
        self.token = token
        self.created_at = created_at
        self.seen_at = seen_at
        self.modified = False
        self.rotated_from: str | None = None
        self.login = login  # (account, its customer accounts) as loaded with the session

    def rotate(self) -> None:
        """A new token for this session (at login): the old one ends now."""
        if self.token is not None and self.rotated_from is None:
            self.rotated_from = self.token
        self.token = None
        self.created_at = None
        self.modified = True

    def end(self) -> None:
        """End the session (at logout): forgotten by the store. What is put in it afterwards (a
        flashed message) goes into a new, anonymous session."""
        self.rotate()
        self.clear()

    @property
    def account_id(self) -> int | None:
        return self.get("account_id")

    @property
    def admin_id(self) -> int | None:
        return self.get("admin_id")


class StoreSessionInterface(SessionInterface):
    def __init__(self, engine: Engine, idle: timedelta, absolute: timedelta, *,
                 staff_idle: timedelta | None = None, staff_absolute: timedelta | None = None,
                 host_only: bool = True) -> None:
        self.engine = engine
        self.idle = idle
        self.absolute = absolute
        self.staff_idle = staff_idle or idle
        self.staff_absolute = staff_absolute or absolute
        self.host_only = host_only  # the __Host- cookie: Secure, Path=/, no Domain
        self.cookie = HOST_COOKIE if host_only else COOKIE

    def open_session(self, app: Flask, request: Request) -> StoreSession:
        token = request.cookies.get(self.cookie)
        if not token or len(token) > 100:
            return StoreSession()
        with reading() as conn:  # the request's read connection: the page's reads follow on it
            row = web_sessions.load(conn, _digest(token))
        now = utcnow()
        if row is None or row["expires_at"] <= now or row["seen_at"] + self._idle(row["admin_id"]) <= now:
            return StoreSession()  # unknown or ended: a fresh, anonymous one
        login = (row["login"], row["customers"]) if row["login"] is not None else None
        return StoreSession(json.loads(row["data"]), token, created_at=row["created_at"], seen_at=row["seen_at"],
                            login=login)

    def is_null_session(self, obj: object) -> bool:
        """Nothing to save when there is no session at all: the store failed while opening it, and the
        error page answers."""
        return obj is None or super().is_null_session(obj)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoreSession)
        if self.host_only:  # what the prefix demands, whatever SESSION_COOKIE_* say
            domain, path, secure = None, "/", True
        else:
            domain, path, secure = self.get_cookie_domain(app), self.get_cookie_path(app), self.get_cookie_secure(app)
        now = utcnow()
        if session.rotated_from is None and not session.modified:  # most requests: at most a touch
            if session.token is not None and session.seen_at is not None and now - session.seen_at > TOUCH_EVERY:
                with writer(self.engine).begin() as conn:
                    web_sessions.touch(conn, _digest(session.token), now)
            return
        with writer(self.engine).begin() as conn:
            if session.rotated_from is not None:
                web_sessions.drop(conn, _digest(session.rotated_from))
                if not session:  # ended, and nothing new to keep
                    response.delete_cookie(self.cookie, domain=domain, path=path, secure=secure, httponly=True,
                                           samesite="Lax")
                    return
            if not session and session.token is None:
                return  # nothing worth a session
            if session.token is None:
                session.token, session.created_at = secrets.token_urlsafe(32), now
            absolute = self.absolute if session.admin_id is None else self.staff_absolute
            web_sessions.save(conn, _digest(session.token), account_id=session.account_id,
                              admin_id=session.admin_id, data=json.dumps(dict(session)),
                              created_at=session.created_at or now, seen_at=now,
                              expires_at=(session.created_at or now) + absolute)
        response.set_cookie(self.cookie, session.token, httponly=True, secure=secure, samesite="Lax", domain=domain,
                            path=path)
        response.vary.add("Cookie")

    def _idle(self, admin_id: int | None) -> timedelta:
        return self.idle if admin_id is None else self.staff_idle

    def end_other_sessions(self, account_id: int, keep: StoreSession) -> int:
        """At a password change: every other session of this login ends."""
        with writer(self.engine).begin() as conn:
            return web_sessions.drop_for_account(conn, account_id, _digest(keep.token) if keep.token else None)

    def end_other_staff_sessions(self, admin_id: int, keep: StoreSession) -> int:
        """At a staff account's password change: every other session of that admin ends."""
        with writer(self.engine).begin() as conn:
            return web_sessions.drop_for_admin(conn, admin_id, _digest(keep.token) if keep.token else None)
