"""The one place a request may be larger than the app's MAX_CONTENT_LENGTH (2 MB): an administrator's
upload of a form's file (up to ``forms.MAX_SIZE``, 10 MB)."""

from __future__ import annotations

from flask import request, session

from adapters.store.content import downloads as forms

# A form may have forms.MAX_SIZE; its request a little more (the other fields, the multipart framing).
UPLOAD_LIMIT = forms.MAX_SIZE + 1024 * 1024
UPLOADS = frozenset({"admin.form_upload", "admin.form_replace"})


def allow_uploads() -> None:
    """Before every request, installed ahead of the CSRF check (which reads the body): a staff session
    posting a form's file may send UPLOAD_LIMIT; every other request keeps MAX_CONTENT_LENGTH, so no
    anonymous or customer request makes the portal read more than 2 MB. The role is checked by the view."""
    if request.endpoint in UPLOADS and session.get("admin_id") is not None:
        request.max_content_length = UPLOAD_LIMIT
