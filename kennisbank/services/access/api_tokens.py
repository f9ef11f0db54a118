"""API tokens: created by administrators, shown once, stored only as a SHA-256 hash, revocable."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import ApiToken, User
from ...models.base import utcnow
from . import audit, permissions

PREFIX = "kb_"
VALID_DAYS = 365  # when the administrator names no date
MAX_VALID_DAYS = 730


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, for_user: User, by: User, valid_until: date | None = None) -> tuple[ApiToken, str]:
    """Returns the record and the token itself — the only moment it is known in plain text. It works up to
    and including `valid_until` (default: a year from today; at most two years).

    :raises NotAllowed: not an administrator. :raises DomainError: no name, inactive user, a date that is
    past or too far ahead.
    """
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan API-tokens maken.")
    if not name.strip():
        raise DomainError("Geef het token een naam, bijvoorbeeld de toepassing die het gebruikt.",
                          {"name": "Geef het token een naam."})
    if not for_user.active:
        raise DomainError("Een token kan alleen namens een actieve medewerker werken.")
    today = utcnow().date()
    valid_until = valid_until or today + timedelta(days=VALID_DAYS)
    if valid_until < today or valid_until > today + timedelta(days=MAX_VALID_DAYS):
        message = f"Kies een datum van vandaag tot hoogstens {MAX_VALID_DAYS // 365} jaar vooruit."
        raise DomainError(message, {"valid_until": message})
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(name=name.strip()[:200], token_hash=_hash(token), user=for_user, created_by=by,
                      expires_at=datetime.combine(valid_until + timedelta(days=1), time()))
    db.session.add(record)
    db.session.flush()
    audit.record("token_created", by, record, name=record.name, for_user=for_user.id,
                 valid_until=valid_until.isoformat())
    return record, token


def revoke(record: ApiToken, by: User) -> None:
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan API-tokens intrekken.")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record("token_revoked", by, record, name=record.name)
    db.session.flush()


def user_for_token(token: str) -> User | None:
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if record is None or record.revoked_at is not None or not record.user.active or is_expired(record):
        return None
    if not hmac.compare_digest(record.token_hash, _hash(token)):
        return None
    now = utcnow()
    if record.last_used_at is None or record.last_used_at.date() < now.date():  # once a day is enough to trace
        audit.record("token_used", record.user, record, name=record.name)
    record.last_used_at = now
    return record.user


def is_expired(record: ApiToken) -> bool:
    return record.expires_at <= utcnow()


def valid_until(record: ApiToken) -> date:
    """The last day the token works."""
    return (record.expires_at - timedelta(days=1)).date()


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))
