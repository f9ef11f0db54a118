"""Lessons learned: logging them in minutes, reviewing (toetsen), archiving, listing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import extract, or_, select, update

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import Lesson, LessonKind, Network, Project, ProjectStatus, ReviewState, Theme, User
from ...models.base import utcnow
from ..access import permissions
from ..pagination import Page, paginate
from . import editing, revisions
from .projects import visible_projects

REQUIRED = {"title": "Geef de les een korte titel.",
            "advice": "Schrijf een advies voor het volgende project: wat moet een ander doen of laten?"}
TEXT_FIELDS = ["title", "kind", "context", "what_happened", "lesson_learned", "advice", "transferability"]


@dataclass
class LessonInput:
    title: str
    kind: LessonKind
    advice: str
    context: str = ""
    what_happened: str = ""
    lesson_learned: str = ""
    transferability: str = ""
    theme_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    on_behalf_of_team: bool = False


def _resolve(data: LessonInput, fallback_themes: list[Theme]) -> dict:
    problems = {name: message for name, message in REQUIRED.items() if not getattr(data, name).strip()}
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(data.theme_ids),
                                                    Theme.deleted_at.is_(None))).all()
    if len(themes) != len(set(data.theme_ids)):
        problems["themes"] = "Kies alleen bestaande thema's."
    if problems:
        raise DomainError("De les is niet opgeslagen. Controleer de gemarkeerde velden.", problems)
    return dict(
        title=data.title.strip(), kind=data.kind, context=data.context.strip(),
        what_happened=data.what_happened.strip(), lesson_learned=data.lesson_learned.strip(),
        advice=data.advice.strip(), transferability=data.transferability.strip(),
        themes=sorted(themes or fallback_themes, key=lambda t: t.name),
        tags=sorted({t.strip().lower() for t in data.tags if t.strip()}), on_behalf_of_team=data.on_behalf_of_team)


def create_lesson(data: LessonInput, by: User, *, project: Project | None = None,
                  network: Network | None = None) -> Lesson:
    """Log a lesson. Without chosen themes it takes the themes of its project or network.

    :raises NotAllowed: not on a project one works on, or from a network one is not in.
    :raises DomainError: missing title or advice, unknown theme.
    """
    if project is not None and network is not None:
        raise DomainError("Een les komt uit een project of uit een netwerk, niet uit beide.")
    if not permissions.can_log_lesson_on(by, project=project, network=network):
        raise NotAllowed("U kunt alleen lessen vastleggen bij projecten waaraan u werkt en netwerken waarin u zit.")
    fallback = (project.themes if project else network.themes if network else [])
    lesson = Lesson(author=by, project=project, network=network, review_state=ReviewState.UNREVIEWED,
                    **_resolve(data, list(fallback)))
    db.session.add(lesson)
    db.session.flush()
    revisions.record(lesson, "aangemaakt", by)
    return lesson


def update_lesson(lesson: Lesson, data: LessonInput, *, expected_version: int, by: User) -> dict:
    """Edit a lesson. A reviewed lesson whose text is changed by someone who may not review it goes back
    to 'ongetoetst': the review was of the old text. A lesson sent back returns to the review queue once
    its text is reworked (the remark stays in its history).

    :raises NotAllowed, DomainError, EditConflict:
    """
    if not permissions.can_edit_lesson(by, lesson):
        raise NotAllowed("Alleen de auteur, de eigenaren van de thema's en beheerders kunnen deze les bewerken.")
    values = _resolve(data, list(lesson.themes))
    if not permissions.can_review_lesson(by, lesson) and any(values[name] != getattr(lesson, name)
                                                               for name in TEXT_FIELDS):
        if lesson.review_state == ReviewState.REVIEWED:
            values["review_state"] = ReviewState.UNREVIEWED
        elif lesson.review_state == ReviewState.UNREVIEWED and lesson.review_remark:
            values["review_remark"] = ""  # sent back and now reworked: back in the theme owners' queue
    return editing.apply_changes(lesson, values, expected_version=expected_version, by=by)


def review_lesson(lesson: Lesson, by: User, *, approve: bool, remark: str = "") -> None:
    """Approve (getoetst), or send back to the author with a remark (stays ongetoetst).

    :raises NotAllowed: not a theme owner of one of its themes.
    :raises DomainError: sending back without a remark.
    """
    if not permissions.can_review_lesson(by, lesson):
        raise NotAllowed("Alleen een eigenaar van een van de thema's van deze les kan haar toetsen.")
    remark = remark.strip()
    if not approve and not remark:
        raise DomainError("Schrijf bij het terugsturen wat de auteur moet aanpassen.",
                          {"remark": "Schrijf wat de auteur moet aanpassen."})
    changes = {"review_remark": remark, "reviewed_by": by, "reviewed_at": utcnow(),
               "review_state": ReviewState.REVIEWED if approve else ReviewState.UNREVIEWED}
    editing.apply_changes(lesson, changes, expected_version=None, by=by,
                          action="getoetst" if approve else "teruggestuurd")


def set_archived(lesson: Lesson, by: User, archived: bool) -> None:
    """Archive an outdated lesson (still findable, clearly marked), or bring it back."""
    if not permissions.can_review_lesson(by, lesson):
        raise NotAllowed("Alleen een eigenaar van een van de thema's van deze les kan haar archiveren.")
    if archived:
        state = ReviewState.ARCHIVED
    else:
        state = ReviewState.REVIEWED if lesson.reviewed_at else ReviewState.UNREVIEWED
    editing.apply_changes(lesson, {"review_state": state}, expected_version=None, by=by,
                          action="gearchiveerd" if archived else "uit archief gehaald")


def note_viewed(lesson: Lesson) -> None:
    """Remember that someone read the lesson (at most once a day). A plain UPDATE: reading must not bump
    the version, or it would turn a reader into an editor's conflict."""
    now = utcnow()
    if lesson.last_viewed_at is None or now - lesson.last_viewed_at > timedelta(days=1):
        db.session.execute(update(Lesson).where(Lesson.id == lesson.id).values(last_viewed_at=now)
                           .execution_options(synchronize_session=False))


