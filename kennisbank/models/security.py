"""Security bookkeeping: server-side sessions, login throttling shared by every process, the audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User


class UserSession(db.Model):
    """One login. The session cookie carries only a random id whose SHA-256 is kept here, so a session
    can be ended from anywhere (logout, log out everywhere, deactivation, a password change) and a copied
    cookie stops working at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    user_agent: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    via: Mapped[str] = mapped_column(String(20), nullable=False, default="wachtwoord")  # wachtwoord | oidc
    # The identity provider's ID token, sent back as id_token_hint when logging out there too.
    id_token: Mapped[str] = mapped_column(Text, nullable=False, default="")

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed logins per account and per client address, in the database so that every process and host
    counts the same attempts. `key` is a SHA-256 (no e-mail addresses of strangers are kept)."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)  # account | address
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("uq_login_throttle_scope_key", "scope", "key", unique=True),)


class AuditEvent(db.Model):
    """Append-only record of who did what, when, from where (BIO: logging of user activity, security
    events and administrator actions). The app never updates or deletes a row, except pruning by age."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    target: Mapped[str] = mapped_column(String(80), nullable=False, default="")  # e.g. "user:12", "project:3"
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    actor: Mapped[User | None] = relationship()
