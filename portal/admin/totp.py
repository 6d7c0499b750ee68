"""The second factor of staff logins: RFC 6238 codes (30 s steps, 6 digits), pure functions.

A code is accepted for the current step or one step either side (clock drift), and only for a
step later than the last one accepted, so a code seen over a shoulder or in a log cannot be
used again. The store makes that last rule atomic (``adapters.store.logins.admins.use_step``).
"""

from __future__ import annotations

import hmac

import pyotp
import segno

from config.clock import utcnow

STEP_S = 30
DRIFT_STEPS = 1  # a phone's clock may be a step behind or ahead
ISSUER = "iBOK"


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data: address (the CSP allows img data:, not inline style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def step_of(now: float | None = None) -> int:
    return int((utcnow().timestamp() if now is None else now) // STEP_S)


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The step whose code ``code`` is, within the drift allowed and later than ``last_step``; else None."""
    typed = "".join((code or "").split())
    if len(typed) != 6 or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = step_of(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None
