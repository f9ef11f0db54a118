"""What `/mijn` shows. For everyone: my projects with what each still needs to start or close, my
lessons, my networks. For theme owners, per theme: what waits for them and how the theme's knowledge is
doing. For administrators: themes without an owner, people about to leave with what they still hold.

The same functions feed the weekly digest (services/reporting/digest.py), so the mail and the page never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, or_, select

from ...extensions import db
from ...models import (InnovationStage, Lesson, LessonKind, LessonUse, Membership, Network, PriorWorkCheck, Project,
                       ProjectStatus, ReviewState, SearchLog, Theme, User)
from ...models.base import utcnow
from ..gates import voortoets
from ..gates.closure import closure_needs
from ..gates.voortoets import start_problems
from ..registry import handovers
from ..registry.lessons import not_on_a_draft
from . import charts
from .charts import BarChart, bar_chart

EMPTY_SEARCH_DAYS = 90
STALE_AFTER = timedelta(days=730)  # two years
LEAVING_WITHIN = timedelta(days=60)


# For everyone -----------------------------------------------------------------------------------------

@dataclass
class MyProject:
    project: Project
    needs: list[str]

    @property
    def needs_label(self) -> str:
        return "Nog nodig om te starten" if self.project.status == ProjectStatus.CONCEPT else "Nog nodig om af te sluiten"


def my_projects(user: User) -> list[MyProject]:
    projects = db.session.scalars(select(Project).where(
        Project.lead_id == user.id, Project.deleted_at.is_(None)).order_by(Project.updated_at.desc())).all()
    return [MyProject(p, _needs(p)) for p in projects]


def _needs(project: Project) -> list[str]:
    if project.status == ProjectStatus.CONCEPT:
        return start_problems(project)
    return ([voortoets.OUTDATED] if voortoets.is_outdated(project) else []) + closure_needs(project)


def my_lessons(user: User, limit: int = 20) -> list[Lesson]:
    return list(db.session.scalars(select(Lesson).where(Lesson.author_id == user.id, Lesson.deleted_at.is_(None))
                                   .order_by(Lesson.created_at.desc()).limit(limit)))


def my_memberships(user: User, today: date | None = None) -> list[Membership]:
    today = today or date.today()
    rows = db.session.scalars(select(Membership).join(Network).where(
        Membership.user_id == user.id, Network.deleted_at.is_(None)).order_by(Network.name)).all()
    return [m for m in rows if m.is_current(today)]


# For theme owners -------------------------------------------------------------------------------------

@dataclass
class EmptySearch:
    query: str
    times: int
    last: datetime
    theme_slug: str


@dataclass
class ThemeDashboard:
    theme: Theme
    reviews: list[Lesson]
    checks: list[PriorWorkCheck]
    empty_searches: list[EmptySearch]
    stale_lessons: list[Lesson]
    orphaned_projects: list[Project]
    networks_without_municipality: list[Network]
    imported_without_lessons: list[Project] = field(default_factory=list)
    sent_back: list[Lesson] = field(default_factory=list)
    charts: list[BarChart] = field(default_factory=list)

    @property
    def waiting(self) -> list[tuple[str, str]]:
        """What waits on the owner, as (text, section anchor); each count is that section's list."""
        slug = self.theme.slug
        parts = [(self.reviews, "te toetsen", "te toetsen", f"toetsen-{slug}"),
                 (self.orphaned_projects, "project zonder projectleider", "projecten zonder projectleider",
                  f"leider-{slug}"),
                 (self.networks_without_municipality, "netwerk zonder de gemeente", "netwerken zonder de gemeente",
                  f"netwerken-{slug}")]
        return [(f"{len(found)} {one if len(found) == 1 else many}", anchor)
                for found, one, many, anchor in parts if found]


def theme_dashboards(user: User, *, with_charts: bool = True, now: datetime | None = None) -> list[ThemeDashboard]:
    now = now or utcnow()
    return [theme_dashboard(theme, with_charts=with_charts, now=now)
            for theme in user.owned_themes if not theme.is_deleted]


