"""Where the index lives, its cursor, and searchers that survive other processes' commits.

Layout: INDEX_DIR/CURRENT names the active generation directory (INDEX_DIR/gen-N). A rebuild fills a
new generation next to it and swaps CURRENT atomically, so searchers never see a half-built index.

Each Whoosh commit in a generation writes a new table of contents `_MAIN_<n>.toc`. The cursor (the
position in the change log that the documents reflect) is written to `.cursor-<n>` *before* that TOC
appears, so whoever sees TOC n finds the cursor that belongs to it: cursor and documents never
disagree. (Whoosh's own clean-up passes over dotfiles.)
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, LockError  # noqa: F401  (LockError re-exported for callers)
from whoosh.reading import EmptyReader, ReaderClosed

from .changes import Position
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)
POINTER = "CURRENT"
CURSOR_PREFIX = ".cursor-"
CURSORS_KEPT = 5
LOCK_WAIT = 60.0  # seconds a command waits for the index's writer before giving up


class SearchUnavailable(Exception):
    """The index could not be read twice in a row; the user is asked to try again shortly."""

    message = "Zoeken is even niet beschikbaar. Probeer het over een minuut opnieuw; er is niets verloren gegaan."


def _pointer(root: Path) -> Path:
    return root / POINTER


def current_generation(root: Path) -> Path:
    """The active generation directory, creating an empty index on first use."""
    pointer = _pointer(root)
    if pointer.exists():
        return root / pointer.read_text().strip()
    root.mkdir(parents=True, exist_ok=True)
    # First use can come from several threads and processes at once (a command's own catch-up and the
    # background indexer): one creates the index, the others wait and use it.
    with _creation_lock(root):
        if pointer.exists():
            return root / pointer.read_text().strip()
        first = root / "gen-1"
        first.mkdir(exist_ok=True)
        if not whoosh_index.exists_in(first):
            whoosh_index.create_in(first, build_schema())
        set_current(root, first)
        return first


@contextmanager
def _creation_lock(root: Path):
    with _thread_lock, open(root / ".create.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_thread_lock = threading.Lock()  # flock locks per process; threads of one process queue here first


@contextmanager
def rebuild_lock(root: Path, wait: bool):
    """One rebuild per index directory at a time (yields False when another one is running)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".rebuild.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def set_current(root: Path, generation: Path) -> None:
    temporary = root / f"{POINTER}.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.write_text(generation.name)
    os.replace(temporary, _pointer(root))  # atomic: readers see the old or the new name, never half


def new_generation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with _creation_lock(root):
        numbers = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
        generation = root / f"gen-{max(numbers, default=0) + 1}"
        generation.mkdir()
    whoosh_index.create_in(generation, build_schema())
    return generation


