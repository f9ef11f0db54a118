"""What the start page shows: recent work and the themes; deleted items and drafts' lessons left out
(the page is the same for everyone)."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Lesson, Project, ProjectStatus, Theme
from ..registry.lessons import not_on_a_draft

RECENT = 6


def start_page() -> dict:
    projects = db.session.scalars(
        select(Project).where(Project.deleted_at.is_(None), Project.status != ProjectStatus.CONCEPT)
        .order_by(Project.updated_at.desc(), Project.id.desc()).limit(RECENT)).all()
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.deleted_at.is_(None), not_on_a_draft())
        .order_by(Lesson.created_at.desc(), Lesson.id.desc()).limit(RECENT)).all()
    themes = db.session.scalars(select(Theme).where(Theme.deleted_at.is_(None)).order_by(Theme.name)).all()
    return {"recent_projects": projects, "recent_lessons": lessons, "themes": themes}
