"""What customers read about their submissions, in Polish (first) and English.

``text(code, locale, **params)`` formats dates and quantities the way each language writes them.
Codes are the ``Problem`` codes of ``rules`` and the status codes of ``status``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

LOCALES = ("pl", "en")

CATALOG: dict[str, tuple[str, str]] = {
    # ----- readings
    "readings_required": ("Podaj odczyt co najmniej jednego wodomierza.", "Enter a reading for at least one meter."),
    "meter_not_yours": ("Wodomierz {meter} nie należy do Twojego konta.",
                        "Meter {meter} does not belong to your account."),
    "meter_twice": ("Wodomierz {meter} występuje w formularzu dwa razy.", "Meter {meter} appears twice in the form."),
    "meter_dismounted": ("Wodomierz {meter} został zdemontowany {date}: nie można podać jego odczytu.",
                         "Meter {meter} was removed on {date}: it cannot take a reading."),
    "meters_different_points": ("Razem można podać odczyty wodomierzy jednego punktu poboru.",
                                "Readings submitted together must be for meters of one service point."),
    "value_required": ("Podaj stan wodomierza {meter}.", "Enter the reading of meter {meter}."),
    "value_not_number": ("Stan wodomierza {meter} musi być liczbą, np. 123,456.",
                         "The reading of meter {meter} must be a number, e.g. 123.456."),
    "value_negative": ("Stan wodomierza {meter} nie może być ujemny.",
                       "The reading of meter {meter} cannot be negative."),
    "value_precision": ("Stan wodomierza {meter} może mieć najwyżej trzy miejsca po przecinku (litry).",
                        "The reading of meter {meter} may have at most three decimal places (litres)."),
    "value_too_large": ("Stan wodomierza {meter} jest za duży.", "The reading of meter {meter} is too large."),
    "value_below_last": ("Stan {meter} nie może być niższy niż ostatni odczyt: {last} m³ z dnia {date}.",
                         "The reading of {meter} cannot be lower than the last one: {last} m³ on {date}."),
    "date_future": ("Data odczytu {meter} nie może być datą przyszłą.",
                    "The date of the reading of {meter} cannot be in the future."),
    "date_before_last": ("Data odczytu {meter} nie może być wcześniejsza niż ostatni odczyt z dnia {date}.",
                         "The date of the reading of {meter} cannot be before the last reading on {date}."),
    "date_before_mounting": ("Data odczytu {meter} nie może być wcześniejsza niż montaż wodomierza ({date}).",
                             "The date of the reading of {meter} cannot be before the meter was mounted ({date})."),
    "unusual_high": ("Zużycie wynikające ze stanu {value} m³ wodomierza {meter} jest ponad trzy razy większe niż"
                     " zwykle. Sprawdź odczyt. Jeśli jest poprawny, potwierdź go: wodociągi zlecą odczyt"
                     " kontrolny.",
                     "The consumption implied by {value} m³ on meter {meter} is more than three times the usual."
                     " Check the reading. If it is correct, confirm it: the utility will send a meter reader to"
                     " check it."),
    "unusual_zero": ("Stan {value} m³ wodomierza {meter} oznacza zerowe zużycie, a ten wodomierz zawsze się"
                     " obracał. Sprawdź odczyt. Jeśli jest poprawny, potwierdź go: wodociągi zlecą odczyt"
                     " kontrolny.",
                     "{value} m³ on meter {meter} means no consumption at all, which this meter never showed."
                     " Check the reading. If it is correct, confirm it: the utility will send a meter reader to"
                     " check it."),
    # ----- messages
    "category_unknown": ("Wybierz rodzaj zgłoszenia.", "Choose the kind of message."),
    "subject_required": ("Podaj temat.", "Enter a subject."),
    "subject_length": ("Temat musi mieć od {min} do {max} znaków (ma {length}).",
                       "The subject must have {min} to {max} characters (it has {length})."),
    "body_required": ("Wpisz treść zgłoszenia.", "Enter the message."),
    "body_length": ("Treść musi mieć od {min} do {max} znaków (ma {length}).",
                    "The message must have {min} to {max} characters (it has {length})."),
    "text_characters": ("System wodociągów nie przyjmie tych znaków: {characters}. Usuń je lub zastąp innymi.",
                        "The utility's system cannot take these characters: {characters}. Remove or replace them."),
    "text_control": ("Tekst zawiera niedozwolone znaki sterujące.", "The text contains control characters."),
    # ----- data changes
    "email_required": ("Podaj adres e-mail.", "Enter an e-mail address."),
    "email_invalid": ("To nie jest poprawny adres e-mail (np. jan.kowalski@example.pl, do 80 znaków).",
                      "This is not a valid e-mail address (e.g. jan.kowalski@example.com, up to 80 characters)."),
    "email_unchanged": ("To jest już Twój adres e-mail w wodociągach.", "This is already your e-mail address."),
    "phone_required": ("Podaj numer telefonu.", "Enter a phone number."),
    "phone_invalid": ("To nie jest poprawny numer telefonu (co najmniej 9 cyfr, np. +48 600 100 200).",
                      "This is not a valid phone number (at least 9 digits, e.g. +48 600 100 200)."),
    "phone_unchanged": ("To jest już Twój numer telefonu w wodociągach.", "This is already your phone number."),
    "e_invoice_unchanged": ("Ta zgoda na e-fakturę jest już zapisana.", "This e-invoice choice is already recorded."),
    "customer_unknown": ("Nie ma takiego konta odbiorcy.", "There is no such customer account."),
    # ----- outcome
    "already_submitted": ("Ten formularz został już wysłany: nic nie zostało zdublowane.",
                          "This form was already submitted: nothing was sent twice."),
    # ----- status of a submission (what the customer sees on its way)
    "status_waiting": ("oczekuje na wysłanie", "waiting to be sent"),
    "status_delayed": ("wysyłka opóźniona: obsługa została powiadomiona", "delayed: our staff have been notified"),
    "status_sent": ("wysłane do wodociągów", "sent to the utility"),
    "status_accepted": ("przyjęte", "accepted"),
    "status_rejected": ("odrzucone", "rejected"),
    "status_registered": ("zarejestrowane jako sprawa", "registered as a case"),
    "status_in_progress": ("w realizacji", "in progress"),
    "status_closed": ("zakończone", "closed"),
    "status_cancelled": ("anulowane", "cancelled"),
}


def _format(value: object, english: bool) -> str:
    if isinstance(value, date):
        return value.isoformat() if english else value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        shown = f"{value:.3f}"
        return shown if english else shown.replace(".", ",")
    return str(value)


def text(code: str, locale: str = "pl", **params: object) -> str:
    """The message for ``code`` in ``locale`` (Polish for any language we do not have)."""
    polish, english = CATALOG[code]
    in_english = locale == "en"
    return (english if in_english else polish).format(**{k: _format(v, in_english) for k, v in params.items()})
