"""The admin area's forms (Flask-WTF: every one carries a CSRF token); login and password forms are the
customer portal's own (``portal.auth.forms``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.i18n import lazy_gettext as _l


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the authenticator app"),
                       validators=[DataRequired(_l("Enter the 6-digit code.")), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"})


class RejectForm(FlaskForm):
    """Rejecting a registration: the reason is required (it is e-mailed to the person)."""

    reason = TextAreaField(_l("Reason (sent to the customer)"),
                           validators=[DataRequired(_l("Give the reason: the customer is told it.")),
                                       Length(max=400, message=_l("At most 400 characters."))])
