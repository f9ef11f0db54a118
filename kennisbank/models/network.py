"""Networks (netwerken) and who sits in them, on behalf of the municipality or in a personal capacity."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeletable, Timestamps, Versioned, enum_column
from .enums import MembershipRole, NetworkKind
from .theme import Theme
from .user import User

if TYPE_CHECKING:
    from .lesson import Lesson

network_themes = Table(
    "network_themes",
    db.metadata,
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Network(Versioned, Timestamps, SoftDeletable, db.Model):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[NetworkKind] = mapped_column(enum_column(NetworkKind, "network_kind"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    themes: Mapped[list[Theme]] = relationship(secondary=network_themes, order_by="Theme.name")
    memberships: Mapped[list[Membership]] = relationship(back_populates="network", order_by="Membership.since")
    lessons: Mapped[list[Lesson]] = relationship(back_populates="network")

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


class Membership(Timestamps, db.Model):
    """A person in a network. Ending a membership sets `until`; the row is history, never deleted."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("until IS NULL OR until >= since", name="period_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), nullable=False, index=True)
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole, "membership_role"), nullable=False,
                                                 default=MembershipRole.MEMBER)
    # False: on behalf of the municipality (knowledge belongs to the organisation); True: op persoonlijke titel.
    personal_capacity: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    since: Mapped[date] = mapped_column(Date, nullable=False)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    user: Mapped[User] = relationship()
    network: Mapped[Network] = relationship(back_populates="memberships")

    def is_current(self, today: date) -> bool:
        return self.since <= today and (self.until is None or self.until >= today)
