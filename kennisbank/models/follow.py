"""Following an item, and the notifications that follow from it.

A notification is written in the same transaction as the revision it reports, so a change that commits
is always told and a change that rolls back never is; `flask kb notify` sends what is due (several hosts
may run it, see services/notifying/notifications.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .revision import Revision
from .user import User


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "item_type", "item_id", name="uq_follows_user_item"),
                      Index("ix_follows_item", "item_type", "item_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    item_type: Mapped[str] = mapped_column(String(20), nullable=False)  # project | lesson | theme | network
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship()


class Notification(db.Model):
    """One change told to one follower; `sent_at` stays empty until a mail carrying it was accepted."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "revision_id", name="uq_notifications_user_revision"),
                      Index("ix_notifications_pending", "sent_at", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), nullable=False)
    # Which follow brought it (the item itself, or the project, network or theme it belongs to).
    via_type: Mapped[str] = mapped_column(String(20), nullable=False)
    via_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()
    revision: Mapped[Revision] = relationship()
