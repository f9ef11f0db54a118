"""Keeping every index in step with the database — one mechanism: an append-only change log.

1. Every flush that touches a searchable row appends (kind, id) to `search_changes` in the same
   transaction (SQLAlchemy `after_flush`). A rollback takes the rows with it, so a rolled-back change
   never reaches an index; a commit makes them durable even if the process dies next.
2. Each index directory (one per host) has one writer at a time, its indexer (`indexer.py`), which
   applies the log from the cursor stored inside the index. Nobody deletes a change because it was
   read: the log is pruned by age, so every host sees every change.
3. After a commit, this process's background indexer (if it runs one) is woken, so a saved change is
   findable on this host within moments.
"""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from . import changes, documents

_PENDING = "kennisbank_search_pending"
MODES = ("background", "worker", "manual")


def _changed_items(session: Session) -> set[tuple[str, int]]:
    rows = set()
    connection = session.connection()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = documents.kind_of(obj)
        if kind is not None:
            rows.add((kind, obj.id))
        for dependent in documents.dependents(obj, connection):
            rows.add(dependent)
    return rows


def mark(kind: str, item_id: int) -> None:
    """Log a document whose content depends on a change elsewhere (a renamed theme, a user who left)."""
    changes.record(db.session.connection(), [(kind, item_id)])
    db.session.info[_PENDING] = True


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context) -> None:
    rows = _changed_items(session)
    if rows:
        changes.record(session.connection(), sorted(rows))
        session.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        background = _background_indexer()
        if background is not None:
            background.wake()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _background_indexer():
    try:
        return current_app.extensions.get("kennisbank_indexer")
    except RuntimeError:  # no app context (scripts using the models directly)
        return None


def init_app(app: Flask) -> None:
    mode = app.config.get("SEARCH_SYNC", "background")
    if mode not in MODES:
        raise ValueError(f"KENNISBANK_SEARCH_SYNC moet een van {', '.join(MODES)} zijn, niet '{mode}'.")
    retention = str(app.config.get("SEARCH_LOG_RETENTION_DAYS", ""))
    try:
        app.config["SEARCH_LOG_RETENTION_DAYS"] = days = float(retention)
    except ValueError:
        days = -1
    if not 0 <= days < 100_000:
        raise ValueError("KENNISBANK_SEARCH_LOG_RETENTION_DAYS moet een aantal dagen zijn (0 of meer), "
                         f"niet '{retention}'.")
    if mode == "background":
        from .indexer import BackgroundIndexer

        background = app.extensions["kennisbank_indexer"] = BackgroundIndexer(app)
        # Started by the first request, not at import: commands (`db upgrade`, `kb load-content`) apply
        # their own changes and need no thread.
        app.before_request(background.ensure_started)
