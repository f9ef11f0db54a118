"""A theme (thema) with its owners (themaeigenaren) and its synthesis page."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeletable, Timestamps, Versioned
from .user import User

theme_owners = Table(
    "theme_owners",
    db.metadata,
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(Versioned, Timestamps, SoftDeletable, db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    synthesis: Mapped[str] = mapped_column(Text, nullable=False, default="")

    owners: Mapped[list[User]] = relationship(secondary=theme_owners, order_by="User.name")

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"
