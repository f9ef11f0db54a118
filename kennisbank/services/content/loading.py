"""Loading content/ (starting themes, and optionally the demo data set) into the database.

Idempotent: every record has a natural key (theme slug, e-mail, network slug, project/lesson key);
what already exists is left exactly as it is, so loading twice changes nothing and never overwrites
what people edited since. (Vocabulary groups nobody edited follow their file: services/content/vocabulary.py.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ...extensions import db
from ...ground import municipalities
from ...ground.errors import DomainError
from ...models import (InnovationStage, Lesson, LessonKind, LessonUse, LessonUseSource, Membership, MembershipRole,
                       Network, NetworkKind, PriorWorkCheck, Project, ProjectStatus, ReviewState, Theme, User)
from ...models.base import utcnow
from ...search.vocabulary import VocabularyError
from ..access import users
from ..notifying import follows
from ..registry import revisions
from . import frontmatter, vocabulary

CONTENT_ACTION = "geladen uit content"


class ContentError(DomainError):
    """A content file is wrong; the message names the file and what to fix."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)  # untouched by people, brought up to date

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.skipped
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        made = ", ".join(f"{n} {kind}" for kind, n in self.created.items()) or "niets"
        kept = sum(self.skipped.values())
        updated = "".join(f" Bijgewerkt uit content: {n} {kind}." for kind, n in self.updated.items())
        return f"Aangemaakt: {made}.{updated} Al aanwezig en ongewijzigd gelaten: {kept}."


def load_content(content_dir: Path, *, demo: bool, demo_password: str) -> LoadReport:
    """Load themes, and with `demo` the demo users, networks, projects and lessons.

    :raises ContentError: a file refers to something unknown or misses a required field;
        nothing is loaded then (the caller rolls back).
    """
    try:
        return _load_all(content_dir, demo, demo_password)
    except (frontmatter.FrontMatterError, VocabularyError) as error:
        raise ContentError(str(error)) from None


def _load_all(content_dir: Path, demo: bool, demo_password: str) -> LoadReport:
    report = LoadReport()
    for doc in frontmatter.read_folder(content_dir / "themes"):
        _load_theme(doc, report)
    added, updated, kept = vocabulary.load_content(content_dir / vocabulary.FOLDER)
    if added:
        report.created["woordgroepen"] = added
    if updated:
        report.updated["woordgroepen"] = updated
    if kept:
        report.skipped["woordgroepen"] = kept
    if demo:
        demo_dir = content_dir / "demo"
        _load_users(frontmatter.read(demo_dir / "users.md"), demo_password, report)
        for doc in frontmatter.read_folder(demo_dir / "networks"):
            _load_network(doc, report)
        project_docs = frontmatter.read_folder(demo_dir / "projects")
        for doc in project_docs:
            _load_project(doc, report)
        for doc in project_docs:  # after every lesson exists: lessons used by later projects
            _load_lesson_uses(doc, report)
    db.session.flush()
    return report


def _require(doc: frontmatter.Document, meta: dict, *keys: str) -> None:
    missing = [key for key in keys if not meta.get(key)]
    if missing:
        raise ContentError(f"{doc.path.name}: verplicht veld ontbreekt: {', '.join(missing)}.")


def _theme(doc, slug: str) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        raise ContentError(f"{doc.path.name}: onbekend thema '{slug}'.")
    return theme


def _user(doc, email: str) -> User:
    user = users.find_by_email(email)
    if user is None:
        raise ContentError(f"{doc.path.name}: onbekende gebruiker '{email}' (staat niet in demo/users.md).")
    return user


def _enum(doc, enum_cls, value: str, what: str):
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise ContentError(f"{doc.path.name}: '{value}' is geen geldige {what}; kies uit {allowed}.") from None


def _load_theme(doc, report: LoadReport) -> None:
    meta = doc.meta
    slug = meta.get("slug") or doc.path.stem
    _require(doc, meta, "name", "description")
    if db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
        report.count("thema's", created=False)
        return
    theme = Theme(slug=slug, name=meta["name"], description=meta["description"], synthesis=doc.body)
    db.session.add(theme)
    db.session.flush()
    revisions.record(theme, CONTENT_ACTION, None)
    report.count("thema's", created=True)


