"""What `ibok config check` insists on beyond settings being set: a production portal's safe settings.

Pure functions of the settings; the command prints what they find. The secret key's strength is
an estimate from the key alone (how it was made is unknown), documented in ``secret_key_bits``.
"""

from __future__ import annotations

import math
import string
from collections import Counter

from config.settings import Settings

SECRET_KEY_MIN_BITS = 256
_HEX_LOWER = frozenset(string.digits + "abcdef")
_HEX_UPPER = frozenset(string.digits + "ABCDEF")
# Printable ASCII that is neither a letter nor a digit (punctuation and space), and anything beyond ASCII.
_OTHER_SYMBOLS = 33
# The Shannon entropy of a key's own character counts underestimates a short random key's (64 hex
# digits measure about 3.8 bits a character, not 4): this much allowance, and no more, lets every
# secrets.token_hex(32) pass while a key of one repeated character still scores 0.
_SAMPLE_ALLOWANCE = 1.25


def secret_key_bits(key: str) -> float:
    """An estimate of the key's entropy in bits: its length times the smaller of

    * log2 of the alphabet its character classes suggest: 16 for hex digits of one case, else the sum
      of 10 (digits), 26 (lower case), 26 (upper case) and 33 (anything else) for each class present;
    * 1.25 times the Shannon entropy per character of the key's own character frequencies, so that
      repeated characters and short patterns count for little ("a" * 36: 0 bits).

    64 hex digits (``secrets.token_hex(32)``) score 256 bits, ``secrets.token_urlsafe(48)`` about 380.
    """
    if not key:
        return 0.0
    used = frozenset(key)
    if used <= _HEX_LOWER or used <= _HEX_UPPER:
        alphabet = 16
    else:
        alphabet = sum(size for present, size in (
            (any(c in string.digits for c in used), 10),
            (any(c in string.ascii_lowercase for c in used), 26),
            (any(c in string.ascii_uppercase for c in used), 26),
            (any(not (c.isascii() and c.isalnum()) for c in used), _OTHER_SYMBOLS),
        ) if present)
    length = len(key)
    shannon = -sum(n / length * math.log2(n / length) for n in Counter(key).values())
    return length * min(math.log2(alphabet), _SAMPLE_ALLOWANCE * shannon)


def production_problems(settings: Settings) -> list[str]:
    """Each unsafe setting of a production deployment as one sentence saying what to do; [] when none."""
    problems = []
    if settings.portal.development:
        problems.append(
            f"Setting portal.development is true (from {settings.source_of('portal.development')}): development"
            " mode sends session cookies without Secure and without the __Host- prefix and no HSTS;"
            " set it to false in production.")
    key = settings.portal.secret_key
    if key is not None and (bits := secret_key_bits(key)) < SECRET_KEY_MIN_BITS:
        problems.append(
            f"Setting portal.secret_key is too weak: about {bits:.0f} bits by ibok's estimate, at least"
            f" {SECRET_KEY_MIN_BITS} needed; make a new one with"
            " python3 -c \"import secrets; print(secrets.token_hex(32))\".")
    if settings.portal.base_url.lower().startswith("https://") and \
            settings.source_of("portal.trusted_proxies") == "default":
        problems.append(
            "Setting portal.trusted_proxies is not set while portal.base_url is https: behind the reverse proxy"
            " of config/nginx.conf.example set it to 1 (IBOK_PORTAL_TRUSTED_PROXIES=1), or else every customer"
            " shares the proxy's address and its attempt limits; set it to 0 if nothing is in front of the portal.")
    if not settings.portal.development and not settings.admin.totp_key:
        problems.append(
            "Setting admin.totp_key is missing: it encrypts the staff's TOTP secrets in the store and the portal"
            " will not start without it; make one with `ibok admin new-totp-key` and set IBOK_ADMIN_TOTP_KEY.")
    return problems
