"""Named points where a test may kill this process outright, to prove that nothing is lost or doubled.

``IBOK_FAILPOINTS="outbox.after_insert=3"`` sends SIGKILL to the process the third time the relay
passes ``outbox.after_insert``; several points are separated by commas. Unset (as in production),
``hit`` costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

_ENV = "IBOK_FAILPOINTS"
_passes: Counter[str] = Counter()
_lock = threading.Lock()


def _armed() -> dict[str, int]:
    spec = os.environ.get(_ENV, "")
    armed = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = part.partition("=")
        armed[name.strip()] = int(count or 1)
    return armed


def hit(name: str) -> None:
    """Pass the point ``name``; SIGKILL this process if a test armed it for this pass."""
    if _ENV not in os.environ:
        return
    at = _armed().get(name)
    if at is None:
        return
    with _lock:
        _passes[name] += 1
        if _passes[name] == at:
            os.kill(os.getpid(), signal.SIGKILL)
