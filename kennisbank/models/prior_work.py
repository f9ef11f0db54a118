"""The voortoets "Wat is er al eerder gedaan?": the evidence that a lead looked at earlier work."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamps, Versioned, enum_column, utcnow
from .enums import Verdict
from .user import User

if TYPE_CHECKING:
    from .project import Project


class PriorWorkCheck(Versioned, Timestamps, db.Model):
    __tablename__ = "prior_work_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True,
                                            nullable=False)
    # The concept's text the suggestions were computed for: a later substantial change makes the check stale.
    basis_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    conclusion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    project: Mapped[Project] = relationship(back_populates="prior_work_check")
    completed_by: Mapped[User | None] = relationship()
    suggestions: Mapped[list[PriorWorkSuggestion]] = relationship(
        back_populates="check", order_by="PriorWorkSuggestion.rank", cascade="all, delete-orphan")
    searches: Mapped[list[PriorWorkSearch]] = relationship(
        back_populates="check", order_by="PriorWorkSearch.created_at", cascade="all, delete-orphan")

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class PriorWorkSuggestion(db.Model):
    """One earlier project, lesson or network shown to the lead, with the lead's verdict."""

    __tablename__ = "prior_work_suggestions"
    __table_args__ = (UniqueConstraint("check_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("prior_work_checks.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    item_type: Mapped[str] = mapped_column(String(20), nullable=False)  # project | lesson | network
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, "verdict"), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Set when a theme owner added it ("kijk ook naar …"); empty for the system's own suggestions.
    suggested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    check: Mapped[PriorWorkCheck] = relationship(back_populates="suggestions")
    suggested_by: Mapped[User | None] = relationship()


class PriorWorkSearch(db.Model):
    """An extra search the lead ran during the voortoets, with what it returned."""

    __tablename__ = "prior_work_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("prior_work_checks.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    query: Mapped[str] = mapped_column(String(500), nullable=False)
    result_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    results: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [[type, id], ...]
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    check: Mapped[PriorWorkCheck] = relationship(back_populates="searches")
    user: Mapped[User] = relationship()


__all__ = ["PriorWorkCheck", "PriorWorkSuggestion", "PriorWorkSearch", "Verdict"]
