"""Composing e-mails (the digest, notifications); sending them is kennisbank.mailer's job.

Kept apart from the mailer, which needs the app and its metrics: services import this at any time."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def new_message(sender: str, to, subject: str) -> EmailMessage:
    """A mail to a user (`to` has .name and .email), dated, with a Message-ID in the sender's domain."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"{to.name} <{to.email}>"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    return message
