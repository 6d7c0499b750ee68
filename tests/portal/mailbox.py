"""A local SMTP server (aiosmtpd) that keeps what it receives, for tests of e-mail."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message

from aiosmtpd.controller import Controller

from adapters.mail.smtp import SmtpSender


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def sender(self) -> SmtpSender:
        return SmtpSender("127.0.0.1", self.port, "none", "iBOK <ebok@wodociagi.test>")

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")

    def link(self, message: Message) -> str:
        """The path of the first portal link in the message."""
        return re.search(r"https?://[^/\s]+(/\S+)", self.text(message))[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mailbox(port: int | None = None) -> Iterator[Mailbox]:
    box = Mailbox(port or free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