def _load_users(doc, password: str, report: LoadReport) -> None:
    for entry in doc.meta.get("users", []):
        _require(doc, entry, "email", "name")
        user = users.find_by_email(entry["email"])
        if user is None:
            user = users.create_user(entry["email"], entry["name"], password,
                                     department=entry.get("department", ""),
                                     organisation=entry.get("organisation", ""),
                                     is_admin=bool(entry.get("admin", False)))
            user.is_demo = True  # made with the published demo password: listed on the beheer page
            user.phone = str(entry.get("phone", ""))
            if entry.get("active") is False:
                user.active = False
                user.deactivated_at = utcnow()
            if entry.get("leaves_in_days") is not None:
                # Relative to the day of loading, so the demo always shows someone about to leave.
                user.leaves_on = date.today() + timedelta(days=int(entry["leaves_in_days"]))
            report.count("gebruikers", created=True)
        else:
            report.count("gebruikers", created=False)
        for slug in entry.get("owns", []):
            theme = _theme(doc, slug)
            if user not in theme.owners:
                theme.owners.append(user)
        if user.active:
            db.session.flush()
            for slug in entry.get("follows", []):  # so that Mijn instellingen and kb notify show something
                follows.follow(user, "theme", _theme(doc, slug).id)


def _load_network(doc, report: LoadReport) -> None:
    meta = doc.meta
    slug = meta.get("slug") or doc.path.stem
    _require(doc, meta, "name", "kind")
    if db.session.scalar(select(Network.id).where(Network.slug == slug)) is not None:
        report.count("netwerken", created=False)
        return
    network = Network(slug=slug, name=meta["name"], kind=_enum(doc, NetworkKind, meta["kind"], "soort netwerk"),
                      description=doc.body, url=meta.get("url", ""),
                      themes=[_theme(doc, s) for s in meta.get("themes", [])])
    db.session.add(network)
    for member in meta.get("members", []):
        _require(doc, member, "email", "since")
        network.memberships.append(Membership(
            user=_user(doc, member["email"]),
            role=_enum(doc, MembershipRole, member.get("role", "lid"), "rol"),
            personal_capacity=bool(member.get("personal", False)),
            since=member["since"], until=member.get("until")))
    db.session.flush()
    revisions.record(network, CONTENT_ACTION, None)
    report.count("netwerken", created=True)
    for entry in meta.get("lessons", []):
        _load_lesson(doc, entry, report, network=network)


def _load_project(doc, report: LoadReport) -> None:
    meta = doc.meta
    key = meta.get("key") or doc.path.stem
    _require(doc, meta, "title", "lead", "question", "status")
    if db.session.scalar(select(Project.id).where(Project.content_key == key)) is not None:
        report.count("projecten", created=False)
        return
    municipality_code = None
    if meta.get("municipality"):
        try:
            municipality_code = municipalities.resolve(meta["municipality"]).code
        except DomainError as error:
            raise ContentError(f"{doc.path.name}: {error.message}") from None
    status = _enum(doc, ProjectStatus, meta["status"], "status")
    start, end = meta.get("start"), meta.get("end")
    project = Project(
        content_key=key, title=meta["title"], municipality_code=municipality_code,
        organisation=meta.get("organisation", ""), department=meta.get("department", ""),
        lead=_user(doc, meta["lead"]), question=meta["question"], goal=meta.get("goal", ""), approach=doc.body,
        partners=meta.get("partners", ""), funding=meta.get("funding", ""), area=meta.get("area", ""),
        start_date=start, end_date=end, outcome=meta.get("outcome", ""), tags=list(meta.get("tags", [])),
        links="\n".join(meta.get("links", [])), status=status,
        stage=_enum(doc, InnovationStage, meta.get("stage", "verkenning"), "innovatiefase"),
        closure_note=meta.get("closure_note", ""),
        themes=[_theme(doc, s) for s in meta.get("themes", [])])
    if status != ProjectStatus.CONCEPT:
        project.started_at = _as_datetime(start)
    if status in (ProjectStatus.CLOSED, ProjectStatus.STOPPED):
        project.closed_at = _as_datetime(end)
    db.session.add(project)
    db.session.flush()
    check = meta.get("voortoets")
    if check:
        _require(doc, check, "conclusion")
        db.session.add(PriorWorkCheck(project=project, basis_text=f"{project.title}\n{project.question}",
                                      conclusion=check["conclusion"], completed_by=project.lead,
                                      completed_at=project.started_at or utcnow()))
    elif status != ProjectStatus.CONCEPT:
        raise ContentError(f"{doc.path.name}: een gestart project heeft een voortoets nodig "
                           "('voortoets: conclusion: ...').")
    revisions.record(project, CONTENT_ACTION, None)
    report.count("projecten", created=True)
    for entry in meta.get("lessons", []):
        _load_lesson(doc, entry, report, project=project)


