"""Attachments on projects and lessons: the same permissions as the item, the type decided by content,
the bytes once per content, removal soft and in the item's history. The text is read later, by the
indexer (search/extract.py), never during the upload."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...ground import files
from ...ground.errors import DomainError, NotAllowed
from ...models import Attachment, AttachmentBlob, Lesson, Project, User
from ...models.base import utcnow
from ..access import permissions
from . import revisions

MODELS = {"project": Project, "lesson": Lesson}


def item_of(kind: str, item_id: int):
    model = MODELS.get(kind)
    return db.session.get(model, item_id) if model else None


def can_view(user: User, attachment: Attachment) -> bool:
    item = item_of(attachment.item_type, attachment.item_id)
    return item is not None and not attachment.is_deleted and permissions.can_view_item(user, attachment.item_type,
                                                                                         item)


def can_change(user: User, kind: str, item) -> bool:
    if kind == "project":
        return permissions.can_edit_project(user, item)
    return permissions.can_edit_lesson(user, item)


def _within_hourly_limit(by: User) -> None:
    """:raises DomainError: this person added UPLOADS_PER_HOUR files in the last hour already (counted in
    the database, so the same on every host and process; removed files count too)."""
    limit = int(current_app.config["UPLOADS_PER_HOUR"])
    since = utcnow() - timedelta(hours=1)
    added = db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.uploaded_by_id == by.id, Attachment.created_at > since))
    if added >= limit:
        files.refuse(f"U heeft het afgelopen uur al {added} bestanden toegevoegd; meer dan {limit} per uur kan niet "
                     "(KENNISBANK_UPLOADS_PER_HOUR). Probeer het over een uur opnieuw.")


def download_name(attachment: Attachment) -> str:
    """The stored name with its type's extension (files stored before names followed their type, too)."""
    return files.stored_name(attachment.file_name, files.KIND_OF_MEDIA_TYPE.get(attachment.media_type, "txt"))


def add(kind: str, item, file_name: str, content: bytes, by: User) -> Attachment:
    """:raises NotAllowed: may not edit the item. :raises DomainError: empty, too large, or not a document."""
    if not can_change(by, kind, item):
        raise NotAllowed("Alleen wie dit mag bewerken, kan er een bijlage aan toevoegen.")
    limit = int(current_app.config["UPLOAD_MAX_MB"])
    if not content:
        files.refuse("Het bestand is leeg.")
    if len(content) > limit * 1024 * 1024:
        files.refuse(f"Het bestand is groter dan {limit} MB (KENNISBANK_UPLOAD_MAX_MB).")
    _within_hourly_limit(by)
    kind_of_file = files.attachment_kind(content, file_name)
    digest = hashlib.sha256(content).hexdigest()
    blob = db.session.scalar(select(AttachmentBlob).where(AttachmentBlob.sha256 == digest))
    if blob is None:
        blob = AttachmentBlob(sha256=digest, content=content)
        db.session.add(blob)
    attachment = Attachment(item_type=kind, item_id=item.id,
                            file_name=files.stored_name(file_name, kind_of_file),
                            media_type=files.ATTACHMENT_TYPES[kind_of_file], size=len(content), blob=blob,
                            uploaded_by=by, text_state="niet nodig" if kind_of_file in ("png", "jpeg") else "wacht")
    db.session.add(attachment)
    db.session.flush()
    revisions.record(item, "bijlage toegevoegd", by, {"bijlage": [None, attachment.file_name]})
    return attachment


def remove(attachment: Attachment, by: User) -> None:
    item = item_of(attachment.item_type, attachment.item_id)
    if item is None or not can_change(by, attachment.item_type, item):
        raise NotAllowed("Alleen wie dit mag bewerken, kan een bijlage verwijderen.")
    if attachment.deleted_at is None:
        attachment.deleted_at = utcnow()
        revisions.record(item, "bijlage verwijderd", by, {"bijlage": [attachment.file_name, None]})
        db.session.flush()


def of_item(kind: str, item_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(
        Attachment.item_type == kind, Attachment.item_id == item_id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id)))
