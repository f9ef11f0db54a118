"""Rebuilding the index from the database, and checking it for drift."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from flask import Flask
from whoosh import index as whoosh_index
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Lesson, Network, Project, Theme, User
from ..models.base import utcnow
from . import documents, index
from .sync import mark

LOADERS = {
    "project": lambda: select(Project).options(selectinload(Project.themes), selectinload(Project.team),
                                               selectinload(Project.lead)),
    "lesson": lambda: select(Lesson).options(selectinload(Lesson.themes), selectinload(Lesson.project),
                                             selectinload(Lesson.network)),
    "network": lambda: select(Network).options(selectinload(Network.themes)),
    "theme": lambda: select(Theme),
    "person": lambda: select(User).options(selectinload(User.owned_themes)),
}
CHUNK = 1000
# A change committed while the rebuild was reading may be missing from the new index: every item
# touched since shortly before the start is queued again after the swap.
SAFETY_MARGIN = timedelta(minutes=2)


def count_items() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(documents.MODEL_OF_KIND[k])) for k in LOADERS)


def _documents() -> Iterator[dict]:
    for kind, loader in LOADERS.items():
        last_id = 0
        model = documents.MODEL_OF_KIND[kind]
        while True:
            batch = db.session.scalars(loader().where(model.id > last_id).order_by(model.id).limit(CHUNK)).all()
            if not batch:
                break
            for obj in batch:
                if documents.is_indexed(obj):
                    yield documents.document(kind, obj)
                else:
                    yield {}
            last_id = batch[-1].id
            db.session.expunge_all()  # keep memory flat over 50,000 rows


def reindex(app: Flask, progress: Callable[[int], None] = lambda n: None, procs: int = 1) -> int:
    """Build a fresh index generation from the database, swap it in, queue what changed meanwhile."""
    root = Path(app.config["INDEX_DIR"])
    started = utcnow()
    written = 0
    with app.app_context():
        generation = index.new_generation(root)
        writer = whoosh_index.open_dir(generation).writer(procs=procs, limitmb=256, multisegment=procs > 1)
        try:
            for doc in _documents():
                if doc:
                    writer.add_document(**doc)
                    written += 1
                progress(1)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        index.set_current(root, generation)
        _requeue_changed_since(started - SAFETY_MARGIN)
        db.session.commit()
        index.remove_old_generations(root)
    return written


def _requeue_changed_since(moment) -> None:
    for kind in ("project", "lesson", "network", "theme"):
        model = documents.MODEL_OF_KIND[kind]
        for item_id in db.session.scalars(select(model.id).where(model.updated_at >= moment)):
            mark(kind, item_id)


def check(app: Flask) -> dict[str, list[str]]:
    """Keys that should be in the index but are not, and keys in the index that should not be."""
    with app.app_context():
        expected = set()
        for kind, loader in LOADERS.items():
            for obj in db.session.scalars(loader()):
                if documents.is_indexed(obj):
                    expected.add(documents.key(kind, obj.id))
        with index.open_index(Path(app.config["INDEX_DIR"])).searcher() as searcher:
            present = {fields["key"] for fields in searcher.all_stored_fields()}
    return {"missing": sorted(expected - present), "extra": sorted(present - expected)}
