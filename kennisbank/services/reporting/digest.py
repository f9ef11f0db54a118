"""The weekly digest: per theme owner and per project lead, what waits for them — and why they get it.

An e-mail that does not say why it came is ignored; each item therefore carries its reason ("u bent
eigenaar van het thema Energie"). Built from the same queries as the dashboard, so mail and page agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from ...extensions import db
from ...models import Lesson, Project, ProjectStatus, ReviewState, User
from ...models.base import utcnow
from ..gates.closure import closure_needs
from ..gates.voortoets import start_problems
from ..notifying.mailer import new_message
from . import dashboard

WEEK = timedelta(days=7)


@dataclass
class Item:
    text: str
    why: str
    path: str


@dataclass
class Digest:
    user: User
    items: list[Item] = field(default_factory=list)


def build_digests(now: datetime | None = None) -> list[Digest]:
    """One digest per active user with something waiting; nobody gets an empty mail."""
    now = now or utcnow()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    digests = [Digest(person, _owner_items(person, now) + _lead_items(person, now)) for person in people]
    return [d for d in digests if d.items]


def _owner_items(user: User, now: datetime) -> list[Item]:
    items: list[Item] = []
    for board in dashboard.theme_dashboards(user, with_charts=False, now=now):
        why = f"U bent eigenaar van het thema {board.theme.name}."
        for lesson in board.reviews:
            waited = (now - lesson.created_at).days
            items.append(Item(f"Les wacht op toetsing: {lesson.title} (sinds {waited} dagen)", why,
                              f"/lessen/{lesson.id}"))
        for check in board.checks:
            if check.completed_at and check.completed_at >= now - WEEK:
                items.append(Item(f"Nieuwe voortoets afgerond: {check.project.title}",
                                  why + " Mist de projectleider iets? Voeg een 'kijk ook naar …' toe.",
                                  f"/projecten/{check.project.id}/voortoets"))
        recent = [s for s in board.empty_searches if s.last >= now - WEEK]
        if recent:
            queries = ", ".join(f"'{s.query}'" for s in recent[:5])
            items.append(Item(f"Zoekvragen zonder resultaat deze week: {queries}",
                              why + " Dit zoeken collega's en het staat nog niet in kennisbank.", "/mijn"))
        if board.stale_lessons:
            items.append(Item(f"{len(board.stale_lessons)} lessen zijn meer dan twee jaar niet getoetst of bekeken",
                              why + " Controleer, bewerk of archiveer ze.", f"/mijn#thema-{board.theme.slug}"))
        for project in board.orphaned_projects:
            items.append(Item(f"Project zonder actieve projectleider: {project.title}",
                              why + " De projectleider is uit dienst; zoek een nieuwe eigenaar.",
                              f"/projecten/{project.id}"))
        for network in board.networks_without_municipality:
            items.append(Item(f"Niemand namens de gemeente in het netwerk {network.name}",
                              why + " Kennis uit dit netwerk komt zo niet in de organisatie.",
                              f"/netwerken/{network.slug}"))
    return items


def _lead_items(user: User, now: datetime) -> list[Item]:
    items: list[Item] = []
    projects = db.session.scalars(select(Project).where(
        Project.lead_id == user.id, Project.deleted_at.is_(None),
        Project.status.in_([ProjectStatus.CONCEPT, ProjectStatus.STARTED])).order_by(Project.title)).all()
    for project in projects:
        why = f"U bent projectleider van {project.title}."
        if project.status == ProjectStatus.CONCEPT:
            needs = start_problems(project)
            items.append(Item(f"Concept wacht op de voortoets: {project.title} ({' '.join(needs)})", why,
                              f"/projecten/{project.id}/voortoets"))
        elif project.end_date and project.end_date < now.date():
            needs = closure_needs(project)
            items.append(Item(f"Einddatum verstreken: sluit {project.title} af met de lessen"
                              + (f" ({' '.join(needs)})" if needs else ""), why, f"/projecten/{project.id}/afsluiten"))
    sent_back = db.session.scalars(select(Lesson).where(
        Lesson.author_id == user.id, Lesson.deleted_at.is_(None), Lesson.review_state == ReviewState.UNREVIEWED,
        Lesson.review_remark != "")).all()
    for lesson in sent_back:
        items.append(Item(f"Les teruggestuurd: {lesson.title} – {lesson.review_remark}",
                          "U schreef deze les; de themaeigenaar vraagt een aanpassing.", f"/lessen/{lesson.id}/bewerken"))
    return items


def as_email(digest: Digest, *, sender: str, base_url: str, today: date | None = None) -> EmailMessage:
    today = today or date.today()
    count = len(digest.items)
    message = new_message(sender, digest.user,
                          f"kennisbank: {count} {'punt wacht' if count == 1 else 'punten wachten'} op u")
    lines = [f"Beste {digest.user.name},", "",
             f"Dit wacht in kennisbank op u (overzicht van {today.strftime('%d-%m-%Y')}):", ""]
    for item in digest.items:
        lines += [f"- {item.text}", f"  Waarom u dit krijgt: {item.why}", f"  {base_url.rstrip('/')}{item.path}", ""]
    lines += ["Alles staat ook op Mijn kennisbank: " + base_url.rstrip("/") + "/mijn", "",
              "U krijgt dit wekelijkse overzicht omdat u eigenaar bent van een thema of projectleider van een "
              "lopend project, of omdat een les van u is teruggestuurd."]
    message.set_content("\n".join(lines))
    return message
