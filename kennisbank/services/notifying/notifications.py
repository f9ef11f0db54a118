"""Telling followers what changed: queued with the change, sent by `flask kb notify`.

`queue` runs inside `revisions.record`, so the notification commits or rolls back with the change it
reports: nothing is told twice, nothing committed is missed, and no process has to remember anything.
`send_due` is run every few minutes on any host (cron, a systemd timer, the compose service): a
PostgreSQL advisory lock lets one run at a time send, and each mail is marked sent as soon as the SMTP
server accepted it, so a run that dies resends at most the one mail it was busy with.

Who hears of a change: followers of the item itself, for any change; followers of its project, network or
theme, for news in it (a new or reviewed lesson, a project that was created, started or ended). Never the
person who made the change, never someone who may not see the item (checked when sending, by the same
rules as the pages).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import delete, select, text, tuple_

from ...extensions import db
from ...ground.wording import FIELD_LABELS, dutch_date, dutch_time
from ...models import Follow, Lesson, Notification, Revision, User
from ...models.base import utcnow
from ..access import permissions
from . import follows
from .mailer import new_message

# Changes to an item inside a followed project, network or theme that count as news for its followers.
NEWS = {"lesson": {"aangemaakt", "geïmporteerd", "getoetst"},
        "project": {"aangemaakt", "geïmporteerd", "gestart", "gestart zonder voortoets", "afgesloten", "gestopt"}}
KEEP_DAYS = 30
LOCK_KEY = 7_245_031_113  # the kennisbank notify run (next to the migration's 7_245_031_112)


def _entity_type(entity) -> str:
    return entity.__class__.__name__.lower()


def _routes(entity, action: str) -> list[tuple[str, int]]:
    """Which follows hear of this change, most specific first (the first one is named in the mail)."""
    kind = _entity_type(entity)
    if kind not in follows.MODELS:
        return []
    routes = [(kind, entity.id)]
    if action in NEWS.get(kind, ()):
        if kind == "lesson":
            routes += [(k, parent.id) for k, parent in (("project", entity.project), ("network", entity.network))
                       if parent is not None]
        routes += [("theme", theme.id) for theme in entity.themes]
    return routes


_FOLLOWERS = "kennisbank_followers_read_once"


@contextmanager
def followers_read_once() -> Iterator[None]:
    """Many changes in one go (an import): who follows what is read once, not once per change. Nobody
    follows anything in the meantime that the changes could concern (new items have no followers yet)."""
    known: dict[tuple[str, int], list[int]] = defaultdict(list)
    for user_id, kind, item_id in db.session.execute(select(Follow.user_id, Follow.item_type, Follow.item_id)):
        known[(kind, item_id)].append(user_id)
    db.session.info[_FOLLOWERS] = known
    try:
        yield
    finally:
        db.session.info.pop(_FOLLOWERS, None)


def queue(revision: Revision, entity) -> None:
    """Queue one notification per follower of `revision`'s item (or of what it belongs to).
    Called by `revisions.record`, without autoflush (see there)."""
    routes = _routes(entity, revision.action)
    if not routes:
        return
    known = db.session.info.get(_FOLLOWERS)
    if known is not None:
        rows = [(user_id, kind, item_id) for kind, item_id in routes for user_id in known.get((kind, item_id), ())]
    else:
        rows = db.session.execute(select(Follow.user_id, Follow.item_type, Follow.item_id)
                                  .where(tuple_(Follow.item_type, Follow.item_id).in_(routes))).all()
    first_route: dict[int, tuple[str, int]] = {}
    for user_id, kind, item_id in sorted(rows, key=lambda row: routes.index((row[1], row[2]))):
        if user_id != revision.user_id:
            first_route.setdefault(user_id, (kind, item_id))
    for user_id, (kind, item_id) in first_route.items():
        db.session.add(Notification(user_id=user_id, revision=revision, via_type=kind, via_id=item_id))


# What is due ------------------------------------------------------------------------------------------

@dataclass
class Line:
    """One change as the follower reads it."""
    notification: Notification
    what: str           # 'Het project Slimme verlichting'
    change: str         # 'gewijzigd'
    action: str         # 'gewijzigd door Jan Jansen op 26 november 2026, 10:12'
    fields: list[str]   # labels of the changed fields
    path: str
    why: str            # 'u volgt het thema Energie'
    unfollow: tuple[str, int]


@dataclass
class Mail:
    user: User
    lines: list[Line]
    daily: bool


def _bundle_due(user: User, now: datetime, daily_hour: int) -> bool:
    local = dutch_time(now)
    return local.hour >= daily_hour and user.bundle_sent_on != local.date()


def _line(notification: Notification, user: User) -> Line | None:
    """The change as `user` may read it, or None when they may not see the item (now)."""

    revision = notification.revision
    thing = follows.item(revision.entity_type, revision.entity_id)
    via = follows.item(notification.via_type, notification.via_id)
    if thing is None or via is None or not permissions.can_view_item(user, revision.entity_type, thing):
        return None
    by = ""
    if revision.user is not None:
        hidden = (isinstance(thing, Lesson) and revision.user_id == thing.author_id
                  and not permissions.can_see_author(user, thing))
        by = f" door {'het projectteam' if hidden else revision.user.display_name}"
    what = follows.describe(revision.entity_type, thing)
    return Line(notification, what[0].upper() + what[1:], revision.action, f"{revision.action}{by} op {dutch_date(revision.created_at)}",
                [FIELD_LABELS.get(field, field) for field in revision.changes],
                follows.path(revision.entity_type, thing), "u volgt " + follows.describe(notification.via_type, via),
                (notification.via_type, notification.via_id))


def due(now: datetime | None = None, daily_hour: int = 7) -> tuple[list[Mail], list[Notification]]:
    """The mails to send now, and the notifications nobody will read (item gone or no longer visible).

    "direct" followers get everything pending; "dagelijks" ones once per local day, from `daily_hour`.
    """
    now = now or utcnow()
    pending = db.session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                 .where(Notification.sent_at.is_(None), User.active.is_(True))
                                 .order_by(Notification.user_id, Notification.id)).all()
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        per_user[notification.user_id].append(notification)
    mails, unreadable = [], []
    for notifications in per_user.values():
        user = notifications[0].user
        daily = user.notify_mode == "dagelijks"
        if daily and not _bundle_due(user, now, daily_hour):
            continue
        lines = []
        for notification in notifications:
            line = _line(notification, user)
            if line is None:
                unreadable.append(notification)
            else:
                lines.append(line)
        if lines:
            mails.append(Mail(user, lines, daily))
    return mails, unreadable


def as_email(mail: Mail, *, sender: str, base_url: str, secret_key: str) -> EmailMessage:
    base = base_url.rstrip("/")
    count = len(mail.lines)
    if mail.daily:
        subject = f"kennisbank: dagoverzicht, {count} {'wijziging' if count == 1 else 'wijzigingen'} in wat u volgt"
    elif count == 1:
        subject = f"kennisbank: {mail.lines[0].what} – {mail.lines[0].change}"
    else:
        subject = f"kennisbank: {count} wijzigingen in wat u volgt"
    message = new_message(sender, mail.user, subject)
    links = {line.unfollow: f"{base}/volgen/afmelden/"
             + follows.unfollow_token(secret_key, mail.user.id, *line.unfollow) for line in mail.lines}
    if len(links) == 1:  # RFC 8058: a mail program's own "afmelden" button, one click
        message["List-Unsubscribe"] = f"<{next(iter(links.values()))}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    body = [f"Beste {mail.user.name},", "",
            "Dit is er veranderd in wat u volgt in kennisbank:" if count > 1 or mail.daily
            else "Er is iets veranderd dat u volgt in kennisbank:", ""]
    for line in mail.lines:
        body.append(f"- {line.what}: {line.action}")
        if line.fields:
            body.append(f"  Gewijzigd: {', '.join(line.fields)}")
        body += [f"  {base}{line.path}", f"  Waarom u dit krijgt: {line.why}.",
                 f"  Niet meer volgen (zonder in te loggen): {links[line.unfollow]}", ""]
    body.append("Direct of één keer per dag? Kies het op " + base + "/mijn/instellingen")
    message.set_content("\n".join(body))
    return message


# Sending ----------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    sent: int = 0
    dropped: int = 0
    busy: bool = False  # another run held the lock: this one sent nothing


def _try_lock(connection) -> bool:
    if connection.dialect.name != "postgresql":
        return True  # SQLite: one machine, and its single writer serialises the marking
    return bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())


def send_due(deliver, *, sender: str, base_url: str, secret_key: str, daily_hour: int = 7,
             now: datetime | None = None) -> RunResult:
    """Send what is due through `deliver(messages)`; mark each mail's notifications sent once accepted.

    :raises OSError, smtplib.SMTPException: from `deliver`; what was not accepted stays pending.
    """
    now = now or utcnow()
    result = RunResult()
    with db.engine.connect() as lock_connection:
        if not _try_lock(lock_connection):
            return RunResult(busy=True)
        try:
            mails, unreadable = due(now, daily_hour)
            for notification in unreadable:
                notification.sent_at = now
            result.dropped = len(unreadable)
            db.session.commit()
            for mail in mails:
                deliver([as_email(mail, sender=sender, base_url=base_url, secret_key=secret_key)])
                for line in mail.lines:
                    line.notification.sent_at = now
                if mail.daily:
                    mail.user.bundle_sent_on = dutch_time(now).date()
                db.session.commit()
                result.sent += 1
            # Kept a while for looking back; unsent ones that old belong to someone who left.
            db.session.execute(delete(Notification).where(Notification.created_at < now - timedelta(days=KEEP_DAYS)))
            db.session.commit()
        finally:
            if lock_connection.dialect.name == "postgresql":
                lock_connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                lock_connection.commit()
    return result
