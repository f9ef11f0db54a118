"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import re
from datetime import datetime

from flask import Flask

from ..ground import municipalities
from ..ground.wording import FIELD_LABELS, dutch_date
from ..models import enums
from ..services.access import permissions
from ..services.access.users import tel_link
from ..services.notifying import follows
from .markdown import render_markdown

# History values that are enum members, by the field they belong to (shown as their labels). Lessons
# and networks both have a `kind`; their values differ.
VALUE_LABELS = {"status": (enums.ProjectStatus,), "stage": (enums.InnovationStage,),
                "review_state": (enums.ReviewState,), "role": (enums.MembershipRole,),
                "kind": (enums.LessonKind, enums.NetworkKind)}
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def change_value(value, field: str) -> str:
    """A value in the history as the pages show it: dates in Dutch, choices by their label."""
    if value in (None, ""):
        return "–"
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        moment = datetime.fromisoformat(value)
        return dutch_date(moment if "T" in value else moment.date())
    for vocabulary in VALUE_LABELS.get(field, ()):
        if value in {member.value for member in vocabulary}:
            return vocabulary(value).label
    return str(value)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def municipality_name(code: str | None) -> str:
    found = municipalities.by_code(code)
    return found.display_name if found else ""


def chat_link(user) -> str:
    """The organisation's chat with this colleague (KENNISBANK_CHAT_URL with {email}), or '' when not set."""
    from urllib.parse import quote

    from flask import current_app

    pattern = current_app.config["CHAT_URL"]
    return pattern.replace("{email}", quote(user.email, safe="@")) if pattern and user.active else ""


def counted(number: int, one: str, many: str) -> str:
    """'1 resultaat', '2 resultaten', '0 resultaten'."""
    return f"{number} {one if number == 1 else many}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["counted"] = counted
    app.jinja_env.filters["tel_link"] = tel_link
    app.jinja_env.filters["change_value"] = change_value
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["dutch_date"] = dutch_date
    app.jinja_env.filters["municipality"] = municipality_name
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.globals["permissions"] = permissions
    app.jinja_env.globals["follows"] = follows
    app.jinja_env.globals["chat_link"] = chat_link
    app.jinja_env.filters["zip"] = lambda first, second: list(zip(first, second))
    for vocabulary in (enums.ProjectStatus, enums.InnovationStage, enums.LessonKind, enums.ReviewState,
                       enums.NetworkKind, enums.MembershipRole, enums.Verdict):
        app.jinja_env.globals[vocabulary.__name__] = vocabulary
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
