"""Following a project, lesson, theme or network, and the signed link that stops it without logging in.

A follow is a row in the database (never process state), so every host and worker agrees on who follows
what. The unfollow link carries user, kind and id signed with the app's secret key and a date: it cannot
be made up for someone else, and it stops working after UNFOLLOW_LINK_DAYS.
"""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select

from ...extensions import db
from ...ground.errors import DomainError
from ...models import Follow, Lesson, Network, Project, Theme, User
from ..access import permissions

MODELS = {"project": Project, "lesson": Lesson, "theme": Theme, "network": Network}
# As the UI and the mails name each kind ("u volgt het thema Energie").
KIND_LABELS = {"project": "het project", "lesson": "de les", "theme": "het thema", "network": "het netwerk"}
NOUNS = {"project": "Project", "lesson": "Les", "theme": "Thema", "network": "Netwerk"}
# The kinds as they appear in addresses (Dutch, like the rest of the URLs): /volgen/les/12.
SLUGS = {"project": "project", "lesson": "les", "theme": "thema", "network": "netwerk"}
KINDS_BY_SLUG = {slug: kind for kind, slug in SLUGS.items()}
MODES = {"direct": "Direct (bij elke wijziging)", "dagelijks": "Eén keer per dag, gebundeld"}
TOKEN_SALT = "kennisbank-unfollow"


class NotFollowable(DomainError):
    """No such item, or one the user may not see (the view answers 404: it must not reveal which)."""


def item(kind: str, item_id: int):
    """The followable item, or None for an unknown kind or id."""
    model = MODELS.get(kind)
    return db.session.get(model, item_id) if model is not None else None


def title(kind: str, thing) -> str:
    return thing.title if kind in ("project", "lesson") else thing.name


def path(kind: str, thing) -> str:
    """Where the item lives in the app (mails build absolute links from BASE_URL and this)."""
    if kind in ("theme", "network"):
        return f"/{'themas' if kind == 'theme' else 'netwerken'}/{thing.slug}"
    return f"/{'projecten' if kind == 'project' else 'lessen'}/{thing.id}"


def describe(kind: str, thing) -> str:
    """'het thema Energie'."""
    return f"{KIND_LABELS[kind]} {title(kind, thing)}"


def visible_item(user: User, kind: str, item_id: int):
    """The item if `user` may see it, else None (also when it does not exist)."""
    thing = item(kind, item_id)
    return thing if thing is not None and permissions.can_view_item(user, kind, thing) else None


def name_for(user: User, kind: str, item_id: int) -> str:
    """'het thema Energie', or 'dit item' for what `user` may not see: unfollowing never reveals a title."""
    thing = visible_item(user, kind, item_id)
    return describe(kind, thing) if thing is not None else "dit item"


def _followable(user: User, kind: str, item_id: int):
    thing = visible_item(user, kind, item_id)
    if thing is None:
        raise NotFollowable("Dit item bestaat niet (meer).")
    return thing


def is_following(user: User, kind: str, item_id: int) -> bool:
    return db.session.scalar(select(Follow.id).where(Follow.user_id == user.id, Follow.item_type == kind,
                                                     Follow.item_id == item_id)) is not None


def follow(user: User, kind: str, item_id: int) -> Follow:
    """Follow what one may see; following twice keeps the one follow.

    :raises NotFollowable: an unknown item, or one the user may not see.
    """
    thing = _followable(user, kind, item_id)
    existing = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.item_type == kind,
                                                      Follow.item_id == thing.id))
    if existing is not None:
        return existing
    record = Follow(user_id=user.id, item_type=kind, item_id=thing.id)
    db.session.add(record)
    db.session.flush()
    return record


def unfollow(user: User, kind: str, item_id: int) -> bool:
    """True when a follow was ended (unfollowing what one does not follow changes nothing)."""
    result = db.session.execute(delete(Follow).where(Follow.user_id == user.id, Follow.item_type == kind,
                                                     Follow.item_id == item_id))
    return bool(result.rowcount)


@dataclass(frozen=True)
class Followed:
    kind: str
    item_id: int
    title: str
    description: str
    path: str


def followed_by(user: User) -> list[Followed]:
    """What the user follows and may still see, by kind then title."""
    rows = []
    for record in db.session.scalars(select(Follow).where(Follow.user_id == user.id)):
        thing = visible_item(user, record.item_type, record.item_id)
        if thing is not None:
            rows.append(Followed(record.item_type, thing.id, title(record.item_type, thing),
                                 describe(record.item_type, thing), path(record.item_type, thing)))
    order = list(MODELS)
    return sorted(rows, key=lambda f: (order.index(f.kind), f.title.lower()))


def set_mode(user: User, mode: str) -> None:
    """:raises DomainError: a mode that does not exist."""
    if mode not in MODES:
        raise DomainError("Kies hoe u berichten wilt krijgen.", {"mode": "Kies direct of dagelijks."})
    user.notify_mode = mode
    db.session.flush()


# The signed link ----------------------------------------------------------------------------------------

def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


def unfollow_token(secret_key: str, user_id: int, kind: str, item_id: int) -> str:
    return _serializer(secret_key).dumps([user_id, kind, item_id])


class BadLink(DomainError):
    """The link is not one kennisbank made, or it expired; the message says what to do instead."""


def read_token(secret_key: str, token: str, max_age_days: int) -> tuple[User, str, int]:
    """The user, kind and id an unfollow link stands for.

    :raises BadLink: altered, made with another key, expired, or for an account that no longer exists.
    """
    try:
        user_id, kind, item_id = _serializer(secret_key).loads(token, max_age=max_age_days * 86400)
    except SignatureExpired:
        raise BadLink(f"Deze afmeldlink is verlopen (een link werkt {max_age_days} dagen). Log in en kies "
                      "'Niet meer volgen' op de pagina zelf, of op Mijn instellingen.") from None
    except (BadSignature, ValueError, TypeError):
        raise BadLink("Deze afmeldlink klopt niet: misschien is hij niet helemaal gekopieerd. Log in en kies "
                      "'Niet meer volgen' op de pagina zelf, of op Mijn instellingen.") from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or kind not in MODELS or not isinstance(item_id, int):
        raise BadLink("Deze afmeldlink hoort bij geen bestaand account meer.")
    return user, kind, item_id
