"""The database's searchable rows as the index reads them: per kind, a chunk at a time, loaded with what
their documents need (themes, team, attachment texts). Shared by the one-process and the parallel rebuild."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Lesson, Network, Project, Theme, User
from . import documents

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


def source_rows(session: Session) -> Iterator[tuple[str, object]]:
    """Every searchable row, a chunk at a time (memory stays flat over 200,000 rows)."""
    try:
        for kind in LOADERS:
            last_id = 0
            while batch := rows_between(session, kind, last_id + 1, None):
                yield from batch
                last_id = batch[-1][1].id
    finally:
        documents.forget_preloaded(session)  # later writes read an item's attachments afresh


def rows_between(session: Session, kind: str, low: int, high: int | None) -> list[tuple[str, object]]:
    """The rows of one kind with ids from `low` to `high` (or the next CHUNK from `low`), loaded with
    what their documents need, attachment texts included."""
    model = documents.MODEL_OF_KIND[kind]
    statement = LOADERS[kind]().where(model.id >= low).order_by(model.id)
    statement = statement.limit(CHUNK) if high is None else statement.where(model.id <= high)
    session.expunge_all()  # the previous chunk's rows are done with
    documents.forget_preloaded(session)
    batch = session.scalars(statement).all()
    documents.preload_attachments(session, kind, [obj.id for obj in batch])
    return [(kind, obj) for obj in batch]


def load(session: Session, kind: str, ids: list[int]) -> None:
    """Bring these rows into the session with what their documents need, in a few queries, so writing
    their documents one by one (`documents.write`) asks the database nothing more."""
    if kind in LOADERS and ids:
        model = documents.MODEL_OF_KIND[kind]
        session.scalars(LOADERS[kind]().where(model.id.in_(ids))).all()
        documents.preload_attachments(session, kind, ids)
