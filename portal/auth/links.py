"""E-mailed links (a password reset, an address confirmation, an e-mail change) carry a single-use token
in their path. Opened, a link puts its token into the server-side session and sends the browser (302)
to the same page without it, as Django's password reset does with its "set-password" placeholder: the
access log, an error's log line and the ``Referer`` of the page's own links never carry a working token.
The page is then answered from the path in its place (``PLACEHOLDERS``), the token read from the session.
"""

from __future__ import annotations

from flask import redirect, session, url_for
from werkzeug.wrappers import Response

# A link's last path segment once its token is in the session; none can be a token
# (``secrets.token_urlsafe(32)`` is 43 characters). config/logs.py leaves them unmasked.
PLACEHOLDERS = {"reset": "set-password", "confirm": "address", "email": "confirm"}


def _key(purpose: str) -> str:
    return f"link_{purpose}"


def keep(purpose: str, token: str, endpoint: str) -> Response:
    """The link's token kept in the session (one per purpose, the latest opened), and the browser sent on
    to ``endpoint``, the page without it. Nothing is looked up here: the page says whether the link works."""
    if token and len(token) <= 100:  # no longer token is valid (tokens.valid); none is kept in the session
        session[_key(purpose)] = token
    else:
        session.pop(_key(purpose), None)
    return redirect(url_for(endpoint))


def kept(purpose: str) -> str:
    """The token of the link last opened for ``purpose`` in this session ("" when none)."""
    return session.get(_key(purpose)) or ""


def spent(purpose: str) -> None:
    """The link is used: its token leaves the session."""
    session.pop(_key(purpose), None)