def theme_dashboard(theme: Theme, *, with_charts: bool = True, now: datetime | None = None) -> ThemeDashboard:
    now = now or utcnow()
    board = ThemeDashboard(
        theme=theme, reviews=reviews_waiting(theme), checks=completed_checks(theme),
        empty_searches=empty_searches(theme, now), stale_lessons=stale_lessons(theme, now),
        orphaned_projects=projects_with_inactive_lead(theme),
        networks_without_municipality=networks_without_municipality(theme, now.date()),
        imported_without_lessons=imported_without_lessons(theme), sent_back=sent_back(theme))
    if with_charts:
        board.charts = [lessons_per_kind_per_year(theme), projects_per_stage(theme), most_used_lessons(theme)]
    return board


def _theme_lessons(theme: Theme):
    # Lessons of concepts stay with the concept's people; theme owners see them when the project starts.
    return select(Lesson).where(Lesson.themes.any(Theme.id == theme.id), Lesson.deleted_at.is_(None),
                                not_on_a_draft())


def _theme_projects(theme: Theme):
    return select(Project).where(Project.themes.any(Theme.id == theme.id), Project.deleted_at.is_(None))


def reviews_waiting(theme: Theme, limit: int = 25) -> list[Lesson]:
    """Unreviewed lessons, oldest first (the longest wait first); not those sent back to their author."""
    return list(db.session.scalars(_theme_lessons(theme).where(Lesson.review_state == ReviewState.UNREVIEWED,
                                                               Lesson.review_remark == "")
                                   .order_by(Lesson.created_at, Lesson.id).limit(limit)))


def sent_back(theme: Theme, limit: int = 25) -> list[Lesson]:
    """Sent back with a remark and not reworked yet: waiting on the author, not on the theme owner."""
    return list(db.session.scalars(_theme_lessons(theme).where(Lesson.review_state == ReviewState.UNREVIEWED,
                                                               Lesson.review_remark != "")
                                   .order_by(Lesson.reviewed_at, Lesson.id).limit(limit)))


def completed_checks(theme: Theme, limit: int = 10) -> list[PriorWorkCheck]:
    return list(db.session.scalars(
        select(PriorWorkCheck).join(Project).where(
            PriorWorkCheck.completed_at.is_not(None), Project.deleted_at.is_(None),
            Project.themes.any(Theme.id == theme.id))
        .order_by(PriorWorkCheck.completed_at.desc()).limit(limit)))


def empty_searches(theme: Theme, now: datetime, limit: int = 15) -> list[EmptySearch]:
    """Searches that found nothing in the last 90 days, in this theme or in no theme, most asked first."""
    since = now - timedelta(days=EMPTY_SEARCH_DAYS)
    key = func.lower(func.trim(SearchLog.query))
    rows = db.session.execute(
        select(key, func.count(SearchLog.id), func.max(SearchLog.created_at), func.max(SearchLog.theme_slug))
        .where(SearchLog.result_count == 0, SearchLog.created_at >= since,
               or_(SearchLog.theme_slug == theme.slug, SearchLog.theme_slug == ""))
        .group_by(key).order_by(func.count(SearchLog.id).desc(), func.max(SearchLog.created_at).desc())
        .limit(limit)).all()
    return [EmptySearch(query, times, last, slug) for query, times, last, slug in rows]


def stale_lessons(theme: Theme, now: datetime, limit: int = 15) -> list[Lesson]:
    """Lessons nobody reviewed or read for over two years: verify, edit or archive them."""
    cutoff = now - STALE_AFTER
    return list(db.session.scalars(_theme_lessons(theme).where(
        Lesson.review_state != ReviewState.ARCHIVED, Lesson.created_at < cutoff,
        or_(Lesson.reviewed_at.is_(None), Lesson.reviewed_at < cutoff),
        or_(Lesson.last_viewed_at.is_(None), Lesson.last_viewed_at < cutoff))
        .order_by(Lesson.created_at).limit(limit)))


def imported_without_lessons(theme: Theme, limit: int = 25) -> list[Project]:
    """History brought in from a spreadsheet, with no lesson yet: whom to ask what was learned."""
    return list(db.session.scalars(_theme_projects(theme).where(
        Project.import_run_id.is_not(None), Project.status != ProjectStatus.CONCEPT,
        ~Project.lessons.any(Lesson.deleted_at.is_(None))).order_by(Project.title).limit(limit)))


