"""Project records: creating concepts, editing them, listing them. (The start and closure gates come
with the voortoets and closure work.)"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, extract, func, or_, select

from ...extensions import db
from ...ground import municipalities
from ...ground.errors import DomainError, NotAllowed
from ...models import InnovationStage, Project, ProjectStatus, Theme, User, project_members, project_themes
from ..access import permissions, users
from ..pagination import Page, paginate
from . import editing, revisions

# The fields a project form edits, in the order the history shows them.
EDITABLE = ["title", "municipality_code", "organisation", "department", "question", "goal", "approach",
            "partners", "funding", "area", "start_date", "end_date", "stage", "themes", "team", "tags", "links"]


@dataclass
class ProjectInput:
    """What a user typed, before the rules that need the database."""

    title: str
    question: str
    municipality: str = ""
    organisation: str = ""
    department: str = ""
    goal: str = ""
    approach: str = ""
    partners: str = ""
    funding: str = ""
    area: str = ""
    start_date: date | None = None
    end_date: date | None = None
    stage: InnovationStage = InnovationStage.EXPLORATION
    theme_ids: list[int] = field(default_factory=list)
    team_emails: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: str = ""


def _resolve(data: ProjectInput, lead: User) -> dict:
    """Turn input into column values, collecting every problem per field.

    :raises DomainError: unknown municipality or theme or colleague, dates out of order, no owner at all.
    """
    problems: dict[str, str] = {}
    values: dict = {}
    if not data.title.strip():
        problems["title"] = "Geef het project een titel."
    if not data.question.strip():
        problems["question"] = "Beschrijf welk maatschappelijk vraagstuk het project oplost."
    values["municipality_code"] = None
    if data.municipality.strip():
        try:
            values["municipality_code"] = municipalities.resolve(data.municipality).code
        except DomainError as error:
            problems["municipality"] = error.message
    elif not data.organisation.strip():
        problems["municipality"] = ("Vul een gemeente in, of bij 'Organisatie' een andere organisatie "
                                    "(provincie, partner, kennisinstelling).")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems["end_date"] = "De einddatum ligt vóór de startdatum."
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(data.theme_ids),
                                                    Theme.deleted_at.is_(None))).all()
    if len(themes) != len(set(data.theme_ids)):
        problems["themes"] = "Kies alleen bestaande thema's."
    team = []
    for email in data.team_emails:
        colleague = users.find_by_email(email)
        if colleague is None or not colleague.active:
            problems["team"] = f"'{email}' is geen actieve gebruiker van kennisbank."
        elif colleague.id != lead.id and colleague not in team:
            team.append(colleague)
    if problems:
        raise DomainError("Het project is niet opgeslagen. Controleer de gemarkeerde velden.", problems)
    values.update(
        title=data.title.strip(), organisation=data.organisation.strip(), department=data.department.strip(),
        question=data.question.strip(), goal=data.goal.strip(), approach=data.approach.strip(),
        partners=data.partners.strip(), funding=data.funding.strip(), area=data.area.strip(),
        start_date=data.start_date, end_date=data.end_date, stage=data.stage,
        themes=sorted(themes, key=lambda t: t.name), team=team,
        tags=sorted({t.strip().lower() for t in data.tags if t.strip()}), links=data.links.strip())
    return values


def create_project(data: ProjectInput, by: User) -> Project:
    """A new project starts as a concept, with its creator as lead.

    :raises DomainError: per-field problems (see `_resolve`).
    """
    if not permissions.can_create_project(by):
        raise NotAllowed("U kunt geen project aanmaken.")
    values = _resolve(data, by)
    project = Project(lead=by, status=ProjectStatus.CONCEPT, **values)
    db.session.add(project)
    db.session.flush()
    revisions.record(project, "aangemaakt", by)
    return project


def update_project(project: Project, data: ProjectInput, *, expected_version: int, by: User) -> dict:
    """:raises NotAllowed, DomainError, EditConflict:"""
    if not permissions.can_edit_project(by, project):
        raise NotAllowed("Alleen de projectleider, de eigenaren van de thema's en beheerders kunnen dit "
                         "project bewerken.")
    values = _resolve(data, project.lead)
    return editing.apply_changes(project, values, expected_version=expected_version, by=by)


@dataclass
class ProjectFilters:
    theme: str = ""
    municipality: str = ""
    status: str = ""
    stage: str = ""
    year: int | None = None
    sort: str = "nieuw"  # nieuw | oud | titel


SORTS = {"nieuw": [Project.updated_at.desc(), Project.id.desc()], "oud": [Project.created_at, Project.id],
         "titel": [func.lower(Project.title), Project.id]}


def visible_projects(user: User) -> Select:
    """Projects a user may see in lists: not deleted; concepts only for their own people."""
    query = select(Project).where(Project.deleted_at.is_(None))
    if permissions.is_admin(user):
        return query
    own_concept = or_(
        Project.lead_id == user.id,
        Project.id.in_(select(project_members.c.project_id).where(project_members.c.user_id == user.id)),
        Project.id.in_(select(project_themes.c.project_id).where(
            project_themes.c.theme_id.in_([t.id for t in user.owned_themes]))),
    )
    return query.where(or_(Project.status != ProjectStatus.CONCEPT, own_concept))


def list_projects(user: User, filters: ProjectFilters, page: int, per_page: int = 20) -> Page:
    query = visible_projects(user)
    if filters.theme:
        query = query.where(Project.themes.any(Theme.slug == filters.theme))
    if filters.municipality:
        query = query.where(Project.municipality_code == filters.municipality)
    if filters.status in {s.value for s in ProjectStatus}:
        query = query.where(Project.status == ProjectStatus(filters.status))
    if filters.stage in {s.value for s in InnovationStage}:
        query = query.where(Project.stage == InnovationStage(filters.stage))
    if filters.year:
        query = query.where(extract("year", Project.start_date) == filters.year)
    query = query.order_by(*SORTS.get(filters.sort, SORTS["nieuw"]))
    return paginate(query, page, per_page)


def municipalities_in_use() -> list[municipalities.Municipality]:
    codes = db.session.scalars(select(Project.municipality_code).where(
        Project.municipality_code.is_not(None), Project.deleted_at.is_(None)).distinct()).all()
    found = [municipalities.by_code(code) for code in codes]
    return sorted((m for m in found if m), key=lambda m: m.display_name)


def years_in_use() -> list[int]:
    years = db.session.scalars(select(extract("year", Project.start_date)).where(
        Project.start_date.is_not(None), Project.deleted_at.is_(None)).distinct()).all()
    return sorted((int(y) for y in years if y), reverse=True)
