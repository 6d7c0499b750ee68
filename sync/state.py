"""A stream's state (its bookmark), typed, and the JSON the store keeps of it.

The JSON is what the store holds today and must go on reading: billing's stamps as ISO text,
local and without a zone (``sync.windows.as_text``), this host's instants as ``isoformat()``;
a key is absent when its part of the state is (no window being read, no scan under way, no row
ahead). Where a null means something of its own, presence is kept apart from the value: a
``"cursor": null`` (the table was empty when first read: the next window starts at the first
stamp) is not an absent cursor (never read: a full scan comes first), and an append stream's
``"after": null`` (nothing was there yet) is not an absent one (never run).

- cursor streams: ``{"cursor", "read_at"}`` between runs, with ``"window"`` while a window is
  read, ``"scan"`` while a full scan is under way, ``"ahead"`` while rows are stamped past
  billing's clock;
- append streams: ``{"after"}``;
- scan streams: ``{"scanned": true}`` once scanned, ``{"scan"}`` while a scan is under way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.ports import Position
from sync.windows import as_text, from_text


def _instant_text(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Checkpoint:
    """How far a cursor stream is mirrored: every change stamped up to ``cursor``."""

    cursor: datetime | None  # billing's stamp; None: the table was empty, the next window reads from the start
    read_at: datetime | None  # when the window (or scan) that got there began, UTC; None in older states


@dataclass(frozen=True)
class Appended:
    """How far an append stream is mirrored: every row up to the key ``after`` (None: there was none)."""

    after: int | None


@dataclass(frozen=True)
class Window:
    """A cursor window being read: the rows stamped in [lower, upper] in (stamp, key) order, of which
    those up to ``after`` are committed."""

    lower: datetime | None  # None: from the first stamp
    upper: datetime  # the signpost when the window began
    read_at: datetime | None  # when it began, UTC (the next window's overlap counts back from it)
    ahead: bool  # rows were stamped past billing's clock when it began
    after: Position | None = None  # the (stamp, key) the last committed batch ended at

    def to_json(self) -> dict[str, Any]:
        return {"lower": as_text(self.lower), "upper": as_text(self.upper),
                "after": None if self.after is None else [as_text(self.after[0]), self.after[1]],
                "read_at": _instant_text(self.read_at), "ahead": self.ahead}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Window:
        after = data["after"]
        return cls(from_text(data["lower"]), _stamp(data["upper"]), _instant(data.get("read_at")),
                   bool(data.get("ahead")), (_stamp(after[0]), after[1]) if after else None)


@dataclass(frozen=True)
class Scan:
    """A full scan under way, in key order; the rows up to the key ``after`` are committed."""

    signpost: datetime | None  # cursor streams: the newest stamp when it began, where the cursor goes after
    read_at: datetime | None  # when it began, UTC
    after: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"after": self.after, "signpost": as_text(self.signpost), "read_at": _instant_text(self.read_at)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scan:
        return cls(from_text(data["signpost"]), _instant(data.get("read_at")), data["after"])


@dataclass(frozen=True)
class StreamState:
    """One stream's state; ``StreamState()`` is a stream never run (the store holds ``{}``)."""

    checkpoint: Checkpoint | None = None  # "cursor" and "read_at"
    appended: Appended | None = None  # "after"
    scanned: bool = False  # "scanned": a scan stream was scanned whole
    window: Window | None = None
    scan: Scan | None = None
    ahead: int = 0  # rows stamped past billing's clock when last looked for

    @property
    def empty(self) -> bool:
        return self == StreamState()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.checkpoint is not None:
            data["cursor"] = as_text(self.checkpoint.cursor)
            data["read_at"] = _instant_text(self.checkpoint.read_at)
        if self.appended is not None:
            data["after"] = self.appended.after
        if self.scanned:
            data["scanned"] = True
        if self.window is not None:
            data["window"] = self.window.to_json()
        if self.scan is not None:
            data["scan"] = self.scan.to_json()
        if self.ahead:
            data["ahead"] = self.ahead
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StreamState:
        window, scan = data.get("window"), data.get("scan")
        return cls(
            checkpoint=Checkpoint(from_text(data["cursor"]), _instant(data.get("read_at"))) if "cursor" in data
            else None,
            appended=Appended(data["after"]) if "after" in data else None,
            scanned=bool(data.get("scanned")),
            window=None if window is None else Window.from_json(window),
            scan=None if scan is None else Scan.from_json(scan),
            ahead=data.get("ahead", 0))
