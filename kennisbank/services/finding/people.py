"""A person's page: what someone leads, wrote and which networks they are in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from ...extensions import db
from ...models import Handover, Lesson, Membership, Project, Theme, User
from ..access import permissions
from ..registry.lessons import visible_lessons
from ..registry.projects import visible_projects


def person_page(person: User, viewer: User, today: date | None = None) -> dict:
    today = today or date.today()
    led = db.session.scalars(visible_projects(viewer).where(Project.lead_id == person.id)
                             .order_by(Project.updated_at.desc())).all()
    member_of = db.session.scalars(visible_projects(viewer).where(Project.team.any(User.id == person.id))
                                   .order_by(Project.updated_at.desc())).all()
    lessons = select(Lesson).where(Lesson.author_id == person.id)
    if viewer.id != person.id and not permissions.is_admin(viewer):
        # A lesson shown "namens het projectteam" is not attributed to its author in public.
        lessons = lessons.where(Lesson.on_behalf_of_team.is_(False))
    lessons = lessons.where(Lesson.id.in_(visible_lessons(viewer).with_only_columns(Lesson.id)))
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == person.id)
                                     .order_by(Membership.since.desc())).all()
    return {
        "led": led, "member_of": member_of,
        "lessons": db.session.scalars(lessons.order_by(Lesson.created_at.desc())).all(),
        "current_memberships": [m for m in memberships if m.is_current(today) and not m.network.is_deleted],
        "past_memberships": [m for m in memberships if not m.is_current(today) and not m.network.is_deleted],
        "themes": [t for t in person.owned_themes if not t.is_deleted],
        "handovers": handovers(person, viewer),
    }


@dataclass
class HandedOver:
    item: object
    kind: str
    successor: User


def handovers(person: User, viewer: User) -> list[HandedOver]:
    """What a colleague who left handed over, and to whom: the items the viewer may see."""
    rows = db.session.scalars(select(Handover).where(Handover.user_id == person.id).order_by(Handover.id)).all()
    found = []
    for row in rows:
        item = db.session.get(Project if row.item_type == "project" else Theme, row.item_id)
        if item is None or item.is_deleted:
            continue
        if row.item_type == "project" and not permissions.can_view_project(viewer, item):
            continue
        found.append(HandedOver(item, row.item_type, row.successor))
    return found


def find_people(query: str, limit: int = 50) -> list[User]:
    """People by name, department or organisation (the 'who knows' search by topic is in search/)."""
    pattern = f"%{query.strip()}%"
    return list(db.session.scalars(select(User).where(
        or_(User.name.ilike(pattern), User.department.ilike(pattern), User.organisation.ilike(pattern)))
        .order_by(User.active.desc(), User.name).limit(limit)))
