"""A lesson learned (les) — failures first-class — and its uses in later projects (toepassingen)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, DateTime, ForeignKey, String, Table, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeletable, Timestamps, Versioned, enum_column, utcnow
from .enums import LessonKind, LessonUseSource, ReviewState
from .theme import Theme
from .user import User

if TYPE_CHECKING:
    from .network import Network
    from .project import Project

lesson_themes = Table(
    "lesson_themes",
    db.metadata,
    Column("lesson_id", ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Lesson(Versioned, Timestamps, SoftDeletable, db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        # A lesson comes from a project, from a network, or from neither — never from both.
        CheckConstraint("project_id IS NULL OR network_id IS NULL", name="one_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    content_key: Mapped[str | None] = mapped_column(String(240), unique=True, nullable=True)
    # Set when the item came from a spreadsheet import (its content_key is then "import:<bron-id>").
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[LessonKind] = mapped_column(enum_column(LessonKind, "lesson_kind"), nullable=False, index=True)
    context: Mapped[str] = mapped_column(Text, nullable=False, default="")
    what_happened: Mapped[str] = mapped_column(Text, nullable=False, default="")
    lesson_learned: Mapped[str] = mapped_column(Text, nullable=False, default="")
    advice: Mapped[str] = mapped_column(Text, nullable=False)  # required: advice for the next project
    transferability: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    # Shown "namens het projectteam" against fear of blame; the real author stays recorded.
    on_behalf_of_team: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True, index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), nullable=True, index=True)
    review_state: Mapped[ReviewState] = mapped_column(
        enum_column(ReviewState, "review_state"), nullable=False, default=ReviewState.UNREVIEWED, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_remark: Mapped[str] = mapped_column(Text, nullable=False, default="")
    last_viewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Marked by the lead at closure: this lesson says why the project was stopped (gestopt).
    explains_stop: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    project: Mapped[Project | None] = relationship(back_populates="lessons")
    network: Mapped[Network | None] = relationship(back_populates="lessons")
    themes: Mapped[list[Theme]] = relationship(secondary=lesson_themes, order_by="Theme.name")
    uses: Mapped[list[LessonUse]] = relationship(back_populates="lesson", cascade="all, delete-orphan")

    @property
    def shown_author(self) -> str:
        """Who the lesson is shown as written by; the real author stays in the history."""
        return "namens het projectteam" if self.on_behalf_of_team else self.author.display_name

    @property
    def is_failure_or_improvement(self) -> bool:
        return self.kind in (LessonKind.FAILURE, LessonKind.IMPROVEMENT)

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.title!r}>"


class LessonUse(db.Model):
    """Lesson X was used in project Y: the answer to 'reports disappear in the drawer'."""

    __tablename__ = "lesson_uses"
    __table_args__ = (UniqueConstraint("lesson_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    source: Mapped[LessonUseSource] = mapped_column(enum_column(LessonUseSource, "lesson_use_source"),
                                                    nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="uses")
    project: Mapped[Project] = relationship(back_populates="lesson_uses")
    user: Mapped[User] = relationship()
