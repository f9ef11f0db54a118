"""The closure gate: a project ends (afgesloten, or gestopt early) only with its lessons.

Lessons-learned reports "disappear in the drawer" when writing them is an afterthought. Here closing
is refused until the outcome is written, at least one lesson is registered, something that went worse
than hoped is on record (a mislukking or verbeterpunt, or the lead says why nothing did), and a stopped
project says why it stopped. The closure also records which earlier lessons were used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...ground.errors import DomainError, GateRefused, NotAllowed
from ...models import (InnovationStage, Lesson, LessonKind, LessonUse, LessonUseSource, Project, ProjectStatus, User,
                       Verdict)
from ...models.base import utcnow
from ..access import permissions
from ..registry import editing, lessons, revisions
from ..registry.editing import EditConflict
from ..registry.lessons import LessonInput

ENDINGS = (ProjectStatus.CLOSED, ProjectStatus.STOPPED)
MIN_OUTCOME = 20
MIN_NOTE = 30
NO_FAILURE = ("Leg een mislukking of verbeterpunt vast, of schrijf waarom niets slechter ging dan verwacht "
              f"(minstens {MIN_NOTE} tekens).")


@dataclass
class ClosureInput:
    status: ProjectStatus
    outcome: str
    stage: InnovationStage
    # Why nothing went worse than expected, when there is no mislukking or verbeterpunt.
    closure_note: str = ""
    # For a stopped project: which of its lessons says why it stopped.
    stop_lesson_id: int | None = None
    # Earlier lessons (of other projects, networks) that this project used.
    used_lesson_ids: list[int] = field(default_factory=list)


def log_closing_lesson(project: Project, data: LessonInput, by: User, *, explains_stop: bool = False) -> Lesson:
    """A lesson written on the closure screen; it may be the one that says why the project stopped.

    :raises NotAllowed, DomainError: as `lessons.create_lesson`.
    """
    lesson = lessons.create_lesson(data, by, project=project)
    if explains_stop:
        lesson.explains_stop = True
        db.session.flush()
    return lesson


def project_lessons(project: Project) -> list[Lesson]:
    return [lesson for lesson in project.lessons if not lesson.is_deleted]


def _require_lead(project: Project, by: User) -> None:
    if not permissions.can_close_project(by, project):
        raise NotAllowed("Alleen de projectleider kan het project afsluiten of stoppen.")


def needs_failure_or_note(lessons: list[Lesson], closure_note: str) -> bool:
    """Only successes: a failure or improvement lesson is missing, and no note says why none happened."""
    return not any(lesson.is_failure_or_improvement for lesson in lessons) and len(closure_note.strip()) < MIN_NOTE


def closure_problems(project: Project, data: ClosureInput) -> dict[str, str]:
    """What stands between this project and its end, per form field (empty: it may close)."""
    problems: dict[str, str] = {}
    if project.status != ProjectStatus.STARTED:
        problems["status"] = "Alleen een gestart project kan worden afgesloten of gestopt."
        return problems
    if data.status not in ENDINGS:
        problems["status"] = "Kies of het project is afgesloten of gestopt."
    elif project.start_date and project.start_date > date.today():
        problems["status"] = (f"De startdatum ({project.start_date.strftime('%d-%m-%Y')}) ligt in de toekomst: een "
                              "project kan pas eindigen nadat het is begonnen. Klopt de datum niet, pas hem dan aan.")
    if len(data.outcome.strip()) < MIN_OUTCOME:
        problems["outcome"] = (f"Beschrijf het resultaat van het project (minstens {MIN_OUTCOME} tekens): "
                               "wat is er bereikt, en wat niet?")
    own = project_lessons(project)
    if not own:
        problems["lessons"] = "Leg minstens één les van dit project vast."
    elif needs_failure_or_note(own, data.closure_note):
        problems["closure_note"] = NO_FAILURE
    if data.status == ProjectStatus.STOPPED:
        explains = [lesson for lesson in own if lesson.id == data.stop_lesson_id or lesson.explains_stop]
        if not explains:
            problems["stop_lesson"] = "Een gestopt project heeft een les die uitlegt waarom het stopte: kies of schrijf die."
    return problems


def problems_besides_quick_lesson(project: Project, data: ClosureInput, lesson_kind: LessonKind) -> dict[str, str]:
    """The gate's reasons that a quick lesson of `lesson_kind`, still being typed, will not settle once
    it is saved: asked when that lesson itself was refused, so the lead hears every rule at once."""
    problems = closure_problems(project, data)
    problems.pop("lessons", None)
    problems.pop("closure_note", None)
    settles_it = lesson_kind in (LessonKind.FAILURE, LessonKind.IMPROVEMENT)
    if not settles_it and needs_failure_or_note(project_lessons(project), data.closure_note):
        problems["closure_note"] = NO_FAILURE
    return problems


def close_project(project: Project, data: ClosureInput, *, by: User, expected_version: int | None = None) -> None:
    """End a started project as afgesloten or gestopt.

    :raises NotAllowed: not the lead (or an administrator).
    :raises GateRefused: per-field reasons in `field_errors`, all of them in `problems`.
    :raises DomainError: an earlier lesson that does not exist or is the project's own.
    :raises EditConflict: the project changed since the form was opened.
    """
    _require_lead(project, by)
    if expected_version is not None and expected_version != project.version:
        raise EditConflict(project, {})
    problems = closure_problems(project, data)
    if problems:
        ending = "gestopt" if data.status == ProjectStatus.STOPPED else "afgesloten"
        raise GateRefused(f"Het project kan nog niet worden {ending}: " + " ".join(problems.values()),
                          list(problems.values()), problems)
    used = _earlier_lessons(project, data.used_lesson_ids)
    if data.status == ProjectStatus.STOPPED and data.stop_lesson_id:
        for lesson in project_lessons(project):
            if lesson.id == data.stop_lesson_id and not lesson.explains_stop:
                editing.apply_changes(lesson, {"explains_stop": True}, expected_version=None, by=by,
                                      action="reden van stoppen")
    _set_lessons_used(project, used, by)
    editing.apply_changes(project, {
        "status": data.status, "outcome": data.outcome.strip(), "stage": data.stage,
        "closure_note": data.closure_note.strip(), "closed_at": utcnow(),
        "end_date": project.end_date or date.today(),
    }, expected_version=expected_version, by=by, action=data.status.value)


def _earlier_lessons(project: Project, lesson_ids: list[int]) -> list[Lesson]:
    wanted = set(lesson_ids)
    found = db.session.scalars(select(Lesson).where(Lesson.id.in_(wanted), Lesson.deleted_at.is_(None))).all()
    if len(found) != len(wanted) or any(lesson.project_id == project.id for lesson in found):
        raise DomainError("Kies alleen bestaande lessen uit eerder werk.",
                          {"used_lessons": "Kies alleen bestaande lessen uit eerder werk."})
    return list(found)


def _set_lessons_used(project: Project, used: list[Lesson], by: User) -> None:
    """The closure answer is the final word on which earlier lessons were used: add what is new, drop
    what the lead now says was not used (the voortoets verdicts themselves stay on the check)."""
    current = {use.lesson_id: use for use in project.lesson_uses}
    wanted = {lesson.id for lesson in used}
    for lesson in used:
        if lesson.id not in current:
            db.session.add(LessonUse(lesson=lesson, project=project, user=by, source=LessonUseSource.CLOSURE))
    for lesson_id, use in current.items():
        if lesson_id not in wanted:
            db.session.delete(use)
    if set(current) != wanted:
        revisions.record(project, "gebruikte lessen vastgelegd", by,
                         {"gebruikte lessen": [sorted(current), sorted(wanted)]})
    db.session.flush()


def candidate_earlier_lessons(project: Project) -> list[Lesson]:
    """What the closure screen offers as 'used': lessons already recorded as used, the lessons the
    voortoets found relevant or worth a contact, and other lessons it suggested."""
    ids: list[int] = [use.lesson_id for use in project.lesson_uses]
    check = project.prior_work_check
    if check is not None:
        rows = sorted(check.suggestions, key=lambda row: (row.verdict != Verdict.RELEVANT, row.rank))
        ids += [row.item_id for row in rows if row.item_type == "lesson"]
    found = [db.session.get(Lesson, ident) for ident in dict.fromkeys(ids)]  # first mention wins
    return [lesson for lesson in found if lesson is not None and not lesson.is_deleted
            and lesson.project_id != project.id]


def preselected_lessons(project: Project) -> list[int]:
    """Used already, or judged relevant in the voortoets."""
    chosen = {use.lesson_id for use in project.lesson_uses}
    check = project.prior_work_check
    if check is not None:
        chosen |= {row.item_id for row in check.suggestions
                   if row.item_type == "lesson" and row.verdict == Verdict.RELEVANT}
    return sorted(chosen)


def closure_needs(project: Project) -> list[str]:
    """For 'my projects': what a started project still lacks before it can close (assuming an outcome is
    written on the closure screen when it is empty)."""
    if project.status != ProjectStatus.STARTED:
        return []
    needs = []
    own = project_lessons(project)
    if not project.outcome.strip():
        needs.append("Beschrijf het resultaat.")
    if not own:
        needs.append("Leg minstens één les vast.")
    elif not any(lesson.is_failure_or_improvement for lesson in own):
        needs.append("Leg een mislukking of verbeterpunt vast (of leg uit waarom er geen is).")
    return needs


def closed_by(project: Project) -> User | None:
    """Who closed or stopped the project (from its history)."""
    for revision in revisions.history(project):
        if revision.action in (ProjectStatus.CLOSED.value, ProjectStatus.STOPPED.value):
            return revision.user
    return None
