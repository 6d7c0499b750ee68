"""Whether any of the utility's announcements is valid now, known without a query on most requests:
each process keeps the periods of those not ended for ANNOUNCED_TTL_S (as ``context.fresh_at`` does),
so the dashboard asks the store for a customer's announcements only while one is valid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.store.content import announcements
from portal import context
from portal.i18n import request_locale

ANNOUNCED_TTL_S = 10.0  # another process's publishing shows within this; the publishing one's at once


def any_valid(now: datetime) -> bool:
    windows = context.per_process("announced", ANNOUNCED_TTL_S, lambda conn: announcements.windows(conn, now))
    return any(start <= now < end for start, end in windows)


def forget() -> None:
    """After publishing or withdrawing: this process reads the periods again at its next page."""
    context.forget("announced")


def shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each announcement with ``title`` and ``paragraphs`` in the page's language (Polish when the
    English text was left out)."""
    english = request_locale() == "en"
    return [{**r, "title": (r["title_en"] if english and r["title_en"] else r["title_pl"]),
             "paragraphs": [p.strip() for p in (r["body_en"] if english and r["body_en"] else r["body_pl"])
                            .split("\n\n") if p.strip()]} for r in rows]
