"""Logs an operations team can use: one JSON object per line on stdout (or readable text for `make run`),
every line of a request carrying its request id, one access line per request, security events by name.

Never logged: e-mail addresses, passwords, tokens, session contents — only user ids.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("text", "json")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")  # anything else from outside is replaced, never echoed
_FIELDS = ("request_id", "user_id")

access = logging.getLogger("kennisbank.access")
security = logging.getLogger("kennisbank.security")


class _RequestContext(logging.Filter):
    """Adds the request id and user id to every record made while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            if not hasattr(record, "user_id"):
                record.user_id = _user_id()
        for name in _FIELDS:
            if not hasattr(record, name):
                setattr(record, name, None)
        return True


def _user_id() -> int | None:
    user = g.get("_login_user")  # only when already loaded: a log line never queries the database
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter("{asctime}{levelname}{name}{message}{request_id}{user_id}", style="{",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger",
                                            "message": "event"}, datefmt="%Y-%m-%dT%H:%M:%S%z")
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def _checked(kind: str) -> str:
    if kind not in FORMATS:
        raise ValueError(f"KENNISBANK_LOG_FORMAT moet text of json zijn, niet '{kind}'.")
    return kind


def route() -> str | None:
    """The matched route template (`/projecten/<int:project_id>`), never the filled-in URL."""
    return request.url_rule.rule if request.url_rule else None


def configure(kind: str, stream=None) -> None:
    """Send everything (ours, gunicorn's, libraries') to stdout in one format."""
    _checked(kind)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter(kind))
    handler.addFilter(_RequestContext())
    handler.set_name("kennisbank")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "kennisbank"] + [handler]
    root.setLevel(logging.INFO)


def security_event(event: str, **fields) -> None:
    """A security event under its own name (login failures, refusals, token use), for the audit trail:
    with the client's address, never with an e-mail address, password or token."""
    if has_request_context():
        fields.setdefault("remote_addr", request.remote_addr)
    security.warning(event, extra={"security_event": event, **fields})


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    access.info("request", extra={
        "method": request.method, "route": route(),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None})
    return response


def init_app(app: Flask) -> None:
    kind = _checked(str(app.config["LOG_FORMAT"]))
    # JSON goes to stdout from every process. Text leaves logging as Python and Flask set it up (commands
    # keep their output clean); `kb serve` configures text for its workers itself. Tests keep pytest's.
    if kind == "json" and not app.testing:
        configure(kind)
    app.before_request(_start)
    app.after_request(_finish)

