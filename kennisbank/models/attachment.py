"""Files on a project or lesson (an evaluation report, a lessons-learned document). The bytes live in the
database — every host sees them and the backup holds them — once per content (SHA-256)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeletable, utcnow
from .user import User

# What the indexer found in a file: shown beside it, so nobody wonders why a report is not found.
TEXT_STATES = {"wacht": "tekst wordt gelezen", "gelezen": "tekst doorzoekbaar",
               "geen tekst": "geen tekst gevonden (gescand?)", "niet leesbaar": "tekst niet leesbaar",
               "niet nodig": "afbeelding"}


class AttachmentBlob(db.Model):
    __tablename__ = "attachment_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Attachment(SoftDeletable, db.Model):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_item", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20), nullable=False)  # project | lesson
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    file_name: Mapped[str] = mapped_column(String(160), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    blob_id: Mapped[int] = mapped_column(ForeignKey("attachment_blobs.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    text_state: Mapped[str] = mapped_column(String(20), nullable=False, default="wacht")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    blob: Mapped[AttachmentBlob] = relationship()
    uploaded_by: Mapped[User] = relationship()

    @property
    def state_label(self) -> str:
        return TEXT_STATES.get(self.text_state, self.text_state)