@dataclass
class LessonFilters:
    kind: str = ""
    theme: str = ""
    state: str = ""
    municipality: str = ""
    year: int | None = None


def visible_lessons(user: User):
    query = select(Lesson).where(Lesson.deleted_at.is_(None))
    if permissions.is_admin(user):
        return query
    # Lessons of concepts stay with the concept's people (see permissions.can_view_project).
    visible_ids = visible_projects(user).with_only_columns(Project.id)
    return query.where(or_(Lesson.project_id.is_(None), Lesson.project_id.in_(visible_ids)))


def list_lessons(user: User, filters: LessonFilters, page: int, per_page: int = 20) -> Page:
    query = visible_lessons(user)
    if filters.kind in {k.value for k in LessonKind}:
        query = query.where(Lesson.kind == LessonKind(filters.kind))
    if filters.theme:
        query = query.where(Lesson.themes.any(Theme.slug == filters.theme))
    if filters.state in {s.value for s in ReviewState}:
        query = query.where(Lesson.review_state == ReviewState(filters.state))
    if filters.municipality:
        query = query.where(Lesson.project.has(Project.municipality_code == filters.municipality))
    if filters.year:
        query = query.where(extract("year", Lesson.created_at) == filters.year)
    return paginate(query.order_by(Lesson.created_at.desc(), Lesson.id.desc()), page, per_page)


def years_in_use() -> list[int]:
    years = db.session.scalars(select(extract("year", Lesson.created_at)).where(
        Lesson.deleted_at.is_(None)).distinct()).all()
    return sorted((int(y) for y in years if y), reverse=True)


def visible_uses(lesson: Lesson, viewer: User) -> list:
    """The projects that used this lesson, as far as the viewer may see them (not others' concepts)."""
    return [use for use in lesson.uses if permissions.can_view_project(viewer, use.project)]


def not_on_a_draft():
    """Lessons anyone may see: those of a concept project only its people and theme owners see."""
    return or_(Lesson.project_id.is_(None), Lesson.project.has(Project.status != ProjectStatus.CONCEPT))


def lessons_for_theme(theme: Theme, limit: int = 50) -> list[Lesson]:
    """Validated first, then unreviewed, archived last; newest first within each."""
    order = {ReviewState.REVIEWED: 0, ReviewState.UNREVIEWED: 1, ReviewState.ARCHIVED: 2}
    lessons = db.session.scalars(select(Lesson).where(
        Lesson.themes.any(Theme.id == theme.id), Lesson.deleted_at.is_(None), not_on_a_draft())
        .order_by(Lesson.created_at.desc()).limit(limit)).all()
    return sorted(lessons, key=lambda lesson: order[lesson.review_state])
