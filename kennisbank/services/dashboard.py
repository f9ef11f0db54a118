"""What `/mijn` shows a user: their projects with what each still needs, and for theme owners the
completed voortoetsen of new projects in their themes (to add "kijk ook naar …")."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import PriorWorkCheck, Project, ProjectStatus, Theme, User
from .voortoets import start_problems


@dataclass
class MyProject:
    project: Project
    needs: list[str]


def my_projects(user: User) -> list[MyProject]:
    projects = db.session.scalars(select(Project).where(
        Project.lead_id == user.id, Project.deleted_at.is_(None)).order_by(Project.updated_at.desc())).all()
    return [MyProject(p, start_problems(p) if p.status == ProjectStatus.CONCEPT else []) for p in projects]


def completed_checks_in_my_themes(user: User, limit: int = 20) -> list[PriorWorkCheck]:
    theme_ids = [t.id for t in user.owned_themes if not t.is_deleted]
    if not theme_ids:
        return []
    return list(db.session.scalars(
        select(PriorWorkCheck).join(Project).where(
            PriorWorkCheck.completed_at.is_not(None), Project.deleted_at.is_(None),
            Project.themes.any(Theme.id.in_(theme_ids)))
        .order_by(PriorWorkCheck.completed_at.desc()).limit(limit)))
