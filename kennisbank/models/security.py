"""Security bookkeeping: server-side sessions, login throttling shared by every process, the audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, event
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
    # A chain: each event carries the hash of the one before it and its own (services/access/audit.py), so
    # `kb audit-check` finds an event changed or removed by hand.
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    actor: Mapped[User | None] = relationship()


# SQLite has no session settings: while this table holds a row (inside the prune's own transaction), the
# trigger lets deletes through.
audit_prune_permits = Table("audit_prune_permits", db.metadata, Column("id", Integer, primary_key=True))

# The database itself refuses to change or delete audit events, except the prune (the same statements are
# in migration 0018; here for databases made with create_all, as the tests do).
POSTGRES_GUARD = [
    """CREATE OR REPLACE FUNCTION kennisbank_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kennisbank.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: events are never changed or deleted, except by kennisbank_audit_prune';
END $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION kennisbank_audit_guard()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION kennisbank_audit_guard()""",
    """CREATE OR REPLACE FUNCTION kennisbank_audit_prune(before_id integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE removed integer;
BEGIN
    PERFORM set_config('kennisbank.audit_prune', 'on', true);
    DELETE FROM audit_events WHERE id < before_id;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('kennisbank.audit_prune', 'off', true);
    RETURN removed;
END $$""",
]
SQLITE_GUARD = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN (SELECT count(*) FROM audit_prune_permits) = 0
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
for _statement in POSTGRES_GUARD:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_GUARD:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
