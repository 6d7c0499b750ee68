"""The use cases of what the utility publishes: the terms of service, announcements, forms to download.
Each takes the unit of work it runs in; done by an administrator (``by``), the change is audited
with it there. `ibok portal terms|form` call them with no administrator: not audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.store.content import announcements, terms
from adapters.store.content import downloads as forms
from adapters.store.unit_of_work import UnitOfWork
from portal.admin.audit import actor_of, record


def publish_terms(uow: UnitOfWork, version: str, body_pl: str, body_en: str, *,
                  by: dict[str, Any] | None = None) -> bool:
    """A version of the terms in force at once: True; False when a version of that name exists (nothing written)."""
    with uow:
        if terms.exists(uow.conn, version):
            return False
        terms.publish(uow.conn, version, body_pl, body_en)
        if by is not None:
            record(uow.conn, "terms.publish", f"terms:{version}", admin=by)
    return True


def publish_notice(uow: UnitOfWork, by: dict[str, Any], *, kind: str, title_pl: str, body_pl: str,
                   title_en: str | None, body_en: str | None, valid_from: datetime, valid_until: datetime,
                   targets: Sequence[str]) -> int:
    """An announcement for everyone (``targets`` empty) or for districts: its id."""
    with uow:
        new_id = announcements.publish(
            uow.conn, kind=kind, title_pl=title_pl, body_pl=body_pl, title_en=title_en, body_en=body_en,
            valid_from=valid_from, valid_until=valid_until, targets=targets, published_by=actor_of(by))
        record(uow.conn, "notice.publish", f"announcement:{new_id}",
               f"{kind}; " + (f"districts: {', '.join(targets)}" if targets else "everyone"), admin=by)
    return new_id


def withdraw_notice(uow: UnitOfWork, by: dict[str, Any], announcement_id: int) -> str:
    """"withdrawn" (audited unless it was withdrawn already), or "missing"."""
    with uow:
        if announcements.get(uow.conn, announcement_id) is None:
            return "missing"
        if announcements.withdraw(uow.conn, announcement_id):
            record(uow.conn, "notice.withdraw", f"announcement:{announcement_id}", admin=by)
    return "withdrawn"


def publish_form(uow: UnitOfWork, *, filename: str, content: bytes, by: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
    """Offer a file as the form ``fields["slug"]`` (its new version when the slug is in use): the form as
    listed. ``forms.FormRejected`` when the store refuses it (nothing written)."""
    with uow:
        done = forms.publish(uow.conn, filename=filename, content=content, **fields)
        if by is not None:
            record(uow.conn, "form.new_version" if done["replaced"] else "form.publish", f"form:{fields['slug']}",
                   f"{forms.KIND_OF[done['media_type']]}, {done['size']} bytes, sha256 {done['sha256'][:12]}",
                   admin=by)
    return done


def withdraw_form(uow: UnitOfWork, slug: str, *, by: dict[str, Any] | None = None) -> bool:
    """Stop offering the form ``slug``: True; False when it was not offered (nothing written)."""
    with uow:
        if not forms.withdraw(uow.conn, slug):
            return False
        if by is not None:
            record(uow.conn, "form.withdraw", f"form:{slug}", admin=by)
    return True
