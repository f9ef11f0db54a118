"""Themes: the synthesis page, owners, and everything known about a theme in one place."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import Lesson, Network, Project, ProjectStatus, Theme, User
from ..access import audit, permissions
from . import editing, revisions
from .lessons import lessons_for_theme
from .projects import visible_projects


def slugify(text: str, limit: int | None = 80) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit]


def active_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.deleted_at.is_(None)).order_by(Theme.name)))


def get_by_slug(slug: str) -> Theme | None:
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def create_theme(name: str, description: str, by: User) -> Theme:
    """:raises NotAllowed: not an administrator. :raises DomainError: empty or taken name."""
    if not permissions.can_manage_themes(by):
        raise NotAllowed("Alleen een beheerder kan thema's aanmaken.")
    name = name.strip()
    slug = slugify(name)
    if not name or not slug:
        raise DomainError("Geef het thema een naam.", {"name": "Geef het thema een naam."})
    if db.session.scalar(select(Theme.id).where((Theme.slug == slug) | (Theme.name == name))) is not None:
        raise DomainError(f"Er bestaat al een thema '{name}'.", {"name": f"Er bestaat al een thema '{name}'."})
    theme = Theme(slug=slug, name=name, description=description.strip())
    db.session.add(theme)
    db.session.flush()
    revisions.record(theme, "aangemaakt", by)
    audit.record("theme_created", by, theme, name=name)
    return theme


def update_theme(theme: Theme, *, description: str, synthesis: str, expected_version: int, by: User,
                 name: str | None = None) -> dict:
    """Owners edit the description and synthesis; only an administrator renames (the slug stays, so
    bookmarks keep working).

    :raises NotAllowed, DomainError, EditConflict:
    """
    if not permissions.can_edit_theme(by, theme):
        raise NotAllowed("Alleen de eigenaren van dit thema en beheerders kunnen het bewerken.")
    changes = {"description": description.strip(), "synthesis": synthesis.strip()}
    if name is not None and name.strip() != theme.name:
        if not permissions.can_manage_themes(by):
            raise NotAllowed("Alleen een beheerder kan een thema hernoemen.")
        taken = db.session.scalar(select(Theme.id).where(Theme.name == name.strip(), Theme.id != theme.id))
        if not name.strip() or taken is not None:
            raise DomainError("Deze naam is leeg of al in gebruik.", {"name": "Deze naam is leeg of al in gebruik."})
        changes["name"] = name.strip()
    return editing.apply_changes(theme, changes, expected_version=expected_version, by=by)


def set_owners(theme: Theme, owners: list[User], by: User) -> None:
    """:raises NotAllowed: not an administrator. :raises DomainError: an inactive user."""
    if not permissions.can_manage_themes(by):
        raise NotAllowed("Alleen een beheerder kan themaeigenaren aanwijzen.")
    if any(not owner.active for owner in owners):
        raise DomainError("Alleen actieve medewerkers kunnen themaeigenaar zijn.")
    editing.apply_changes(theme, {"owners": sorted(set(owners), key=lambda u: u.name)}, expected_version=None,
                          by=by, action="eigenaren gewijzigd")
    audit.record("theme_owners_changed", by, theme, owners=sorted(owner.id for owner in set(owners)))


@dataclass
class Expert:
    user: User
    score: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, points: int) -> None:
        self.score += points
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def why(self) -> str:
        """'themaeigenaar, leidde 2 projecten, schreef een les'."""
        return ", ".join(REASONS[reason][count > 1].format(n=count) for reason, count in self.reasons.items())


# Why someone counts as knowing a theme: (once, more than once).
REASONS = {"owner": ("themaeigenaar", "themaeigenaar"),
           "lead": ("leidde een project", "leidde {n} projecten"),
           "author": ("schreef een les", "schreef {n} lessen"),
           "member": ("zit in een netwerk", "zit in {n} netwerken")}


def experts_for(theme: Theme, today: date | None = None, limit: int = 8) -> list[Expert]:
    """People who know most about a theme: who led its projects, wrote its lessons (not the ones shown
    'namens het projectteam'), sit in its networks, and own it."""
    today = today or date.today()
    experts: dict[int, Expert] = {}

    def credit(user: User, reason: str, points: int) -> None:
        if user.active:
            experts.setdefault(user.id, Expert(user)).add(reason, points)

    for owner in theme.owners:
        credit(owner, "owner", 3)
    for project in db.session.scalars(select(Project).where(
            Project.themes.any(Theme.id == theme.id), Project.deleted_at.is_(None),
            Project.status != ProjectStatus.CONCEPT)):
        credit(project.lead, "lead", 3)
    for lesson in db.session.scalars(select(Lesson).where(
            Lesson.themes.any(Theme.id == theme.id), Lesson.deleted_at.is_(None),
            Lesson.on_behalf_of_team.is_(False))):
        credit(lesson.author, "author", 1)
    for network in db.session.scalars(select(Network).where(
            Network.themes.any(Theme.id == theme.id), Network.deleted_at.is_(None))):
        for membership in network.memberships:
            if membership.is_current(today):
                credit(membership.user, "member", 1)
    ranked = sorted(experts.values(), key=lambda e: (-e.score, e.user.name))
    return ranked[:limit]


def theme_page(theme: Theme, user: User) -> dict:
    projects = db.session.scalars(visible_projects(user).where(Project.themes.any(Theme.id == theme.id))
                                  .order_by(Project.updated_at.desc()).limit(50)).all()
    networks = db.session.scalars(select(Network).where(Network.themes.any(Theme.id == theme.id),
                                                        Network.deleted_at.is_(None)).order_by(Network.name)).all()
    return {"projects": projects, "lessons": lessons_for_theme(theme), "networks": networks,
            "experts": experts_for(theme)}