def remove_old_generations(root: Path, keep: int = 2) -> None:
    """Keep the active generation and the one before it (other processes may still be reading it)."""
    current = current_generation(root).name
    generations = sorted((p for p in root.glob("gen-*") if p.name[4:].isdigit()), key=lambda p: int(p.name[4:]))
    for old in generations[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def open_index(root: Path):
    return open_generation(current_generation(root))


def open_writer(generation: Path, wait: bool):
    """The generation's single writer. LockError when another process holds it (after `LOCK_WAIT`
    seconds when waiting)."""
    deadline = time.monotonic() + (LOCK_WAIT if wait else 0)
    while True:
        try:
            return open_generation(generation).writer()
        except LockError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def open_generation(generation: Path, attempts: int = 10):
    """Open the index, retrying when the TOC it listed was replaced by another process's commit just
    before it could be read (Whoosh's own retry covers readers, not opening)."""
    for attempt in range(attempts):
        try:
            return whoosh_index.open_dir(generation)
        except (FileNotFoundError, EOFError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)


# The cursor ------------------------------------------------------------------------------------------

def read_cursor(generation: Path) -> Position | None:
    """The change-log position the generation's newest commit reflects; None when unknown (a new or
    damaged index, or one built for another schema): then the index must be rebuilt."""
    try:
        latest = open_generation(generation).latest_generation()
    except Exception:  # noqa: BLE001 - missing, truncated or garbage: whatever it is, it is not usable
        return None
    found = sorted((int(p.name[len(CURSOR_PREFIX):]), p) for p in generation.glob(CURSOR_PREFIX + "*")
                   if p.name[len(CURSOR_PREFIX):].isdigit() and int(p.name[len(CURSOR_PREFIX):]) <= latest)
    if not found:
        return None
    try:
        data = json.loads(found[-1][1].read_text())
    except (OSError, ValueError):
        return None
    if data.get("schema") != SCHEMA_VERSION:
        return None
    return (int(data["xid"]), int(data["seq"]))


def commit(writer, generation: Path, cursor: Position, **options) -> None:
    """Commit the writer's documents together with the cursor they bring the index to."""
    name = generation / f"{CURSOR_PREFIX}{writer.generation}"
    temporary = generation / f".cursor.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "w") as handle:
        json.dump({"xid": cursor[0], "seq": cursor[1], "schema": SCHEMA_VERSION}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, name)
    writer.commit(**options)
    for old in sorted(generation.glob(CURSOR_PREFIX + "*"), key=lambda p: int(p.name[len(CURSOR_PREFIX):]))[
            :-CURSORS_KEPT]:
        old.unlink(missing_ok=True)


def cancel(writer) -> None:
    """Give up a writer and the files it had started (Whoosh leaves them until the next commit)."""
    if writer.is_closed:
        return
    writer.cancel()
    prefix = writer.newsegment.segment_id() + "."
    for name in list(writer.storage.list()):
        if name.startswith(prefix):
            try:
                writer.storage.delete_file(name)
            except OSError:
                pass


def is_storage_failure(error: BaseException) -> bool:
    """Disk full, no permission, read-only: the indexer cannot write, whatever it tries."""
    return isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS,
                                                           errno.EFBIG, errno.EDQUOT}


def version_key(searcher) -> tuple:
    """Identifies what a searcher sees (generation directory, commit): caches keyed by it stay right
    when a reader is closed and another takes its place."""
    storage = getattr(searcher, "_ix", None) and getattr(searcher._ix, "storage", None)
    return getattr(storage, "folder", id(searcher)), searcher.reader().generation()


# Searchers ---------------------------------------------------------------------------------------------

# What another process's commit, merge or rebuild can do to an open searcher: files deleted under it
# (FileNotFoundError, EOFError on a truncated read), readers closed by a failed refresh (ReaderClosed),
# a generation directory that vanished while opening (EmptyIndexError).
TRANSIENT = (OSError, EOFError, ReaderClosed, EmptyIndexError)


class Searchers:
    """One searcher per thread, reopened only when the index changed (opening one costs ~50–200 ms;
    never per request), and dropped — never kept — when it meets a file another process removed."""

    def __init__(self, root: Path):
        self.root = root
        self._local = threading.local()

    def run(self, work):
        """`work(searcher)`, retried once on a fresh searcher; a second failure is SearchUnavailable."""
        for attempt in (1, 2):
            try:
                return work(self.get())
            except TRANSIENT as error:
                self.drop()
                if attempt == 2:
                    log.error("Search failed twice on a fresh searcher: %r", error)
                    raise SearchUnavailable from error
                log.info("Searcher dropped after %r; retrying on a fresh one", error)

    def get(self):
        local = self._local
        generation = current_generation(self.root)
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.generation != generation:
            self.drop()
            local.searcher, local.generation = whoosh_index.open_dir(generation).searcher(), generation
        elif not searcher.up_to_date():
            if isinstance(searcher.reader(), EmptyReader):
                # Whoosh cannot refresh from an empty reader (it has no segments to reuse): reopen.
                self.drop()
                local.searcher, local.generation = whoosh_index.open_dir(generation).searcher(), generation
            else:
                try:
                    local.searcher = searcher.refresh()
                except BaseException:
                    self.drop()  # a failed refresh has closed readers of the old searcher: never keep it
                    raise
        return local.searcher

    def drop(self) -> None:
        """Forget this thread's searcher (closing what is left of it)."""
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        self._local.generation = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # noqa: BLE001 - half-closed by a failed refresh: nothing left to save
                pass
