"""Taking everything out again, in the import's own format: the same headers, one row per item, and a
bron-id per row (an imported item keeps its own; others get "kb-<id>"), so that an export imported into
the same kennisbank changes nothing, and into another one brings everything along."""
from __future__ import annotations

import io

from sqlalchemy import select

from ...extensions import db
from ...ground import municipalities
from ...ground.errors import NotAllowed
from ...models import Lesson, Project, User
from ..access import audit, permissions
from .columns import FIELDS, KINDS


def bron_id(item) -> str:
    key = item.content_key or ""
    return key[len("import:"):] if key.startswith("import:") else f"kb-{item.id}"


def _date(value) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _project_row(project: Project) -> dict:
    municipality = municipalities.by_code(project.municipality_code)
    return {"bron_id": bron_id(project), "title": project.title, "question": project.question,
            "municipality": municipality.name if municipality else "", "organisation": project.organisation,
            "department": project.department, "goal": project.goal, "approach": project.approach,
            "partners": project.partners, "funding": project.funding, "area": project.area,
            "start_date": _date(project.start_date), "end_date": _date(project.end_date),
            "status": project.status.value, "stage": project.stage.value,
            "themes": ", ".join(t.name for t in project.themes), "tags": ", ".join(project.tags),
            "lead": project.lead.email, "outcome": project.outcome, "links": project.links}


def _lesson_row(lesson: Lesson) -> dict:
    return {"bron_id": bron_id(lesson), "title": lesson.title, "kind": lesson.kind.value, "advice": lesson.advice,
            "context": lesson.context, "what_happened": lesson.what_happened,
            "lesson_learned": lesson.lesson_learned, "transferability": lesson.transferability,
            "project": bron_id(lesson.project) if lesson.project else "", "author": lesson.author.email,
            "themes": ", ".join(t.name for t in lesson.themes), "tags": ", ".join(lesson.tags)}


def workbook(by: User) -> bytes:
    """Every project and lesson (not the deleted ones) as an XLSX with a sheet per kind."""
    import xlsxwriter

    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan alles exporteren.")
    projects = db.session.scalars(select(Project).where(Project.deleted_at.is_(None)).order_by(Project.id)).all()
    lessons = db.session.scalars(select(Lesson).where(Lesson.deleted_at.is_(None)).order_by(Lesson.id)).all()
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    for kind, rows in (("projecten", [_project_row(p) for p in projects]), ("lessen", [_lesson_row(l) for l in lessons])):
        sheet = book.add_worksheet(KINDS[kind])
        fields = FIELDS[kind]
        sheet.write_row(0, 0, [f.header for f in fields], bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, [row.get(f.name, "") for f in fields])
    book.close()
    audit.record("export_done", by, "alles", projects=len(projects), lessons=len(lessons))
    return out.getvalue()
