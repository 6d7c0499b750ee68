"""Password fuzz inputs: fixed lengths around every limit, drawn from ASCII, Polish letters (composed and
decomposed) and emoji (multi-code-point ones included), the same on every run (seeded)."""

from __future__ import annotations

import random
import unicodedata

from portal.auth import passwords

# Where something changes: empty, too short, the minimum, zxcvbn's own limit of 72, the maximum, past it.
LENGTHS = (0, 1, 7, 8, 11, 12, 13, 63, 64, 65, 71, 72, 73, 100, 101, 127, 128, 129, 255, 256, 257, 300)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦: seven code points
FLAGS = "\U0001f1f5\U0001f1f1\U0001f1fa\U0001f1e6"  # 🇵🇱🇺🇦: pairs of regional indicators
POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ aeiouyzrwk"
ALPHABETS = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#%&*+-.:;?@_~",
    "polish": POLISH,
    "polish-decomposed": unicodedata.normalize("NFD", POLISH),  # "a" + U+0328: NFC makes it one character
    "emoji": "😀🙂💧🚰🔥✨🐟🌊🦆" + FAMILY + FLAGS + "\u2764\ufe0f",
}


def text_of(length: int, alphabet: str, seed: int = 1) -> str:
    """``length`` code points from ``alphabet``, with whole family emoji mixed in (and maybe cut at the end)."""
    rng = random.Random(f"{seed}:{length}:{alphabet}")
    chars = list(alphabet)
    out: list[str] = []
    while len(out) < length:
        out.extend(rng.choice(chars) if rng.random() < 0.8 else FAMILY)
    text = "".join(out[:length])
    return "x" + text[1:] if text[:1].isspace() else text  # a form takes blank input as none


def inputs() -> list[tuple[str, str]]:
    """(name, password) for every length and alphabet."""
    return [(f"{name}-{length}", text_of(length, alphabet)) for name, alphabet in ALPHABETS.items()
            for length in LENGTHS]


def verdict(password: str) -> str:
    """What a new-password form must say by length alone: "empty", "too_short", "too_long", else "judged"."""
    size = len(passwords.normalize(password))
    if not password:
        return "empty"
    if size < passwords.MIN_CHARS:
        return "too_short"
    return "too_long" if size > passwords.MAX_CHARS else "judged"


MESSAGES = {  # (Polish, English) of each verdict that a form shows
    "empty": ("Podaj", "Enter"),
    "too_short": ("Hasło musi mieć co najmniej 12 znaków.", "The password must have at least 12 characters."),
    "too_long": ("Hasło może mieć najwyżej 256 znaków.", "The password may have at most 256 characters."),
}
