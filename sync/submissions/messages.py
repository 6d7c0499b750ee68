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
    "value_required": ("Podaj stan wodomierza {meter}.", "Enter the reading of meter {meter}."),
    "value_not_number": ("Stan wodomierza {meter} musi być liczbą, np. 123,456.",
                         "The reading of meter {meter} must be a number, e.g. 123.456."),
    "value_digits": ("Stan wodomierza {meter} wpisz cyframi 0–9 (inne znaki cyfr, np. ٦ albo ６ albo ², nie są"
                     " przyjmowane).",
                     "Type the reading of meter {meter} with the digits 0–9 (other scripts' digits, such as ٦, ６"
                     " or ², are not accepted)."),
    "value_negative": ("Stan wodomierza {meter} nie może być ujemny.",
                       "The reading of meter {meter} cannot be negative."),
    "value_precision": ("Stan wodomierza {meter} może mieć najwyżej trzy miejsca po przecinku (litry).",
                        "The reading of meter {meter} may have at most three decimal places (litres)."),
    "value_too_large": ("Stan wodomierza {meter} jest za duży.", "The reading of meter {meter} is too large."),
    "value_below_last": ("Stan {value} m³ jest niższy niż ostatni odczyt wodomierza {meter}: {last} m³ z dnia"
                         " {date} ({source}). Wodociągi nie przyjmą niższego stanu. Sprawdź, czy przepisujesz"
                         " czarne cyfry właściwego wodomierza. Jeśli wodomierz naprawdę pokazuje mniej, napisz"
                         " do biura obsługi klienta.",
                         "{value} m³ is lower than the last reading of meter {meter}: {last} m³ on {date}"
                         " ({source}). The utility does not accept a lower reading. Check that you copy the"
                         " black digits of the right meter. If the meter really shows less, write to the"
                         " customer office."),
    "value_below_own": ("Stan {value} m³ jest niższy niż Twój odczyt wodomierza {meter} z dnia {date}: {last} m³,"
                        " który czeka jeszcze na wysłanie. Jeśli tamten był błędny, zaznacz „Zastąp go”,"
                        " a wyślemy tylko nowy.",
                        "{value} m³ is lower than your reading of meter {meter} on {date}: {last} m³, which is"
                        " still waiting to be sent. If that one was wrong, tick “Replace it” and only the new"
                        " one will be sent."),
    "value_below_sent": ("Stan {value} m³ jest niższy niż Twój odczyt wodomierza {meter} z dnia {date}: {last} m³,"
                         " który został już przekazany do wodociągów i nie można go zmienić przez internet."
                         " Napisz do biura obsługi klienta: przygotowaliśmy wiadomość z oboma stanami.",
                         "{value} m³ is lower than your reading of meter {meter} on {date}: {last} m³, which"
                         " has already been passed to the utility and can no longer be changed online. Write to"
                         " the customer office: we have prepared a message with both readings."),
    "correction_too_late": ("Twój odczyt wodomierza {meter} z dnia {date} ({last} m³) został właśnie przekazany do"
                            " wodociągów i nie można go już zmienić przez internet. Nic nie zostało wysłane"
                            " ponownie. Napisz do biura obsługi klienta: przygotowaliśmy wiadomość z oboma"
                            " stanami.",
                            "Your reading of meter {meter} on {date} ({last} m³) has just been passed to the"
                            " utility and can no longer be changed online. Nothing else was sent. Write to the"
                            " customer office: we have prepared a message with both readings."),
    "date_future": ("Data odczytu {meter} nie może być datą przyszłą.",
                    "The date of the reading of {meter} cannot be in the future."),
    "date_before_last": ("Data odczytu {meter} nie może być wcześniejsza niż ostatni odczyt z dnia {date}"
                         " ({source}).",
                         "The date of the reading of {meter} cannot be before the last reading on {date}"
                         " ({source})."),
    "date_before_mounting": ("Data odczytu {meter} nie może być wcześniejsza niż montaż wodomierza ({date}).",
                             "The date of the reading of {meter} cannot be before the meter was mounted ({date})."),
    "unusual_high": ("Stan {value} m³ wodomierza {meter} oznacza zużycie {consumption} m³ w {days} dni od {date},"
                     " ponad trzy razy więcej niż zwykle zużywa ten wodomierz. Sprawdź odczyt. Jeśli jest"
                     " poprawny, potwierdź go: wodociągi zlecą odczyt kontrolny.",
                     "{value} m³ on meter {meter} means {consumption} m³ in {days} days since {date}, more than"
                     " three times what this meter usually uses. Check the reading. If it is correct, confirm"
                     " it: the utility will send a meter reader to check it."),
    "unusual_high_household": ("Stan {value} m³ wodomierza {meter} oznacza zużycie {consumption} m³ w {days} dni"
                               " od {date}, ponad trzy razy więcej niż zużywa przeciętne gospodarstwo domowe."
                               " Sprawdź odczyt. Jeśli jest poprawny, potwierdź go: wodociągi zlecą odczyt"
                               " kontrolny.",
                               "{value} m³ on meter {meter} means {consumption} m³ in {days} days since {date},"
                               " more than three times what an average household uses. Check the reading. If it"
                               " is correct, confirm it: the utility will send a meter reader to check it."),
    "unusual_zero": ("Stan {value} m³ wodomierza {meter} oznacza zerowe zużycie od {date}, a ten wodomierz"
                     " zawsze się obracał. Sprawdź odczyt. Jeśli jest poprawny, potwierdź go: wodociągi zlecą"
                     " odczyt kontrolny.",
                     "{value} m³ on meter {meter} means no consumption at all since {date}, which this meter"
                     " never showed. Check the reading. If it is correct, confirm it: the utility will send a"
                     " meter reader to check it."),
    "withdraw_too_late": ("Ten odczyt został już przekazany do wodociągów (albo jest właśnie przekazywany) i nie"
                          " można go wycofać przez internet. Napisz do biura obsługi klienta.",
                          "This reading has already been passed to the utility (or is being passed right now) and"
                          " can no longer be withdrawn online. Write to the customer office."),
    "submission_unknown": ("Nie ma takiego odczytu na Twoim koncie.", "There is no such reading on your account."),
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
    # ----- a message to the office about a reading that can no longer be changed online
    "correction_subject": ("Korekta odczytu wodomierza {meter}", "Correction of the reading of meter {meter}"),
    "correction_body_sent": ("Wodomierz {meter}, {address}.\nPodałem(-am) przez iBOK stan {last} m3 z dnia {date},"
                             " który jest błędny. Prawidłowy stan to {value} m3 z dnia {on}.\nProszę o korektę"
                             " odczytu.",
                             "Meter {meter}, {address}.\nI sent the reading {last} m3 on {date} through iBOK, and"
                             " it is wrong. The right reading is {value} m3 on {on}.\nPlease correct it."),
    "correction_body_last": ("Wodomierz {meter}, {address}.\nWodomierz pokazuje {value} m3 (dnia {on}), mniej"
                             " niż ostatni odczyt {last} m3 z dnia {date} ({source}).\nProszę o sprawdzenie"
                             " odczytów.",
                             "Meter {meter}, {address}.\nThe meter shows {value} m3 (on {on}), less than the last"
                             " reading {last} m3 on {date} ({source}).\nPlease check the readings."),
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


# Where a reading came from, as the customer reads it (billing's ZRODLO, and iBOK's own words).
SOURCES: dict[str, tuple[str, str]] = {
    "reader": ("odczyt inkasenta", "read by the utility's meter reader"),
    "customer": ("odczyt podany przez odbiorcę", "a reading given by the customer"),
    "estimate": ("szacunek wodociągów", "the utility's estimate"),
    "remote": ("odczyt radiowy", "a remote (radio) reading"),
    "exchange": ("odczyt przy wymianie wodomierza", "read when the meter was exchanged"),
    "submitted": ("Twój odczyt z iBOK", "your reading sent through iBOK"),
    "mounted": ("montaż wodomierza", "the meter's mounting"),
}


def source_label(source: str, locale: str = "pl") -> str:
    polish, english = SOURCES.get(source, (source, source))
    return english if locale == "en" else polish


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
    shown = {k: source_label(str(v), "en" if in_english else "pl") if k == "source" else _format(v, in_english)
             for k, v in params.items()}
    return (english if in_english else polish).format(**shown)
