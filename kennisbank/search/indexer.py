"""The indexer: applies the change log to this host's index, from the cursor kept inside the index.

Whoever holds the index's Whoosh write lock is its writer for one batch: it reads the cursor (under the
lock), the next settled changes after it, loads each item fresh from the database, writes or deletes
its document and commits documents and new cursor together. A process killed anywhere in between
leaves the old cursor, so the batch is simply applied again: nothing is lost, nothing is applied out
of order. When the cursor is unknown (a new, damaged or outdated index) or older than what the log
still holds, the index is rebuilt from the database first, without a person.

Runs as a background thread in each app process (`SEARCH_SYNC=background`, the default for `make run`)
or as `flask kb index-worker`, one per host, for deployments with several processes.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models.base import utcnow
from . import changes, documents, extract, index, rebuild, replicas, source
from .wakeup import Wakeup

log = logging.getLogger(__name__)
BATCH = 500
ERROR_LOG_EVERY = 60.0  # an indexer that keeps failing says so once a minute, not once a second
PRUNE_EVERY = 3600.0
HEARTBEAT_EVERY = 10.0  # seconds between two reports to index_replicas when nothing changed
REBUILD_AFTER_FAILURES = 3  # the same non-storage failure three rounds in a row: the index is damaged


class IndexBusy(Exception):
    """Another process holds this index's writer, or is rebuilding it."""


def catch_up(app: Flask, *, wait: bool = False, max_batches: int | None = None,
             force_rebuild: bool = False, read_attachments: bool = True) -> int:
    """Apply every settled change after this index's cursor; rebuild first when the cursor is unknown or
    pruned away. Returns how many documents were written or removed.

    Without `wait`, another process holding the index is not waited for (it applies our changes too).
    :raises IndexBusy: with `wait`, the index stayed locked for `index.LOCK_WAIT` seconds.
    """
    root = Path(app.config["INDEX_DIR"])
    done = batches = 0
    rebuilt = False
    if read_attachments:  # one-off catch-ups (commands, tests); the background rounds leave it to extract.Reader
        extract.pending(app)  # attachment text first (in child processes), so this round indexes it
    with app.app_context(), Session(db.engine) as session:
        while max_batches is None or batches < max_batches:
            generation = index.current_generation(root)
            try:
                if force_rebuild:
                    force_rebuild = False
                    raise _RebuildNeeded("herhaalde fouten")
                if _up_to_date(session, generation):  # looked at without the lock: idle rounds cost no writer
                    break
                done += _one_batch(session, generation, wait)
                batches += 1
            except index.LockError:
                if wait:
                    raise IndexBusy("De zoekindex is bezet door een ander proces.") from None
                return done
            except _RebuildNeeded as needed:
                if rebuilt:  # a fresh index that needs rebuilding again: never loop, say what is wrong
                    raise RuntimeError(f"De zojuist opgebouwde zoekindex is onbruikbaar ({needed}).") from None
                written = _rebuild(app, session, wait, str(needed))
                if written is None:  # another process of this host is rebuilding it: that one carries on
                    return done
                done, rebuilt = done + written, True
    return done


class _RebuildNeeded(Exception):
    """This index cannot be brought up to date by applying changes; the message says why (in Dutch)."""


def _one_batch(session: Session, generation: Path, wait: bool) -> int:
    try:
        writer = index.open_writer(generation, wait)
    except index.LockError:
        raise
    except Exception as error:  # noqa: BLE001 - a full disk is the caller's error; anything else: damaged
        if index.is_storage_failure(error):
            raise
        raise _RebuildNeeded(f"beschadigd: {error!r}") from error
    try:
        applied = _apply_batch(session, writer, generation)
    except BaseException:
        index.cancel(writer)
        raise
    finally:
        session.rollback()  # end the read: the next batch sees what committed meanwhile
        session.expunge_all()
        documents.forget_preloaded(session)
    if applied is None:
        raise _RebuildNeeded("nieuw, van een oudere opbouw of te ver achter")
    return applied


# Changes applied while not yet settled (see changes.read_after), per generation directory: they are
# read again each round until they settle, but need no writer again from this process.
_applied_ahead: dict[Path, set[int]] = {}


def _news(rows: list[changes.Change], generation: Path) -> list[changes.Change]:
    ahead = _applied_ahead.get(generation, set())
    return [row for row in rows if row.settled or row.seq not in ahead]


def _up_to_date(session: Session, generation: Path) -> bool:
    cursor = index.read_cursor(generation)
    return (cursor is not None and cursor >= changes.horizon(session)
            and not _news(changes.read_after(session, cursor, BATCH), generation))


