"""Search bookkeeping: the change log that keeps every index in step, the index replicas, the log of
searches, API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User


class SearchChange(db.Model):
    """A searchable item changed in a committed transaction (append-only; pruned by age, never because
    someone read it). Every index applies the log from its own cursor.

    The position of a change is (xid, seq). On PostgreSQL `xid` is the writing transaction's id
    (`pg_current_xact_id()`): a sequence value can become visible after a higher one, so readers take
    only rows of transactions older than every running one, in (xid, seq) order. SQLite has one writer
    at a time, so there `xid` is 0 and `seq` alone orders the log.
    """

    __tablename__ = "search_changes"
    __table_args__ = (Index("ix_search_changes_position", "xid", "seq"), {"sqlite_autoincrement": True})

    # AUTOINCREMENT on SQLite: a pruned-empty log must never hand out a number again.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class SearchChangeHorizon(db.Model):
    """How far the change log has been pruned (one row): an index whose cursor is older must rebuild."""

    __tablename__ = "search_change_horizon"

    id: Mapped[int] = mapped_column(primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    pruned_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class IndexReplica(db.Model):
    """One search index directory (normally one per host) as its indexer last reported it: anyone can
    see every host's lag, and readiness sees an indexer that cannot write."""

    __tablename__ = "index_replicas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True, nullable=False)
    cursor_xid: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cursor_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    documents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lag: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    error_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SearchLog(db.Model):
    """Searches that found nothing: what people look for and we do not have (theme owners' dashboard)."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500), nullable=False)
    result_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    theme_slug: Mapped[str] = mapped_column(String(80), nullable=False, default="")  # a thema: filter, if any
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="zoeken")  # zoeken | voortoets | api
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()


class ApiToken(db.Model):
    """A token for /api/v1, created by an administrator. Only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)  # acts with this user's rights
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # no token works for good

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
