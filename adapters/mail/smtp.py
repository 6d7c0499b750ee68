"""One SMTP connection per batch of messages, with the security the settings ask for."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

TIMEOUT_S = 20
# Lines up to RFC 5322's limit: a List-Unsubscribe URL longer than 78 characters must stay one
# plain <URL>, not be RFC 2047-encoded (mail clients would not recognise it).
POLICY = policy.default.clone(max_line_length=998)


class PermanentFailure(Exception):
    """The server refused this message for good (a bad recipient): trying again will not help."""


class SmtpSender:
    def __init__(self, host: str, port: int, security: str, sender: str, username: str | None = None,
                 password: str | None = None) -> None:
        self.host, self.port, self.security, self.sender = host, port, security, sender
        self.username, self.password = username, password
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpSender:
        m = settings.mail
        return cls(m.host, m.port, m.security, m.sender, m.username, m.password)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            self._smtp = smtp
        return self._smtp

    def send(self, to: str, subject: str, text: str, html: str | None = None, *,
             headers: dict[str, str] | None = None) -> None:
        """``headers``: more header fields, such as List-Unsubscribe."""
        message = EmailMessage(policy=POLICY)
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        for name, value in (headers or {}).items():
            message[name] = value
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].rstrip(">") or None)
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        try:
            self._connection().send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentFailure(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            self.close()
            raise
        except (OSError, smtplib.SMTPException):
            self.close()  # a broken connection: the next message opens a new one
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
