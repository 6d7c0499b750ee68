"""Which of billing's outages concern a customer, and what to call a network district (pure).

Billing files an outage (``AWARIE``) under a network district (``REJON``) and describes it in free
text (``OPIS``) that names streets ("przy ul. Łąkowej 5", "ul. Polna, Leśna i Lipowa") and sometimes
towns. Billing also codes some service points to a neighbouring district, so the district alone
misses an outage on the customer's own street. Here an outage concerns a point:

- **by street**: the text names the point's street (after a "ul."/"al."/"os."/"pl." prefix, or in a
  list that follows one) and the point's town is the one the text names, or, when it names none, a
  town of the outage's district (the towns billing's points of that district are in) or the point's
  own district;
- **by area**: the outage's district is the point's, or the text names the point's town.

Text is compared folded: case, Polish letters (ą→a, ł→l…), dots and spacing do not matter. Polish
declension is mostly out of scope: a few common endings are accepted (a feminine street name in the
genitive or locative, "Łąkowej" for "Łąkowa"; a town with a case ending, "w Zgierzu", "w Strykowie",
"w Łodzi"), but not stem changes ("Głownie" for "Głowno").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

RECENT = timedelta(days=7)  # how long a finished outage stays listed

# Words that introduce a street, square, avenue or estate (folded, without their dot), in the forms a
# dispatcher writes: "ul.", "ulica", "ulicy", "ulicach", "al.", "alei", "os.", "osiedlu", "pl.", "placu".
_PREFIXES = ("ul", "ulica", "ulicy", "ulice", "ulicach", "al", "aleja", "alei", "aleje", "alejach", "os",
             "osiedle", "osiedla", "osiedlu", "pl", "plac", "placu", "rondo", "ronda", "skwer", "skweru")
# Abbreviated titles inside street names ("ks. Skorupki", "gen. Andersa", "św. Anny"): their dot ends no sentence.
# Single letters are initials ("J. Słowackiego"), except Polish one-letter words.
_TITLES = ("ks", "gen", "sw", "im", "bp", "kard", "marsz", "prof", "dr", "plk", "por", "kpt", "mjr", "sierz", "bl",
           *"bcdefghjklmnprst")
_MARK = "\x00"  # stands where a prefix was
# Where a street of a list may start: a segment's start, or after "," "/" "-" "i" "oraz" "lub" ("Polna,
# Leśna i Lipowa oraz Wiśniowa").
_LIST_END = re.compile(r"(?:^|[,/–-]|(?<!\w)(?:i|oraz|lub))\s*$")
# Case endings a folded town word may carry ("zgierzu", "strykowie", "lodzi", "aleksandrowie lodzkim").
_TOWN_ENDINGS = ("", "a", "u", "e", "ie", "iu", "em", "m", "owi", "i", "y", "ego", "iego", "ym", "im")
_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss"})


def fold(text: str) -> str:
    """``text`` lower-cased, without diacritics (Ł as L too) and with single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def _words(text: str) -> str:
    """``fold(text)`` with every run of characters other than letters, digits and the list separators'
    punctuation made one space: what street and town names are compared as."""
    return " ".join(re.sub(r"[^\w,/–-]+", " ", fold(text)).replace("_", " ").split())


def street_key(name: str) -> str:
    """A street's name as compared: folded, without a leading prefix ("ul. Łąkowa" → "lakowa") or the
    dots of its titles ("Ks. Skorupki" → "ks skorupki")."""
    words = re.sub(r"[^\w]+", " ", fold(name)).replace("_", " ").split()
    while words and words[0] in _PREFIXES and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def town_key(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(name)).replace("_", " ").split())


def street_segments(description: str) -> list[str]:
    """The stretches of ``description`` that name streets: from each prefix ("ul.", "al.", "os.", "pl.",
    in any case and declension) to the end of its clause, folded ("lakowa 5, polna i lesna")."""
    text = fold(description)
    # A title's dot, or a prefix's, ends no clause: drop it before clauses are cut at dots.
    text = re.sub(r"\b(" + "|".join(_TITLES + _PREFIXES) + r")\.", r"\1 ", text)
    text = re.sub(r"\b(?:" + "|".join(sorted(_PREFIXES, key=len, reverse=True)) + r")\b", _MARK, text)
    segments = []
    for piece in text.split(_MARK)[1:]:
        piece = re.sub(r"^[\s:,–-]+", "", piece)  # "na ulicach: Polna, Łąkowa"
        clause = re.split(r"[.;:()\[\]!?\n]", piece, maxsplit=1)[0]
        segments.append(" ".join(re.sub(r"[^\w,/–-]+", " ", clause).replace("_", " ").split()))
    return segments


def _street_forms(key: str) -> tuple[str, ...]:
    """``key`` and its genitive/locative when its last word is a feminine adjective ("lakowa" → "lakowej")."""
    if key.endswith("a") and len(key) > 3:
        return key, key[:-1] + "ej"
    return (key,)


def names_street(segments: Sequence[str], street: str) -> bool:
    """Whether one of the ``segments`` names ``street`` (as ``street_key`` gives it) as whole words, at a
    segment's start or after a list separator ("polna" in "lakowa 5, polna i lesna")."""
    for form in _street_forms(street_key(street)):
        for segment in segments:
            for found in re.finditer(r"(?<!\w)" + re.escape(form) + r"(?!\w)", segment):
                if _LIST_END.search(segment[:found.start()]):
                    return True
    return False


