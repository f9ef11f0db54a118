"""Keeping the index in step with the database — one mechanism: a transactional outbox.

1. Every flush that touches a searchable row writes (kind, id) to the `search_outbox` table in the same
   transaction (SQLAlchemy `after_flush`). A rollback takes the outbox rows with it, so a rolled-back
   change never reaches the index; a commit makes them durable even if the process dies next.
2. After a commit, a background thread in this process drains the outbox into Whoosh (saving never waits
   on the index lock). It also drains every second, so rows left by other or killed processes are
   picked up; `flask kb index-worker` does the same as a separate process.
3. Draining: take the index's single writer (LockError: someone else is draining, try later), read a
   batch of outbox rows, load each item fresh from the database, write or delete its document, commit
   the index, then delete exactly those outbox rows. A crash between the two commits only means the
   batch is written again — idempotent, nothing lost.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import SearchOutbox
from . import documents
from .index import LockError, open_index

log = logging.getLogger(__name__)
BATCH = 500
_PENDING = "kennisbank_search_pending"


def _outbox_rows(session: Session) -> set[tuple[str, int]]:
    rows = set()
    connection = session.connection()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = documents.kind_of(obj)
        if kind is None or obj.id is None:
            continue
        rows.add((kind, obj.id))
        for dependent in documents.dependents(obj, connection):
            rows.add(dependent)
    return rows


def mark(kind: str, item_id: int) -> None:
    """Queue a document whose content depends on a change elsewhere (a renamed theme, a user who left)."""
    db.session.execute(insert(SearchOutbox).values(kind=kind, item_id=item_id))
    db.session.info[_PENDING] = True


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context) -> None:
    rows = _outbox_rows(session)
    if rows:
        session.connection().execute(insert(SearchOutbox), [{"kind": k, "item_id": i} for k, i in sorted(rows)])
        session.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        drainer = _drainer_for_current_app()
        if drainer is not None:
            drainer.wake()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _drainer_for_current_app():
    try:
        return current_app.extensions.get("kennisbank_drainer")
    except RuntimeError:  # no app context (scripts using the models directly)
        return None


def drain(app: Flask, max_batches: int | None = None) -> int:
    """Write queued changes into the index until the outbox is empty. Returns how many documents were
    written or removed; 0 when another writer holds the index (it will drain our rows too)."""
    done = batches = 0
    with app.app_context():
        root = Path(app.config["INDEX_DIR"])
        while max_batches is None or batches < max_batches:
            rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.item_id)
                                      .order_by(SearchOutbox.id).limit(BATCH)).all()
            if not rows:
                break
            try:
                writer = open_index(root).writer()
            except LockError:
                db.session.rollback()
                return done
            try:
                for kind, item_id in sorted({(kind, item_id) for _, kind, item_id in rows}):
                    _write_one(writer, kind, item_id)
                    done += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
            db.session.commit()
            batches += 1
    return done


def _write_one(writer, kind: str, item_id: int) -> None:
    model = documents.MODEL_OF_KIND.get(kind)
    obj = db.session.get(model, item_id) if model else None
    if obj is None or not documents.is_indexed(obj):
        writer.delete_by_term("key", documents.key(kind, item_id))
    else:
        writer.update_document(**documents.document(kind, obj))


class Drainer:
    """The per-process background thread: drains after each commit and once a second."""

    def __init__(self, app: Flask, interval: float = 1.0):
        self.app = app
        self.interval = interval
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        self.ensure_started()
        self._wake.set()

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kennisbank-index-drainer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                drain(self.app)
            except Exception:  # logged, never swallowed silently; the rows stay queued for the next run
                log.exception("Draining the search outbox failed; the changes stay queued")
            time.sleep(0.05)  # coalesce bursts of commits into one index commit


def init_app(app: Flask) -> None:
    if app.config.get("SEARCH_SYNC", "background") == "background":
        drainer = app.extensions["kennisbank_drainer"] = Drainer(app)
        # Started by the first request, not at import: `flask db upgrade` needs no thread. Its first round
        # also picks up what other processes (load-content, a killed worker) left in the outbox.
        app.before_request(drainer.ensure_started)


def run_worker(app: Flask, interval: float, stop: threading.Event | None = None) -> None:
    """`flask kb index-worker`: drain forever (for deployments with several app processes)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            drain(app)
        except Exception:
            log.exception("Draining the search outbox failed; retrying")
        stop.wait(interval)
