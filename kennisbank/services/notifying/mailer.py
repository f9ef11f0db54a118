"""Composing and sending e-mail: through the configured SMTP server, or — without one — into instance/outbox/ as .eml
files that any mail program opens (development, and a safe default: nothing leaves the machine unasked)."""
from __future__ import annotations

import smtplib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask

from ...ground import metrics

# Header lines up to RFC 5322's 998 characters: with the usual 78, a header holding one long word (the
# unsubscribe link with its token) was RFC 2047-encoded, and mail programs could no longer read the link.
MAIL_POLICY = policy.default.clone(max_line_length=998, cte_type="7bit")  # 7 bit: any SMTP server takes it


def new_message(sender: str, to, subject: str) -> EmailMessage:
    """A mail to a user (`to` has .name and .email), dated, with a Message-ID in the sender's domain."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = f"{to.name} <{to.email}>"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    return message


def outbox_dir(app: Flask) -> Path:
    return Path(app.instance_path) / "outbox"


def deliver(app: Flask, messages: list[EmailMessage]) -> str:
    """Send or write `messages`; returns where they went, in Dutch, for the command's output.

    :raises OSError, smtplib.SMTPException: the server refused or could not be reached (nothing is
        retried silently: the caller reports it and the next run sends again).
    """
    host = app.config.get("SMTP_HOST", "")
    if not host:
        folder = outbox_dir(app)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for number, message in enumerate(messages, 1):
            recipient = message["To"].addresses[0].addr_spec if message["To"] else "onbekend"
            (folder / f"{stamp}-{number:03d}-{_safe(recipient)}.eml").write_bytes(bytes(message))
        return f"map {folder}"
    port = int(app.config.get("SMTP_PORT") or 25)
    sent = 0
    try:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if app.config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if app.config.get("SMTP_USER"):
                smtp.login(app.config["SMTP_USER"], app.config.get("SMTP_PASSWORD", ""))
            for message in messages:
                smtp.send_message(message)
                sent += 1
    except (OSError, smtplib.SMTPException):
        metrics.mails("failed", len(messages) - sent)
        raise
    finally:
        metrics.mails("sent", sent)
    return f"SMTP-server {host}:{port}"


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in text)[:80]