def names_town(description: str, town: str) -> bool:
    """Whether ``description`` names ``town``: its words in order, each perhaps with a case ending."""
    words = town_key(town).split()
    if not words:
        return False
    endings = "|".join(sorted(_TOWN_ENDINGS, key=len, reverse=True))
    pattern = r"\s+".join(re.escape(w) + f"(?:{endings})" for w in words)
    return re.search(r"(?:^|\W)" + pattern + r"(?=$|\W)", _words(description)) is not None


# ----- what the portal shows ------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """One of the customer's service points, as matching sees it."""

    point_id: int
    street: str
    house_number: str
    town: str
    district: str


@dataclass(frozen=True)
class Outage:
    id: int
    district: str
    starts_at: datetime
    ends_at: datetime | None  # billing's expected end; None: until further notice
    description: str


@dataclass(frozen=True)
class Notice:
    """An outage as the customer sees it: ``places`` it concerns by street, whether it is in their area."""

    outage: Outage
    ongoing: bool
    ended: bool
    places: tuple[Place, ...] = ()
    nearby: bool = False

    @property
    def yours(self) -> bool:
        return bool(self.places)


@dataclass(frozen=True)
class Sections:
    """Current outages (ongoing first) on the customer's street, in their area and elsewhere; then those
    finished within ``RECENT``, the latest first."""

    yours: list[Notice] = field(default_factory=list)
    nearby: list[Notice] = field(default_factory=list)
    elsewhere: list[Notice] = field(default_factory=list)
    finished: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class RegionName:
    """What a district is called: its most common town and, where that town has several districts, the
    district's most common street not naming another of them (None when none is left)."""

    town: str
    street: str | None = None


# One count of billing's points: (district, town, street, how many points).
PointCount = tuple[str, str, str, int]


def region_towns(counts: Iterable[PointCount]) -> dict[str, frozenset[str]]:
    """The towns each district has points in (folded)."""
    found: dict[str, set[str]] = {}
    for district, town, _street, _n in counts:
        found.setdefault(district.strip(), set()).add(town_key(town))
    return {d: frozenset(t) for d, t in found.items()}


def region_names(counts: Iterable[PointCount], overrides: Mapping[str, str] | None = None
                 ) -> dict[str, RegionName]:
    """A name for every district with points: ``overrides`` (code → name, a setting) first, else its most
    common town, with its most common street where the town spreads over several districts."""
    towns: dict[str, Counter[str]] = {}
    streets: dict[tuple[str, str], Counter[str]] = {}
    for district, town, street, n in counts:
        code = district.strip()
        towns.setdefault(code, Counter())[town.strip()] += n
        streets.setdefault((code, town.strip()), Counter())[street.strip()] += n
    main = {code: _most_common(c) for code, c in towns.items()}
    shared = Counter(main.values())
    names: dict[str, RegionName] = {}
    taken: set[tuple[str, str]] = set()
    # The largest district of a shared town picks its street first; each takes a street no other has taken.
    for code, town in sorted(main.items(), key=lambda kv: (-towns[kv[0]][kv[1]], kv[0])):
        chosen: str | None = None
        if shared[town] > 1:
            free = Counter({s: n for s, n in streets[(code, town)].items() if (town, s) not in taken and s})
            if free:
                chosen = _most_common(free)
                taken.add((town, chosen))
        names[code] = RegionName(town, chosen)
    for code, name in (overrides or {}).items():
        names[code.strip()] = RegionName(name.strip())
    return names


def _most_common(counter: Counter[str]) -> str:
    """The most common key; ties go to the alphabetically first, so the name does not flicker."""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def concerns(outage: Outage, place: Place, towns_of: Mapping[str, frozenset[str]]) -> bool:
    """Whether ``outage`` names ``place``'s street in ``place``'s town (see the module's docstring)."""
    if not names_street(street_segments(outage.description), place.street):
        return False
    named = towns_named(outage, towns_of)
    if named:
        return town_key(place.town) in named
    district = outage.district.strip()
    return district == place.district.strip() or town_key(place.town) in towns_of.get(district, frozenset())


def towns_named(outage: Outage, towns_of: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The towns billing has points in that ``outage``'s text names (folded)."""
    return frozenset(t for towns in towns_of.values() for t in towns if names_town(outage.description, t))


def near(outage: Outage, place: Place) -> bool:
    """Whether ``outage`` is in ``place``'s area: its district, or its town named in the text."""
    return outage.district.strip() == place.district.strip() or names_town(outage.description, place.town)


def sections(outages: Iterable[Outage], places: Sequence[Place], towns_of: Mapping[str, frozenset[str]],
             now: datetime, recent: timedelta = RECENT) -> Sections:
    """The outages as the customer's outage page shows them (``now`` aware, as the outages' times)."""
    result = Sections()
    for outage in outages:
        ended = outage.ends_at is not None and outage.ends_at < now
        if ended and outage.ends_at is not None and outage.ends_at < now - recent:
            continue
        notice = Notice(outage, ongoing=not ended and outage.starts_at <= now, ended=ended,
                        places=tuple(p for p in places if concerns(outage, p, towns_of)),
                        nearby=any(near(outage, p) for p in places))
        if ended:
            result.finished.append(notice)
        elif notice.yours:
            result.yours.append(notice)
        elif notice.nearby:
            result.nearby.append(notice)
        else:
            result.elsewhere.append(notice)
    for current in (result.yours, result.nearby, result.elsewhere):
        # Ongoing first, the latest begun on top; then the planned, the soonest first.
        current.sort(key=lambda n: (not n.ongoing, -n.outage.starts_at.timestamp() if n.ongoing
                                    else n.outage.starts_at.timestamp(), n.outage.id))
    result.finished.sort(key=lambda n: (-(n.outage.ends_at or now).timestamp(), n.outage.id))
    return result