def projects_with_inactive_lead(theme: Theme) -> list[Project]:
    """The lead has left: nobody in the organisation owns this project any more."""
    return list(db.session.scalars(_theme_projects(theme).join(User, Project.lead_id == User.id)
                                   .where(User.active.is_(False)).order_by(Project.title)))


def networks_without_municipality(theme: Theme, today: date) -> list[Network]:
    """Networks where nobody currently sits on behalf of the municipality: what is learned there stays
    personal and leaves with the person."""
    networks = db.session.scalars(select(Network).where(
        Network.themes.any(Theme.id == theme.id), Network.deleted_at.is_(None)).order_by(Network.name)).all()
    return [n for n in networks if not any(
        m.is_current(today) and not m.personal_capacity and m.user.active for m in n.memberships)]


# Pictures ---------------------------------------------------------------------------------------------

# Failures red and successes green, as the badges on the pages.
KIND_COLOURS = {LessonKind.SUCCESS: charts.GREEN, LessonKind.FAILURE: charts.RED,
                LessonKind.IMPROVEMENT: charts.AMBER, LessonKind.INSIGHT: charts.BLUE}

def lessons_per_kind_per_year(theme: Theme) -> BarChart:
    lessons = _theme_lessons(theme).subquery()
    counts = db.session.execute(select(extract("year", lessons.c.created_at), lessons.c.kind, func.count())
                                .group_by(extract("year", lessons.c.created_at), lessons.c.kind)).all()
    kinds = list(LessonKind)
    years = sorted({int(y) for y, _, _ in counts})
    table = {(int(y), LessonKind(k)): n for y, k, n in counts}
    return bar_chart(f"lessen-{theme.slug}", "Lessen per soort per jaar", "Jaar", [k.label for k in kinds],
                     [(str(y), [table.get((y, k), 0) for k in kinds]) for y in years],
                     colours=[KIND_COLOURS[k] for k in kinds])


def projects_per_stage(theme: Theme) -> BarChart:
    projects = _theme_projects(theme).subquery()
    counts = db.session.execute(select(projects.c.stage, projects.c.status, func.count())
                                .group_by(projects.c.stage, projects.c.status)).all()
    table = {(InnovationStage(stage), ProjectStatus(status)): n for stage, status, n in counts}
    statuses = list(ProjectStatus)
    return bar_chart(f"projecten-{theme.slug}", "Projecten per innovatiefase en status", "Fase",
                     [s.label for s in statuses],
                     [(stage.label, [table.get((stage, s), 0) for s in statuses]) for stage in InnovationStage],
                     colours=[charts.GREY, charts.BLUE, charts.GREEN, charts.RED])


def most_used_lessons(theme: Theme, limit: int = 5) -> BarChart:
    lessons = _theme_lessons(theme).subquery()
    rows = db.session.execute(select(lessons.c.title, func.count(LessonUse.id))
                              .join(LessonUse, LessonUse.lesson_id == lessons.c.id)
                              .group_by(lessons.c.id, lessons.c.title)
                              .order_by(func.count(LessonUse.id).desc(), lessons.c.title).limit(limit)).all()
    return bar_chart(f"gebruik-{theme.slug}", "Meest gebruikte lessen (aantal projecten)", "Les", ["Gebruikt"],
                     [(title, [n]) for title, n in rows])


# For administrators -----------------------------------------------------------------------------------

@dataclass
class Leaver:
    user: User
    holdings: handovers.Holdings


def leaving_soon(today: date | None = None) -> list[Leaver]:
    """Active colleagues with a departure date within 60 days (or past), and what they still hold."""
    today = today or date.today()
    people = db.session.scalars(select(User).where(
        User.active.is_(True), User.leaves_on.is_not(None), User.leaves_on <= today + LEAVING_WITHIN)
        .order_by(User.leaves_on)).all()
    return [Leaver(person, handovers.holdings(person, today)) for person in people]
