"""What a search may show to whom: the index pre-filters by reader, the database has the last word.

The index knows each document's readers as of its last update; a change of team, theme owners or status
reaches it moments later. So every hit is loaded and checked again with the permission rules before it
is shown: while the index lags, a removed team member never sees a draft.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ...extensions import db
from ...models import User
from ...search import engine
from ...search.documents import MODEL_OF_KIND
from ..access import permissions


def who(user: User | None) -> engine.Visibility:
    """The reader as the index knows readers: anonymous, a user, or an administrator (sees everything)."""
    return engine.visibility(user.id if user else None, permissions.is_admin(user) if user else False)


def still_visible(user: User | None, raw_hits) -> list[tuple[object, object]]:
    """(hit, row) for the hits whose rows still exist and `user` may see now, in the index's order."""
    wanted = defaultdict(list)
    for hit in raw_hits:
        wanted[hit.kind].append(hit.item_id)
    loaded = {}
    for kind, ids in wanted.items():
        model = MODEL_OF_KIND[kind]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
            loaded[(kind, obj.id)] = obj
    shown = []
    for hit in raw_hits:
        obj = loaded.get((hit.kind, hit.item_id))
        if obj is not None and permissions.can_view_item(user, hit.kind, obj):
            shown.append((hit, obj))
    return shown
