"""Passwords known from data leaks and common patterns: a bundled list, checked offline.

The list (``known/passwords.txt.gz``, built by ``scripts/build-known-passwords``; sources and licences
in ``known/NOTICE.md``) holds one password per line in its ``normal`` form, sorted by UTF-8 bytes. It
is read on the first check, not at import (every ``ibok`` command imports this package), and kept as
one ``bytes`` object searched by bisection over its lines: a million entries cost their ~9 MB, where a
set of ``str`` would cost ten times that in every worker.

A password is known when any of its ``forms`` is on the list: itself, and what remains without the
digits and punctuation around it ("Haslo1234567!" -> "haslo"), without spaces, and with shifted
digits typed unshifted ("!QAZ@WSX" -> "1qaz2wsx"). Suffix variants of a listed password therefore
need not be listed.
"""

from __future__ import annotations

import gzip
import string
import unicodedata
from functools import cache
from importlib.resources import files

# Letters that do not decompose into a base letter and a combining mark (ł is not l + a mark).
_FOLD = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "œ": "oe", "æ": "ae"})
_AROUND = string.digits + string.punctuation + string.whitespace
_UNSHIFT = str.maketrans("!@#$%^&*()", "1234567890")


def normal(password: str) -> str:
    """Case and diacritics folded, the way the list is stored: "Hasło" -> "haslo"."""
    decomposed = unicodedata.normalize("NFKD", password.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_FOLD)


def forms(password: str) -> set[str]:
    """The forms of ``password`` looked up on the list (empty ones left out)."""
    base = normal(password)
    found = {base, base.strip(_AROUND), base.replace(" ", ""), base.translate(_UNSHIFT)}
    found.add(base.translate(_UNSHIFT).strip(_AROUND))
    return {f for f in found if f}


class SortedLines:
    """A sorted, newline-terminated list of UTF-8 lines, searched by bisection over byte offsets."""

    def __init__(self, blob: bytes) -> None:
        self._blob = blob

    def __len__(self) -> int:
        return self._blob.count(b"\n")

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = word.encode("utf-8", "surrogatepass")
        if not key or b"\n" in key:
            return False
        blob = self._blob
        lo, hi = 0, len(blob)  # both always at the start of a line (hi may be the end)
        while lo < hi:
            mid = (lo + hi) // 2
            start = blob.rfind(b"\n", 0, mid) + 1  # >= lo: the newline before lo lies before mid
            end = blob.index(b"\n", start)
            line = blob[start:end]
            if line == key:
                return True
            if line < key:
                lo = end + 1
            else:
                hi = start
        return False

    def lines(self) -> list[bytes]:
        return self._blob.splitlines()


@cache
def known() -> SortedLines:
    """The bundled list, read once per process on first use."""
    data = (files("portal.auth") / "known" / "passwords.txt.gz").read_bytes()
    return SortedLines(gzip.decompress(data))


def is_known(password: str) -> bool:
    """True when the password, or one of its ``forms``, is on the bundled list."""
    listed = known()
    return any(form in listed for form in forms(password))
