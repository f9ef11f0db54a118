"""Real servers the tests start on this machine: a free port, and an SMTP server (aiosmtpd) that keeps
what it receives."""
from __future__ import annotations

import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server():
    """A running SMTP server on 127.0.0.1: yields (port, list of received envelopes)."""
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler.received
    finally:
        controller.stop()
