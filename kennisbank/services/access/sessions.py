"""Server-side sessions: a login is a row in `user_sessions`, and the signed cookie carries only its random
id. Every request checks the row (not ended, not idle too long, not too old), so logging out, "log out
everywhere", deactivation and a password change end a session on every host at once, and a copied
cookie is worth nothing afterwards."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import select, update

from ...extensions import db
from ...models import User, UserSession
from ...models.base import utcnow

SESSION_KEY = "kb_session"
# last_seen_at is written at most this often: a write per request would serialise every page view.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, via: str = "wachtwoord", id_token: str = "") -> UserSession:
    """A new session for `user`, remembered in the (signed) cookie of this response."""
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=_hash(token), user=user, via=via, id_token=id_token,
                      remote_addr=(request.remote_addr or "")[:64] if has_request_context() else "",
                      user_agent=(request.user_agent.string or "")[:300] if has_request_context() else "")
    db.session.add(row)
    db.session.flush()
    session.clear()  # nothing from before the login survives it (session fixation)
    session[SESSION_KEY] = token
    session.permanent = True
    return row


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(hours=config["SESSION_IDLE_HOURS"]), timedelta(days=config["SESSION_MAX_DAYS"])


def expired(row: UserSession, now: datetime) -> str:
    """Why a session is over ('' while it is valid)."""
    idle, lifetime = _limits()
    if row.ended_at is not None:
        return row.end_reason or "beëindigd"
    if now - row.created_at > lifetime:
        return "maximale duur"
    if now - row.last_seen_at > idle:
        return "inactief"
    return ""


def current_row() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def user_for_request(user_id: str) -> User | None:
    """flask-login's user loader: the user of this request's session, if that session is still valid.
    Reads only; `touch` (before the view runs) records the activity."""
    row = current_row()
    if row is None or str(row.user_id) != user_id or not row.user.active or expired(row, utcnow()):
        return None
    g.kb_session_row = row
    return row.user


def touch() -> None:
    """Record that the session is in use (at most once a minute), in its own commit before the view."""
    row = g.pop("kb_session_row", None)
    now = utcnow()
    if row is not None and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()


def _end(row: UserSession, reason: str, now: datetime) -> None:
    row.ended_at = now
    row.end_reason = reason


def end_current(reason: str = "uitgelogd") -> None:
    row = current_row()
    if row is not None and row.ended_at is None:
        _end(row, reason, utcnow())
    session.pop(SESSION_KEY, None)


def end_all(user: User, reason: str) -> int:
    """End every open session of `user` (every host, every browser); returns how many."""
    result = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount or 0


def open_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    rows = db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).order_by(UserSession.last_seen_at.desc()))
    return [row for row in rows if not expired(row, now)]
