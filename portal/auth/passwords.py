"""Passwords: 12 to 256 characters of anything (Polish letters, spaces, emoji welcome), no composition
rules, not on the list of leaked and common ones, not predictable, stored with Argon2id."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.auth import known_passwords

MIN_CHARS = 12
MAX_CHARS = 256
# Predictability is judged on the first 64 characters: zxcvbn refuses more than 72 (a ValueError) and its
# time grows with every character; 64 random-enough characters are strong whatever follows them.
CHECKED_CHARS = 64
MIN_SCORE = 2  # zxcvbn's 0..4: below 2, guessed within about a million tries (common, sequences, repeats)

_hasher = PasswordHasher()  # Argon2id with argon2-cffi's current recommended parameters


@cache
def _dummy() -> str:
    """Verified when no account matches, so that "no such account" costs what a wrong password costs.
    Hashed when first needed, not at import: every `ibok` command imports this module's package."""
    return _hasher.hash("ibok: the password of no account at all")


def normalize(password: str) -> str:
    """NFC, so that "ą" typed on any keyboard is one and the same character."""
    return unicodedata.normalize("NFC", password)


def problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """Why the password cannot be used ("too_short", "too_long", "known": leaked or common, "too_common":
    predictable), None when it can. Lengths count characters (code points) after NFC."""
    password = normalize(password)
    if len(password) < MIN_CHARS:
        return "too_short"
    if len(password) > MAX_CHARS:
        return "too_long"
    if known_passwords.is_known(password):
        return "known"
    inputs = [p for p in personal if p]
    from zxcvbn import zxcvbn  # its dictionaries load on first use, not when a command starts

    if zxcvbn(password[:CHECKED_CHARS], user_inputs=inputs, max_length=CHECKED_CHARS)["score"] < MIN_SCORE:
        return "too_common"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(normalize(password))


def verify(stored: str | None, password: str) -> bool:
    """True when the password matches; with no stored hash, as slow as a real check, and False."""
    try:
        return _hasher.verify(stored or _dummy(), normalize(password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