def _apply_batch(session: Session, writer, generation: Path) -> int | None:
    """One batch under the writer's lock; None (writer cancelled) when the index must be rebuilt."""
    cursor = index.read_cursor(generation)  # again, now that we hold the lock
    if cursor is None or cursor < changes.horizon(session):
        index.cancel(writer)
        return None
    rows = changes.read_after(session, cursor, BATCH)
    news = _news(rows, generation)
    if not news:
        index.cancel(writer)
        return 0
    items = sorted({(row.kind, row.item_id) for row in news})
    for kind in {kind for kind, _ in items}:
        source.load(session, kind, [item_id for k, item_id in items if k == kind])
    for kind, item_id in items:
        documents.write(session, writer, kind, item_id)
    index.commit(writer, generation, changes.advanced(cursor, rows))
    _applied_ahead.clear()  # only the current generation matters; what settled is read no more
    _applied_ahead[generation] = {row.seq for row in rows if not row.settled}
    return len(items)


def _rebuild(app: Flask, session: Session, wait: bool, reason: str) -> int | None:
    """Rebuild this host's index; None when another process of this host is rebuilding it already."""
    level = logging.WARNING if reason.startswith(("beschadigd", "herhaalde")) else logging.INFO
    log.log(level, "Rebuilding search index %s from the database (%s)", app.config["INDEX_DIR"], reason)
    return rebuild.rebuild(app, session, wait=wait)


class Indexer:
    """One round after another: catch up, report to `index_replicas`, prune the log now and then.
    Failures are logged (once a minute while they last), reported, and never lose the cursor."""

    def __init__(self, app: Flask, read_attachments: bool = True):
        self.app = app
        self.read_attachments = read_attachments
        self.failures = 0
        self.error = ""
        self._last_logged = 0.0
        self._last_pruned = 0.0
        self._last_reported = 0.0

    def round(self, wait: bool = False) -> int:
        try:
            applied = catch_up(self.app, wait=wait, force_rebuild=self.failures >= REBUILD_AFTER_FAILURES,
                               read_attachments=self.read_attachments)
        except Exception as error:  # noqa: BLE001 - reported below and to readiness; the loop goes on
            self._failed(error)
            return 0
        recovered, self.failures, self.error = bool(self.error), 0, ""
        self._prune()
        self._report(force=applied > 0 or recovered)
        return applied

    def _report(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_reported >= HEARTBEAT_EVERY:
            self._last_reported = now
            replicas.report(self.app, error=self.error)

    def _failed(self, error: Exception) -> None:
        storage = index.is_storage_failure(error)
        # A full disk or an unreachable database is not a damaged index: rebuilding would not help.
        self.failures = 0 if storage or isinstance(error, SQLAlchemyError) else self.failures + 1
        self.error = f"{type(error).__name__}: {error}"
        now = time.monotonic()
        if now - self._last_logged >= ERROR_LOG_EVERY:
            self._last_logged = now
            log.error("Search indexer cannot apply changes to %s (the cursor stays where it was): %s",
                      self.app.config["INDEX_DIR"], self.error, exc_info=not storage)
        try:
            self._report(force=True)
        except Exception:  # noqa: BLE001 - the database may be what failed; already logged above
            pass

    def _prune(self) -> None:
        now = time.monotonic()
        if self._last_pruned and now - self._last_pruned < PRUNE_EVERY:
            return
        self._last_pruned = now
        days = float(self.app.config["SEARCH_LOG_RETENTION_DAYS"])
        with self.app.app_context(), Session(db.engine) as session:
            removed = changes.prune(session, utcnow() - timedelta(days=days))
            session.commit()
        if removed:
            log.info("Pruned %d search changes older than %s days", removed, days)


class BackgroundIndexer:
    """The per-process thread: a round as soon as a change is committed (see wakeup.py), and at least
    once a second."""

    def __init__(self, app: Flask, interval: float = 1.0):
        self.indexer = Indexer(app, read_attachments=False)
        self.reader = extract.Reader(app)
        self.interval = interval
        self._wakeup: Wakeup | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._wakeup = self._wakeup or Wakeup(self.indexer.app)
                self._thread = threading.Thread(target=self._run, name="kennisbank-indexer", daemon=True)
                self._thread.start()
        self.reader.ensure_started()

    def _run(self) -> None:
        while True:
            self._wakeup.wait(self.interval)
            time.sleep(0.05)  # coalesce bursts of commits into one index commit
            self.indexer.round()


def run_worker(app: Flask, interval: float, stop: threading.Event | None = None) -> None:
    """`flask kb index-worker`: rounds until stopped (one such process per host), each as soon as a change
    is committed anywhere (PostgreSQL) and at least every `interval` seconds."""
    stop = stop or threading.Event()
    indexer, wakeup = Indexer(app, read_attachments=False), Wakeup(app)
    extract.Reader(app).ensure_started()
    while not stop.is_set():
        indexer.round()
        wakeup.wait(interval)
