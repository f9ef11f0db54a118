"""Writing the audit trail. Services call `record` for every change they make."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import select

from ...extensions import db
from ...models import Revision, User
from ..notifying import notifications


def as_text(value) -> str | None:
    """A value as it is kept in history: plain text, so old revisions stay readable."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return ", ".join(as_text(item) or "" for item in value)
    if hasattr(value, "name") and hasattr(value, "id"):  # a related row (theme, user)
        return str(value.name)
    return str(value)


def record(entity, action: str, user: User | None, changes: dict | None = None) -> Revision:
    """Add a revision of `entity`, and the notifications for its followers, to the current transaction.

    Without autoflush: reading an expired `user` or the item's themes here would flush the change being
    recorded before the caller is done with it, so the row is written twice and its version bumped twice
    (the next editor would meet a false conflict)."""
    with db.session.no_autoflush:
        revision = Revision(entity_type=entity.__class__.__name__.lower(), entity_id=entity.id, action=action,
                            user_id=user.id if user else None, changes=changes or {})
        db.session.add(revision)
        notifications.queue(revision, entity)  # in the same transaction: told exactly when it commits
    return revision


def snapshot(entity, fields: list[str]) -> dict[str, str | None]:
    return {field: as_text(getattr(entity, field)) for field in fields}


def diff(before: dict[str, str | None], after: dict[str, str | None]) -> dict[str, list]:
    return {field: [before[field], after[field]] for field in after if before.get(field) != after[field]}


def history(entity) -> list[Revision]:
    """An item's revisions, newest first."""
    return list(db.session.scalars(select(Revision).where(
        Revision.entity_type == entity.__class__.__name__.lower(), Revision.entity_id == entity.id)
        .order_by(Revision.created_at.desc(), Revision.id.desc())))
