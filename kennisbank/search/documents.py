"""Turning database rows into index documents (and back to keys)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import inspect, select

from ..models import (Attachment, Lesson, Network, Project, ProjectStatus, Theme, User, lesson_themes, network_themes,
                      project_themes)
from .analysis import compound_parts_text, section
from .schema import WEIGHTS

MODEL_OF_KIND = {"project": Project, "lesson": Lesson, "network": Network, "theme": Theme, "person": User}
KIND_OF_MODEL = {model: kind for kind, model in MODEL_OF_KIND.items()}


def key(kind: str, item_id: int) -> str:
    return f"{kind}:{item_id}"


def kind_of(obj) -> str | None:
    return KIND_OF_MODEL.get(type(obj))


def dependents(obj, connection) -> list[tuple[str, int]]:
    """Other documents whose text or visibility changes with `obj` (read with plain SQL: this runs
    inside a flush). A project's lessons follow its status and title; a renamed theme's items carry
    its name."""
    if isinstance(obj, Project):
        ids = connection.execute(select(Lesson.id).where(Lesson.project_id == obj.id)).scalars()
        return [("lesson", i) for i in ids]
    if isinstance(obj, Attachment):  # its text belongs to the project's or lesson's document
        return [(obj.item_type, obj.item_id)]
    if isinstance(obj, Theme) and inspect(obj).attrs.name.history.has_changes():
        found = []
        for kind, table, column in (("project", project_themes, "project_id"), ("lesson", lesson_themes, "lesson_id"),
                                    ("network", network_themes, "network_id")):
            ids = connection.execute(select(table.c[column]).where(table.c.theme_id == obj.id)).scalars()
            found += [(kind, i) for i in ids]
        return found
    return []


def is_indexed(obj) -> bool:
    """Deleted items leave the index; everything else is in it (drafts marked as such)."""
    return not getattr(obj, "is_deleted", False)


def _join(*parts) -> str:
    return "\n".join(part for part in parts if part)


def _themes(themes) -> dict:
    slugs = [t.slug for t in themes]
    return {"theme": ",".join(slugs), "themes_col": ",".join(slugs).encode()}


_PRELOADED = "kennisbank_attachment_texts"


def _readable_attachments(kind: str, item_ids):
    return (select(Attachment.item_id, Attachment.text).where(
        Attachment.item_type == kind, Attachment.item_id.in_(item_ids), Attachment.deleted_at.is_(None),
        Attachment.text_state == "gelezen").order_by(Attachment.id))


def preload_attachments(session, kind: str, item_ids: list[int]) -> None:
    """Read the attachment text of a whole chunk of items at once (a rebuild would ask per item); kept until
    `forget_preloaded`."""
    texts: dict[tuple[str, int], list[str]] = {(kind, item_id): [] for item_id in item_ids}
    if kind in ("project", "lesson") and item_ids:
        for item_id, text in session.execute(_readable_attachments(kind, item_ids)):
            texts[(kind, item_id)].append(text)
    session.info.setdefault(_PRELOADED, {}).update(texts)


def forget_preloaded(session) -> None:
    session.info.pop(_PRELOADED, None)


def _attachments_of(obj, kind: str) -> str:
    session = inspect(obj).session
    if session is None:
        return ""
    preloaded = session.info.get(_PRELOADED, {}).get((kind, obj.id))
    if preloaded is None:
        preloaded = [text for _, text in session.execute(_readable_attachments(kind, [obj.id]))]
    return "\n".join(preloaded)


def _project(p: Project) -> dict:
    draft = p.status == ProjectStatus.CONCEPT
    text = _join(p.goal, p.approach, p.partners, p.area, p.outcome, " ".join(p.tags),
                 " ".join(t.name for t in p.themes), p.organisation, p.department)
    return {
        "title": p.title, "summary": p.question, "body": text, "attachments": _attachments_of(p, "project"),
        "municipality": p.municipality_code or "", "status": p.status.value,
        "year": (p.start_date or p.created_at.date()).year, "date": p.updated_at,
        "draft": draft, "viewers": ",".join(str(u.id) for u in [p.lead, *p.team]) if draft else "",
        **_themes(p.themes),
    }


def _lesson(lesson: Lesson) -> dict:
    project = lesson.project
    draft = project is not None and project.status == ProjectStatus.CONCEPT
    text = _join(lesson.what_happened, lesson.lesson_learned, lesson.advice, lesson.transferability,
                 " ".join(lesson.tags), " ".join(t.name for t in lesson.themes),
                 project.title if project else "", lesson.network.name if lesson.network else "")
    return {
        "title": lesson.title, "summary": lesson.context, "body": text,
        "attachments": _attachments_of(lesson, "lesson"),
        "municipality": (project.municipality_code or "") if project else "", "lesson_kind": lesson.kind.value,
        "state": lesson.review_state.value, "year": lesson.created_at.year, "date": lesson.created_at,
        "draft": draft, "viewers": ",".join(str(u.id) for u in [project.lead, *project.team]) if draft else "",
        **_themes(lesson.themes),
    }


def _network(n: Network) -> dict:
    text = _join(n.description, " ".join(t.name for t in n.themes), n.kind.label)
    return {"title": n.name, "summary": "", "body": text,
            "year": n.created_at.year, "date": n.updated_at, "draft": False, **_themes(n.themes)}


def _theme(t: Theme) -> dict:
    return {"title": t.name, "summary": t.description, "body": t.synthesis,
            "year": t.created_at.year, "date": t.updated_at,
            "draft": False, **_themes([t])}


def _person(u: User) -> dict:
    owned = [t for t in u.owned_themes if not t.is_deleted]
    return {"title": u.name, "summary": _join(u.department, u.organisation),
            "body": " ".join(t.name for t in owned), "year": u.created_at.year,
            "date": u.created_at, "draft": False, **_themes(owned)}


BUILDERS = {"project": _project, "lesson": _lesson, "network": _network, "theme": _theme, "person": _person}


def _text(title: str, summary: str, body: str, attachments: str = "") -> str:
    parts = compound_parts_text(" ".join((title, summary, body)))
    return "".join((section(title, WEIGHTS["title"]), section(summary, WEIGHTS["summary"]),
                    section(body, WEIGHTS["body"]), section(parts, WEIGHTS["parts"]),
                    section(attachments, WEIGHTS["attachments"]),
                    section(compound_parts_text(attachments), WEIGHTS["attachments"] * WEIGHTS["parts"])))


def _digest(raw: dict) -> str:
    """A fingerprint of what the document is built from (before analysis, so checking is cheap)."""
    return hashlib.sha1(repr(sorted(raw.items())).encode()).hexdigest()[:16]


def fingerprint(kind: str, obj) -> str:
    return _digest(BUILDERS[kind](obj))


def document(kind: str, obj) -> dict:
    doc = BUILDERS[kind](obj)
    digest = _digest(doc)
    doc["text"] = _text(doc.pop("title"), doc.pop("summary") or "", doc.pop("body") or "",
                        doc.pop("attachments", "") or "")
    doc.update(key=key(kind, obj.id), kind=kind, item_id=obj.id, digest=digest)
    for field in ("municipality", "lesson_kind", "status", "state"):
        doc.setdefault(field, "")
    if not isinstance(doc.get("date"), datetime):
        doc["date"] = obj.created_at
    return doc


def write(session, writer, kind: str, item_id: int) -> None:
    """Write the item's current document, or remove it (deleted, unknown kind, gone from the database)."""
    model = MODEL_OF_KIND.get(kind)
    obj = session.get(model, item_id) if model else None
    if obj is None or not is_indexed(obj):
        writer.delete_by_term("key", key(kind, item_id))
    else:
        writer.update_document(**document(kind, obj))