def _load_lesson(doc, entry: dict, report: LoadReport, *, project: Project | None = None,
                 network: Network | None = None) -> None:
    _require(doc, entry, "key", "title", "kind", "author", "advice")
    if db.session.scalar(select(Lesson.id).where(Lesson.content_key == entry["key"])) is not None:
        report.count("lessen", created=False)
        return
    # Resolve every lookup before the Lesson exists: a query would autoflush a half-built lesson.
    slugs = entry.get("themes") or [t.slug for t in (project or network).themes]
    themes = [_theme(doc, s) for s in slugs]
    author = _user(doc, entry["author"])
    reviewer = _user(doc, entry.get("reviewer") or entry["author"])
    kind = _enum(doc, LessonKind, entry["kind"], "soort les")
    state = _enum(doc, ReviewState, entry.get("review", "ongetoetst"), "toetsstatus")
    lesson = Lesson(
        content_key=entry["key"], title=entry["title"], kind=kind,
        context=entry.get("context", ""), what_happened=entry.get("what_happened", ""),
        lesson_learned=entry.get("lesson", ""), advice=entry["advice"],
        transferability=entry.get("transferability", ""), tags=list(entry.get("tags", [])),
        author=author, on_behalf_of_team=bool(entry.get("on_behalf_of_team", False)),
        explains_stop=bool(entry.get("explains_stop", False)), project=project, network=network,
        review_state=state, themes=themes)
    if entry.get("date"):
        lesson.created_at = _as_datetime(entry["date"])
    if state != ReviewState.UNREVIEWED:
        # Reviewed when it was written: old demo lessons then show up as due for a fresh look.
        lesson.reviewed_by = reviewer
        lesson.reviewed_at = lesson.created_at or utcnow()
    db.session.add(lesson)
    db.session.flush()
    revisions.record(lesson, CONTENT_ACTION, None)
    report.count("lessen", created=True)


def _load_lesson_uses(doc, report: LoadReport) -> None:
    meta = doc.meta
    project = db.session.scalar(select(Project).where(Project.content_key == (meta.get("key") or doc.path.stem)))
    for entry in meta.get("uses", []):
        lesson = db.session.scalar(select(Lesson).where(Lesson.content_key == entry["lesson"]))
        if lesson is None:
            raise ContentError(f"{doc.path.name}: onbekende les '{entry['lesson']}' bij 'uses'.")
        exists = db.session.scalar(select(LessonUse.id).where(LessonUse.lesson_id == lesson.id,
                                                              LessonUse.project_id == project.id))
        if exists is not None:
            report.count("toepassingen", created=False)
            continue
        db.session.add(LessonUse(lesson=lesson, project=project, user=project.lead, note=entry.get("note", ""),
                                 source=_enum(doc, LessonUseSource, entry.get("source", "voortoets"), "bron")))
        report.count("toepassingen", created=True)


def _as_datetime(value: date | None) -> datetime | None:
    """A content date as a timestamp: 09:00 that day (office hours look natural in history)."""
    if value is None:
        return None
    return datetime.combine(value, datetime.min.time()) + timedelta(hours=9)
