"""Leaving the organisation: hand over what someone holds, then deactivate. Nothing is deleted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import Handover, Membership, Project, ProjectStatus, Theme, User
from ...models.base import utcnow
from ..access import audit, permissions, sessions
from . import editing, revisions


@dataclass
class Holdings:
    open_projects: list[Project]
    themes: list[Theme]
    memberships: list[Membership]

    @property
    def must_hand_over(self) -> bool:
        return bool(self.open_projects or self.themes)


def holdings(user: User, today: date | None = None) -> Holdings:
    today = today or date.today()
    projects = db.session.scalars(select(Project).where(
        Project.lead_id == user.id, Project.deleted_at.is_(None),
        Project.status.in_([ProjectStatus.CONCEPT, ProjectStatus.STARTED])).order_by(Project.title)).all()
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    return Holdings(list(projects), [t for t in user.owned_themes if not t.is_deleted],
                    [m for m in memberships if m.is_current(today)])


def deactivate_user(user: User, by: User, *, project_successors: dict[int, User],
                    theme_successors: dict[int, User]) -> None:
    """Hand over the user's open projects and themes, end their memberships today, deactivate.

    Their lessons stay, shown as written by an oud-medewerker.

    :raises NotAllowed: not an administrator, or deactivating oneself.
    :raises DomainError: an open project or theme without an (active, other) successor; per item.
    """
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan een account deactiveren.")
    if user.id == by.id:
        raise NotAllowed("U kunt uw eigen account niet deactiveren.")
    if not user.active:
        raise DomainError(f"{user.name} is al gedeactiveerd.")
    held = holdings(user)
    problems: dict[str, str] = {}
    for project in held.open_projects:
        successor = project_successors.get(project.id)
        if successor is None or not successor.active or successor.id == user.id:
            problems[f"project-{project.id}"] = f"Kies een nieuwe projectleider voor '{project.title}'."
    for theme in held.themes:
        successor = theme_successors.get(theme.id)
        others = [o for o in theme.owners if o.id != user.id and o.active]
        if (successor is None and not others) or (successor is not None and
                                                  (not successor.active or successor.id == user.id)):
            problems[f"theme-{theme.id}"] = f"Kies een nieuwe eigenaar voor het thema '{theme.name}'."
    if problems:
        raise DomainError(f"{user.name} kan pas worden gedeactiveerd als alles is overgedragen.", problems)
    for project in held.open_projects:
        editing.apply_changes(project, {"lead": project_successors[project.id]}, expected_version=None, by=by,
                              action="overgedragen")
        db.session.add(Handover(user_id=user.id, successor_id=project_successors[project.id].id,
                                item_type="project", item_id=project.id))
    for theme in held.themes:
        owners = [o for o in theme.owners if o.id != user.id]
        successor = theme_successors.get(theme.id)
        if successor is not None and successor not in owners:
            owners.append(successor)
        # Who to ask now: the successor chosen, or else the owners who stay.
        for heir in [successor] if successor is not None else [o for o in owners if o.active]:
            db.session.add(Handover(user_id=user.id, successor_id=heir.id, item_type="theme", item_id=theme.id))
        editing.apply_changes(theme, {"owners": sorted(owners, key=lambda u: u.name)}, expected_version=None,
                              by=by, action="overgedragen")
    today = date.today()
    for membership in held.memberships:
        membership.until = max(today, membership.since)
        revisions.record(membership.network, "lidmaatschap beëindigd", by,
                         {"lid": [user.name, f"tot {membership.until.isoformat()} (uit dienst)"]})
    user.active = False
    user.deactivated_at = utcnow()
    ended = sessions.end_all(user, "gedeactiveerd")  # logged out everywhere, at once
    audit.record("account_deactivated", by, user, projects=len(held.open_projects), themes=len(held.themes),
                 sessions=ended)
    db.session.flush()


def reactivate_user(user: User, by: User) -> None:
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan een account heractiveren.")
    user.active = True
    user.deactivated_at = None
    audit.record("account_reactivated", by, user)
    db.session.flush()


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))


def themes_without_owner() -> list[Theme]:
    themes = db.session.scalars(select(Theme).where(Theme.deleted_at.is_(None)).order_by(Theme.name)).all()
    return [t for t in themes if not any(o.active for o in t.owners)]


def set_departure(user: User, by: User, leaves_on: date | None) -> None:
    """Record (or clear) the date a colleague leaves, so the dashboard warns while there is time to hand over.

    :raises NotAllowed: not an administrator. :raises DomainError: a date for a deactivated account.
    """
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan een vertrekdatum vastleggen.")
    if not user.active and leaves_on is not None:
        raise DomainError(f"{user.name} is al gedeactiveerd.")
    user.leaves_on = leaves_on
    audit.record("departure_set", by, user, leaves_on=leaves_on.isoformat() if leaves_on else "")
    db.session.flush()
