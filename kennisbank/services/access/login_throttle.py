"""Login throttling, counted in the database so that every worker and every host sees the same attempts.

Per account: a few free mistakes, then each next attempt waits twice as long as the one before, and
after LOCK_AFTER failures the account is locked for LOCK_FOR. Per client address the same, with more room
(an office behind one address), so trying one password on many accounts is stopped too. An attempt that
comes too early is refused before any password is checked: a flood costs no hashing. A successful login
clears its account's count, never the address's (one valid account must not reset an attacker's count).
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import LoginThrottle
from ...models.base import utcnow
from .users import normalise_email


@dataclass(frozen=True)
class Policy:
    free: int  # failures before any waiting
    lock_after: int  # failures that lock
    max_delay: timedelta
    lock_for: timedelta
    forget_after: timedelta  # a quiet period after which the count starts again


POLICIES = {
    "account": Policy(free=3, lock_after=10, max_delay=timedelta(seconds=60), lock_for=timedelta(minutes=15),
                      forget_after=timedelta(hours=1)),
    "address": Policy(free=10, lock_after=50, max_delay=timedelta(seconds=60), lock_for=timedelta(minutes=15),
                      forget_after=timedelta(hours=1)),
}


@dataclass(frozen=True)
class Refusal:
    wait_seconds: int
    locked: bool

    @property
    def message(self) -> str:
        if self.wait_seconds >= 120:
            when = f"over {math.ceil(self.wait_seconds / 60)} minuten"
        else:
            when = f"over {self.wait_seconds} seconde{'n' if self.wait_seconds != 1 else ''}"
        if self.locked:
            return (f"Er is te vaak een verkeerd wachtwoord geprobeerd. Inloggen is tijdelijk geblokkeerd; "
                    f"probeer het {when} opnieuw.")
        return f"Er is net een verkeerd wachtwoord geprobeerd. Probeer het {when} opnieuw."


def _key(scope: str, value: str) -> str:
    """A keyed hash: the table holds no e-mail address or client address in the clear."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def _keys(email: str, address: str) -> dict[str, str]:
    return {"account": _key("account", normalise_email(email)), "address": _key("address", address or "")}


def _delay(policy: Policy, failures: int) -> timedelta:
    if failures < policy.free:
        return timedelta(0)
    return min(policy.max_delay, timedelta(seconds=2 ** min(failures - policy.free, 16)))


def _open_at(row: LoginThrottle, policy: Policy, now: datetime) -> datetime | None:
    """When the next attempt may come, or None when it may come now."""
    if now - row.last_failure_at > policy.forget_after:
        return None
    if row.blocked_until and row.blocked_until > now:
        return row.blocked_until
    allowed = row.last_failure_at + _delay(policy, row.failures)
    return allowed if allowed > now else None


def check(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Before checking a password: is an attempt for this account from this address allowed now?"""
    now = now or utcnow()
    keys = _keys(email, address)
    rows = db.session.scalars(select(LoginThrottle).where(
        LoginThrottle.key.in_(list(keys.values())))).all()
    latest: tuple[datetime, bool] | None = None
    for row in rows:
        if keys.get(row.scope) != row.key:
            continue
        policy = POLICIES[row.scope]
        opens = _open_at(row, policy, now)
        if opens is not None and (latest is None or opens > latest[0]):
            latest = (opens, bool(row.blocked_until and row.blocked_until > now))
    if latest is None:
        return None
    return Refusal(wait_seconds=max(1, math.ceil((latest[0] - now).total_seconds())), locked=latest[1])


def failed(email: str, address: str, now: datetime | None = None) -> bool:
    """Count a failed attempt for the account and the address; True when this failure locked either."""
    now = now or utcnow()
    locked = False
    for scope, key in _keys(email, address).items():
        locked |= _count(scope, key, POLICIES[scope], now)
    return locked


def _count(scope: str, key: str, policy: Policy, now: datetime) -> bool:
    # Atomic in the database: two workers counting at once both count.
    stale = now - policy.forget_after
    for _ in range(2):
        restarted = db.session.execute(update(LoginThrottle).where(
            LoginThrottle.scope == scope, LoginThrottle.key == key, LoginThrottle.last_failure_at < stale)
            .values(failures=1, last_failure_at=now, blocked_until=None))
        if not restarted.rowcount:
            counted = db.session.execute(update(LoginThrottle).where(
                LoginThrottle.scope == scope, LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1, last_failure_at=now))
            if not counted.rowcount:
                try:
                    with db.session.begin_nested():
                        db.session.add(LoginThrottle(scope=scope, key=key, failures=1, last_failure_at=now))
                except IntegrityError:  # another process inserted it first: count on its row
                    continue
        break
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
                            .execution_options(populate_existing=True))
    if row is not None and row.failures >= policy.lock_after and not (row.blocked_until and row.blocked_until > now):
        row.blocked_until = now + policy.lock_for
        db.session.flush()
        return True
    return False


def succeeded(email: str) -> None:
    db.session.execute(update(LoginThrottle).where(
        LoginThrottle.scope == "account", LoginThrottle.key == _key("account", normalise_email(email)))
        .values(failures=0, blocked_until=None))
