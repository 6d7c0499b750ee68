"""The forms of logging in and changing a password (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import PasswordInput

from portal.auth import passwords
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from sync.formats import read_amount
from sync.submissions.rules import check_email


class LoginForm(FlaskForm):
    # "email" by name (password managers and links know it), an e-mail address or a customer number by value.
    email = StringField(_l("E-mail address or customer number"),
                        validators=[DataRequired(_l("Enter your e-mail address or customer number.")),
                                    Length(max=254)],
                        description=_l("The customer number is printed on every invoice, e.g. 012345 or klient12345."),
                        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password."))],
                        render_kw={"autocomplete": "new-password", "minlength": "12"})


class AmountField(StringField):
    """An amount in złoty as people type it: "123,45", "123.45", "1 234,50 zł", "1.234,50", "1,234.50"
    (``sync.formats.read_amount``)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.raw = (valuelist[0] if valuelist else "").strip()
        if not self.raw:
            return
        value = read_amount(self.raw[:60])
        if value is None or value <= 0 or value > Decimal("9999999999.99"):
            raise ValueError(_l("Enter the amount as on the invoice, e.g. 123,45."))
        self.data = value

    def _value(self) -> str:
        """What the person typed, shown again as typed (not as the number read from it)."""
        return getattr(self, "raw", None) or ""


class ProofForm(FlaskForm):
    """A customer number and one of its last three invoices: the proof that the account is yours."""

    customer_number = StringField(_l("Customer number"), validators=[
        DataRequired(_l("Enter your customer number.")), Length(max=20)],
        description=_l("Printed on every invoice as the buyer's number (NABYWCA)."))
    invoice_number = StringField(_l("Invoice number"), validators=[Length(max=30)],
                                 description=_l("One of your last three invoices."))
    invoice_gross = AmountField(_l("Gross amount of that invoice (zł)"))

    def validate_invoice_number(self, field: StringField) -> None:
        if not getattr(self, "no_invoice", None) or not self.no_invoice.data:
            if not (field.data or "").strip():
                raise ValidationError(_l("Enter the number of one of your last three invoices."))

    def validate_invoice_gross(self, field: AmountField) -> None:
        if (not getattr(self, "no_invoice", None) or not self.no_invoice.data) and field.data is None \
                and not field.errors:
            raise ValidationError(_l("Enter the gross amount of that invoice."))


class RegisterForm(ProofForm):
    no_invoice = BooleanField(_l("I am a new customer and have no invoice yet (the utility's office will check"
                                 " my request)"))
    name = StringField(_l("First and last name"), validators=[DataRequired(_l("Enter your name.")),
                                                              Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                         Length(max=80)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    # Shown again when the form comes back for another field's sake (the view blanks a refused one).
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password."))],
                             widget=PasswordInput(hide_value=False),
                             description=_l("At least 12 characters. Any letters, digits, spaces: a few words you"
                                            " will remember are best."),
                             render_kw={"autocomplete": "new-password"})
    def validate_email(self, field: EmailField) -> None:
        if check_email(field.data or "", None):  # the address must be one billing takes too
            raise ValidationError(_l("Enter a valid e-mail address, e.g. jan.kowalski@example.pl."))

    accept_terms = BooleanField(_l("I accept the terms of service"), validators=[
        DataRequired(_l("You must accept the terms of service to register."))])


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                         Length(max=254)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})


class NewPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password."))],
                        description=_l("At least 12 characters. Any letters, digits, spaces: a few words you will"
                                       " remember are best."),
                        render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """Confirming is a POST (a link's GET changes nothing: mail scanners open links too)."""


_PASSWORD_PROBLEMS = {
    "too_short": lambda: _("The password must have at least %(n)d characters.", n=passwords.MIN_CHARS),
    "too_long": lambda: _("The password may have at most %(n)d characters.", n=passwords.MAX_CHARS),
    "known": lambda: _("This password is on a list of passwords known from data leaks or used by many people,"
                       " which attackers try first. A few words you will remember, with spaces, make a good one."),
    "too_common": lambda: _("This password is too common or too easy to guess. A few words you will remember,"
                            " with spaces, make a good one."),
}


def password_problem_text(problem: str) -> str:
    """What ``passwords.problem`` found, in the page's language."""
    return _PASSWORD_PROBLEMS[problem]()
