"""The forms of the administrators' content pages: an announcement, a form to download (or its new
file), a version of the terms of service. Flask-WTF: each carries a CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from adapters.store.content import downloads as forms
from config.clock import utcnow
from portal import context
from portal.i18n import lazy_gettext as _l

EVERYONE = "*"  # the audience choice "every customer", beside the districts
TEXT_MAX = 4000
LOCAL_MINUTE = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # what <input type="datetime-local"> sends


def _zone() -> ZoneInfo:
    """Staff type times in billing's time zone (Polish time), whatever the server's is."""
    return ZoneInfo(context.settings().billing.timezone)


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoticeForm(FlaskForm):
    """An announcement; ``audience`` gets its choices (EVERYONE and the districts) from the view."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice("outage", _l("Outage")),
                                               SelectChoice("info", _l("Information"))])
    title_pl = StringField(_l("Title in Polish"), validators=[
        DataRequired(_l("Give the title in Polish.")), Length(max=200, message=_l("At most 200 characters."))])
    body_pl = TextAreaField(_l("Text in Polish"), validators=[
        DataRequired(_l("Give the text in Polish.")), Length(max=TEXT_MAX, message=_l("At most 4000 characters."))])
    title_en = StringField(_l("Title in English (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    body_en = TextAreaField(_l("Text in English (optional)"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("At most 4000 characters."))])
    valid_from = DateTimeLocalField(_l("Valid from"), format=LOCAL_MINUTE, tz=_zone, validators=[
        InputRequired(_l("Give the day and hour the announcement starts."))])
    valid_until = DateTimeLocalField(_l("Valid until"), format=LOCAL_MINUTE, tz=_zone, validators=[
        InputRequired(_l("Give the day and hour the announcement ends."))])
    audience = Checkboxes(_l("For whom"), validate_choice=False)  # checked below, with a sentence

    def set_districts(self, districts: Sequence[str]) -> None:
        self.audience.choices = [SelectChoice(EVERYONE, _l("Every customer"))] + [
            SelectChoice(d, _l("District %(district)s", district=d)) for d in districts]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.valid_from.data, self.valid_until.data
        if start is not None and end is not None and end <= start:
            self.valid_until.errors.append(_l("The end must come after the start."))
            valid = False
        elif end is not None and end <= (utcnow() if end.tzinfo else utcnow().astimezone().replace(tzinfo=None)):
            self.valid_until.errors.append(_l("The end has passed already: give a later one."))
            valid = False
        if bool((self.title_en.data or "").strip()) != bool((self.body_en.data or "").strip()):
            self.body_en.errors.append(_l("Give both the English title and text, or neither."))
            valid = False
        chosen = set(self.audience.data or [])
        known = {choice.value for choice in self.audience.choices or []}
        if not chosen:
            self.audience.errors.append(_l("Choose the districts, or every customer."))
            valid = False
        elif EVERYONE in chosen and len(chosen) > 1:
            self.audience.errors.append(_l("Choose either every customer or districts, not both."))
            valid = False
        elif not chosen <= known:
            self.audience.errors.append(_l("Choose districts from the list: there is no service point in the"
                                           " others."))
            valid = False
        return valid

    def targets(self) -> list[str]:
        """The districts chosen; empty: every customer."""
        return [d for d in self.audience.data or [] if d != EVERYONE]


def _upload(label: Any) -> FileField:
    return FileField(label, validators=[
        FileRequired(_l("Choose the file to upload.")),
        FileAllowed(["pdf", "odt", "docx"], _l("A form must be a PDF, ODT or DOCX file.")),
        FileSize(max_size=forms.MAX_SIZE, message=_l(
            "The file is larger than 10 MB: make it smaller, e.g. with fewer or smaller images."))])


class FormUploadForm(FlaskForm):
    """A new form to download; its address (slug) is new, its titles in both languages."""

    file = _upload(_l("File (PDF, ODT or DOCX, at most 10 MB)"))
    slug = StringField(_l("Address: /forms/…"), validators=[
        DataRequired(_l("Give the form's address.")), Length(max=60, message=_l("At most 60 characters.")),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", message=_l(
            "Use lower-case letters without Polish characters, digits and single hyphens, e.g."
            " warunki-techniczne."))])
    title_pl = StringField(_l("Title in Polish"), validators=[
        DataRequired(_l("Give the title in Polish.")), Length(max=200, message=_l("At most 200 characters."))])
    title_en = StringField(_l("Title in English"), validators=[
        DataRequired(_l("Give the title in English.")), Length(max=200, message=_l("At most 200 characters."))])
    description_pl = TextAreaField(_l("Description in Polish (optional)"), validators=[Optional()])
    description_en = TextAreaField(_l("Description in English (optional)"), validators=[Optional()])
    category = SelectField(_l("Category"), choices=[SelectChoice(c) for c in forms.CATEGORIES])  # labelled by the view

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if bool((self.description_pl.data or "").strip()) != bool((self.description_en.data or "").strip()):
            self.description_en.errors.append(_l("Give the description in both languages, or in neither."))
            valid = False
        return valid


class NewVersionForm(FlaskForm):
    """A new file for a form already published (the same address and titles)."""

    file = _upload(_l("New file (PDF, ODT or DOCX, at most 10 MB)"))


class TermsForm(FlaskForm):
    """A new version of the terms of service: in force at once, accepted by customers at their next login."""

    version = StringField(_l("Version"), validators=[
        DataRequired(_l("Give the version's name, e.g. 2026-12.")),
        Length(max=20, message=_l("At most 20 characters.")),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", message=_l("Use letters, digits, dots and hyphens, e.g. 2026-12."))])
    body_pl = TextAreaField(_l("Text in Polish (paragraphs separated by a blank line)"), validators=[
        DataRequired(_l("Give the text in Polish."))])
    body_en = TextAreaField(_l("Text in English (paragraphs separated by a blank line)"), validators=[
        DataRequired(_l("Give the text in English."))])
