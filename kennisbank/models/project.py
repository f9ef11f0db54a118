"""A project record: the societal question it answers, its lead, themes, status and innovation stage."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Column, Date, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeletable, Timestamps, Versioned, enum_column
from .enums import InnovationStage, ProjectStatus
from .theme import Theme
from .user import User

if TYPE_CHECKING:
    from .lesson import Lesson, LessonUse
    from .prior_work import PriorWorkCheck

project_themes = Table(
    "project_themes",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

# Colleagues working on the project besides its lead: they may log lessons on it, and they are people to ask.
project_members = Table(
    "project_members",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Project(Versioned, Timestamps, SoftDeletable, db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                        name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key for records loaded from content/, so that loading twice changes nothing.
    content_key: Mapped[str | None] = mapped_column(String(240), unique=True, nullable=True)
    # Set when the item came from a spreadsheet import (its content_key is then "import:<bron-id>").
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # CBS code (GMxxxx) when the project is a municipality's own; `organisation` otherwise.
    municipality_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    department: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    question: Mapped[str] = mapped_column(Text, nullable=False)  # maatschappelijk vraagstuk
    goal: Mapped[str] = mapped_column(Text, nullable=False, default="")
    approach: Mapped[str] = mapped_column(Text, nullable=False, default="")
    partners: Mapped[str] = mapped_column(Text, nullable=False, default="")
    funding: Mapped[str] = mapped_column(Text, nullable=False, default="")
    area: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    links: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one URL per line
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), nullable=False, default=ProjectStatus.CONCEPT, index=True)
    stage: Mapped[InnovationStage] = mapped_column(
        enum_column(InnovationStage, "innovation_stage"), nullable=False, default=InnovationStage.EXPLORATION)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Closure without a failure/improvement lesson needs the lead's written reason.
    closure_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The only way past the start gate without a voortoets: an administrator with a written reason.
    start_override_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    start_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    start_override_by: Mapped[User | None] = relationship(foreign_keys=[start_override_by_id])
    themes: Mapped[list[Theme]] = relationship(secondary=project_themes, order_by="Theme.name")
    team: Mapped[list[User]] = relationship(secondary=project_members, order_by="User.name")
    lessons: Mapped[list[Lesson]] = relationship(back_populates="project", order_by="Lesson.created_at")
    lesson_uses: Mapped[list[LessonUse]] = relationship(back_populates="project")
    prior_work_check: Mapped[PriorWorkCheck | None] = relationship(back_populates="project", uselist=False)

    @property
    def is_open(self) -> bool:
        return self.status in (ProjectStatus.CONCEPT, ProjectStatus.STARTED)

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.title!r}>"
