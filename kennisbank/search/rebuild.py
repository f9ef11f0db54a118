"""Rebuilding an index from the database, and checking it against the database (lag and drift)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..extensions import db
from . import changes, documents, index, parallel_build
from .source import LOADERS, source_rows


def rebuild(app: Flask, session: Session, *, progress: Callable[[int], None] = lambda n: None, procs: int = 1,
            wait: bool = True) -> int | None:
    """Build a fresh generation from the database and swap it in. Returns the documents written, or None
    when another process of this host is rebuilding already (and `wait` is off). With `procs` > 1,
    worker processes read and write shares of the rows (see `parallel_build`).

    The change-log position is taken *before* reading, and stored as the new index's cursor: whatever
    commits while the rebuild reads comes after it and is applied by the indexer afterwards.
    """
    root = Path(app.config["INDEX_DIR"])
    with index.rebuild_lock(root, wait) as ours:
        if not ours:
            return None
        start = changes.rebuild_start(session)
        session.rollback()
        generation = index.new_generation(root)
        writer = None
        try:
            if procs > 1:
                written, writer = parallel_build.build(app, session, generation, procs, progress)
            else:
                writer = parallel_build.FastSegmentWriter(index.open_generation(generation), limitmb=256,
                                                           compound=index.COMPOUND)
                written = parallel_build.add_rows(writer, source_rows(session), progress)
            index.commit(writer, generation, start)
        except BaseException:
            if writer is not None:
                index.cancel(writer)
            raise
        finally:
            session.rollback()
        index.set_current(root, generation)
        index.remove_old_generations(root)
    return written


def reindex(app: Flask, *, progress: Callable[[int], None] = lambda n: None, procs: int = 1) -> int:
    """`kb reindex`: rebuild now (waiting for a rebuild already running), with its own session."""
    with app.app_context(), Session(db.engine) as session:
        return rebuild(app, session, progress=progress, procs=procs)


def count_all(app: Flask) -> int:
    """How many rows a rebuild reads (for its progress bar)."""
    with app.app_context(), Session(db.engine) as session:
        return sum(session.scalar(select(func.count()).select_from(documents.MODEL_OF_KIND[k])) for k in LOADERS)


@dataclass
class Check:
    """How one index compares with the database. Items with changes still queued for the index are lag,
    not drift: they are on their way."""

    cursor: changes.Position | None
    lag: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def drift(self) -> list[str]:
        return self.missing + self.extra + self.stale


def check(app: Flask) -> Check:
    """Compare this host's index with the database: what is queued (lag), and what differs (drift)."""
    with app.app_context(), Session(db.engine) as session:
        generation = index.current_generation(Path(app.config["INDEX_DIR"]))
        cursor = index.read_cursor(generation)
        # The index first, then the database, then the queue: a change committed in between is queued.
        with index.open_generation(generation).searcher() as searcher:
            present = {fields["key"]: fields.get("digest") for fields in searcher.all_stored_fields()}
        expected = {}
        for kind, obj in source_rows(session):
            if documents.is_indexed(obj):
                expected[documents.key(kind, obj.id)] = documents.fingerprint(kind, obj)
        start = cursor or changes.START
        queued = changes.pending_keys(session, start)
        result = Check(cursor=cursor, lag=changes.pending(session, start))
    result.missing = sorted(set(expected) - set(present) - queued)
    result.extra = sorted(set(present) - set(expected) - queued)
    result.stale = sorted(k for k in set(expected) & set(present) if expected[k] != present[k] and k not in queued)
    return result


def repair(app: Flask, keys: list[str]) -> int:
    """Write the given documents afresh from the database (or remove them), keeping the cursor."""
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    with app.app_context(), Session(db.engine) as session:
        writer = index.open_writer(generation, wait=True)
        try:
            cursor = index.read_cursor(generation) or changes.START
            for key in keys:
                kind, _, item_id = key.partition(":")
                documents.write(session, writer, kind, int(item_id))
            index.commit(writer, generation, cursor)
        except BaseException:
            index.cancel(writer)
            raise
    return len(keys)
