"""Where a submission is on its way, as its customer sees it: waiting, sent, accepted, rejected (with
billing's reason), or the case's progress for a message. Pure: from the row the store returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.submissions.messages import text

FINAL = ("accepted", "rejected", "closed", "cancelled")


@dataclass(frozen=True)
class Status:
    code: str  # waiting | delayed | sent | accepted | rejected | registered | in_progress | closed | cancelled
    reason: str | None = None  # billing's reason for a rejection, or its remark on an accepted reading
    case_number: str | None = None
    answer: str | None = None  # the office's answer to a message

    @property
    def final(self) -> bool:
        return self.code in FINAL

    def label(self, locale: str = "pl") -> str:
        return text(f"status_{self.code}", locale)


def status_of(row: Mapping[str, Any]) -> Status:
    delivery, reply = row["delivery"], row.get("reply_status")
    if delivery == "cancelled":
        return Status("cancelled")
    if reply is not None and reply != "new":
        return Status(reply, row.get("note"), row.get("case_number"), row.get("answer"))
    if reply == "new" or delivery == "sent":
        return Status("sent")
    return Status("delayed" if delivery == "dead" else "waiting")
