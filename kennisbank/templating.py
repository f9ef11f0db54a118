"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from .markdown import render_markdown
from .services import municipalities

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def dutch_date(value: date | datetime | None) -> str:
    """'24 november 2026'; datetimes (stored as naive UTC) are shown in Dutch local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC).astimezone(AMSTERDAM)
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}, {value:%H:%M}"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def municipality_name(code: str | None) -> str:
    found = municipalities.by_code(code)
    return found.display_name if found else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["dutch_date"] = dutch_date
    app.jinja_env.filters["municipality"] = municipality_name
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
