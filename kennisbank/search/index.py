"""Where the index lives: generations, the single writer, and the cursor kept with every commit.

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
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError  # noqa: F401  (re-exported for callers)
from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from .changes import Position
from .schema import SCHEMA_VERSION, build_schema

POINTER = "CURRENT"
CURSOR_PREFIX = ".cursor-"
CURSORS_KEPT = 5
LOCK_WAIT = 60.0  # seconds a command waits for the index's writer before giving up


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


# Segments are written as separate files, not Whoosh's compound file: a reader copies a compound
# segment whole into its own memory (every web worker held the whole index), while separate files are
# read through the operating system's cache, shared by every process on the host.
COMPOUND = False
# But separate files are opened when first needed, not when the reader opens (a column at the first
# facet count): so files of segments that a commit or merge replaced stay this long before they are
# deleted, and a searcher opened before that commit can still read them. A searcher is brought up to
# date before every use, so seconds would do; minutes leave room for a slow request.
SEGMENT_FILE_GRACE = 600.0


class GraceWriter(SegmentWriter):
    """Whoosh's segment writer, but replaced segments' files are deleted only after SEGMENT_FILE_GRACE
    seconds (at a later commit), not at once."""

    def _commit_toc(self, segments):
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        remove_unused_files(self.storage, self.indexname, self.generation, segments)


def remove_unused_files(storage, indexname: str, generation: int, segments, grace: float | None = None) -> None:
    """Older tables of contents at once; files of segments no longer listed once `grace` has passed."""
    grace = SEGMENT_FILE_GRACE if grace is None else grace
    current = {segment.segment_id() for segment in segments}
    tocs, segment_files = TOC._pattern(indexname), TOC._segment_pattern(indexname)
    now = time.time()
    for name in storage.list():
        toc, segment = tocs.match(name), segment_files.match(name)
        try:
            if toc and int(toc.group(1)) != generation:
                storage.delete_file(name)
            elif segment and segment.group(1) not in current and now - storage.file_modified(name) > grace:
                storage.delete_file(name)
        except OSError:  # deleted by another writer's clean-up meanwhile
            pass


def open_writer(generation: Path, wait: bool):
    """The generation's single writer. LockError when another process holds it (after `LOCK_WAIT`
    seconds when waiting)."""
    deadline = time.monotonic() + (LOCK_WAIT if wait else 0)
    while True:
        try:
            return GraceWriter(open_generation(generation), compound=COMPOUND)
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
    found = [(number, path) for number, path in _cursor_files(generation) if number <= latest]
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
    for _, old in _cursor_files(generation)[:-CURSORS_KEPT]:
        old.unlink(missing_ok=True)


def _cursor_files(generation: Path) -> list[tuple[int, Path]]:
    """(commit number, file) of every cursor file in the generation, oldest first."""
    found = ((p.name[len(CURSOR_PREFIX):], p) for p in generation.glob(CURSOR_PREFIX + "*"))
    return sorted((int(number), path) for number, path in found if number.isdigit())


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
