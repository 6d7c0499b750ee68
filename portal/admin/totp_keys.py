"""Staff TOTP secrets at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256) under the keys of
``admin.totp_key``, the first of which encrypts; the others only decrypt, while ``ibok admin
rotate-totp-key`` moves every secret onto the first (MultiFernet's ``rotate``).

A secret stored before encryption (clear base32, up to migration 0014) is still read: base32 is
upper case and digits, and a Fernet token begins with "gAAAAA", so the two cannot be mistaken. It
is encrypted at the admin's next right code, or with all the others by ``rotate-totp-key``.

Without ``admin.totp_key`` the portal refuses to start, except for development, where a key is
derived from ``portal.secret_key`` (and the log says so): secrets encrypted with it must be
re-encrypted (rotate-totp-key, the derived key listed after the real one) before that changes.
"""

from __future__ import annotations

import base64
import hashlib
import re

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from config.settings import Settings, fernet_key_list

log = structlog.get_logger(__name__)
_CLEAR = re.compile(r"[A-Z2-7]+=*")  # base32, as authenticator apps take it


class TotpKeyError(Exception):
    """A stored secret that none of the keys decrypts (a key missing from ``admin.totp_key``)."""


def new_key() -> str:
    """A fresh random key for ``admin.totp_key``."""
    return Fernet.generate_key().decode("ascii")


def development_key(secret_key: str) -> str:
    """The key derived from ``portal.secret_key`` for development without ``admin.totp_key``."""
    digest = hashlib.sha256(b"ibok admin.totp_key\0" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def is_clear(stored: str) -> bool:
    """Whether a stored secret is still the clear base32 of before encryption."""
    return _CLEAR.fullmatch(stored) is not None


class TotpVault:
    """Encrypts and decrypts TOTP secrets with a list of keys, the first of which encrypts."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> TotpVault:
        """The vault of ``admin.totp_key``; without it, a SettingsError outside development, and a
        key derived from ``portal.secret_key`` (logged as such) in development."""
        if settings.admin.totp_key is None and settings.portal.development and settings.portal.secret_key:
            log.warning("totp_key_derived_for_development",
                        hint="set admin.totp_key (ibok admin new-totp-key prints one) before production")
            return cls([development_key(settings.portal.secret_key)])
        settings.require("admin.totp_key")
        return cls(fernet_key_list(settings.admin.totp_key))

    def seal(self, secret: str) -> str:
        """A secret encrypted with the first key, as the store keeps it."""
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, stored: str) -> str:
        """The secret of a stored value (encrypted with any of the keys, or still clear)."""
        if is_clear(stored):
            return stored
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise TotpKeyError("a staff TOTP secret is encrypted with a key that admin.totp_key does not"
                               " list: add the old key after the new one") from None

    def reseal(self, stored: str) -> str:
        """A stored value moved onto the first key (a clear one encrypted)."""
        if is_clear(stored):
            return self.seal(stored)
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise TotpKeyError("a staff TOTP secret is encrypted with a key that admin.totp_key does not"
                               " list: add the old key after the new one") from None
