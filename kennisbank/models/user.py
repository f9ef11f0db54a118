"""A medewerker. Roles are derived from relations (lead of, owner of); `is_admin` is the only flag."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

if TYPE_CHECKING:
    from .theme import Theme


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    department: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Known departure date (set by an administrator): the dashboard warns before knowledge walks out.
    leaves_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Shown to colleagues as a tel: link; set by the person on /sessies.
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="", server_default="")
    # How changes to what one follows arrive: "direct" (at the next `kb notify` run) or "dagelijks".
    notify_mode: Mapped[str] = mapped_column(String(10), nullable=False, default="direct", server_default="direct")
    # The local date the last daily bundle went out, so a bundle goes out once a day from any host.
    bundle_sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Created by `kb load-content --demo` with the published demo password: listed on the beheer page.
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # "<issuer> <subject>" of the organisation's identity provider, once this account logged in with it.
    external_id: Mapped[str | None] = mapped_column(String(500), unique=True, nullable=True)

    owned_themes: Mapped[list[Theme]] = relationship(secondary="theme_owners", viewonly=True,
                                                     order_by="Theme.name")

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        """Accounts made by a login with the organisation's account have none (and cannot use one)."""
        return self.password_hash.startswith(("scrypt:", "pbkdf2:"))

    @property
    def display_name(self) -> str:
        return self.name if self.active else f"{self.name} (oud-medewerker)"

    def __repr__(self) -> str:
        return f"<User {self.email}>"
