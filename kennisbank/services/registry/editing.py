"""Changing a record: optimistic locking, the audit trail, soft delete. Used by every service that edits.

Nothing is silently overwritten: the form carries the version it was based on; a different version,
or a concurrent write caught by SQLAlchemy's version counter, raises EditConflict with both texts.
"""
from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import User
from ...models.base import utcnow
from ..access import audit
from . import revisions


class EditConflict(DomainError):
    """Someone else saved first. Carries the submitted values so the conflict page can keep them."""

    def __init__(self, entity, submitted: dict):
        super().__init__("Iemand anders heeft dit intussen gewijzigd. Uw tekst is niet verloren: vergelijk "
                         "beide versies en sla opnieuw op.")
        self.entity = entity
        self.submitted = submitted


def apply_changes(entity, changes: dict, *, expected_version: int | None, by: User,
                  action: str = "gewijzigd") -> dict:
    """Set `changes` on `entity`, record a revision of what really changed, and flush.

    :raises EditConflict: the entity's version is not the one the form was based on, or a concurrent
        transaction updated it first.
    """
    if expected_version is not None and expected_version != entity.version:
        raise EditConflict(entity, changes)
    before = revisions.snapshot(entity, list(changes))
    for field, value in changes.items():
        setattr(entity, field, value)
    diff = revisions.diff(before, revisions.snapshot(entity, list(changes)))
    if diff:
        revisions.record(entity, action, by, diff)
        # An UPDATE of the row itself, so the version counter also guards changes to only its relations.
        entity.updated_at = utcnow()
    flush_or_conflict(entity, changes)
    return diff


def flush_or_conflict(entity, submitted: dict) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(entity)
        raise EditConflict(entity, submitted) from None


def soft_delete(entity, by: User) -> None:
    """:raises NotAllowed: for anyone but an administrator."""
    if not by.is_admin:
        raise NotAllowed("Alleen een beheerder kan iets verwijderen.")
    if entity.deleted_at is None:
        entity.deleted_at = utcnow()
        revisions.record(entity, "verwijderd", by)
        audit.record("item_deleted", by, entity)
        db.session.flush()


def restore(entity, by: User) -> None:
    if not by.is_admin:
        raise NotAllowed("Alleen een beheerder kan iets terugzetten.")
    if entity.deleted_at is not None:
        entity.deleted_at = None
        revisions.record(entity, "teruggezet", by)
        audit.record("item_restored", by, entity)
        db.session.flush()
