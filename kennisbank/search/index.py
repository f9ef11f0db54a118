"""Where the index lives, one long-lived searcher per thread, and the single-writer rule.

Layout: INDEX_DIR/CURRENT names the active generation directory (INDEX_DIR/gen-N). `reindex` builds a
new generation next to it and swaps CURRENT atomically, so searchers never see a half-built index.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError  # noqa: F401  (re-exported for callers)
from whoosh.reading import EmptyReader

from .schema import build_schema

POINTER = "CURRENT"


def _pointer(root: Path) -> Path:
    return root / POINTER


def current_generation(root: Path) -> Path:
    """The active generation directory, creating an empty index on first use."""
    pointer = _pointer(root)
    if pointer.exists():
        return root / pointer.read_text().strip()
    root.mkdir(parents=True, exist_ok=True)
    # First use can come from several threads and processes at once (a command's own drain and the
    # background drainer): one creates the index, the others wait and use it.
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


def set_current(root: Path, generation: Path) -> None:
    temporary = root / f"{POINTER}.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.write_text(generation.name)
    os.replace(temporary, _pointer(root))  # atomic: readers see the old or the new name, never half


def new_generation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
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
    return whoosh_index.open_dir(current_generation(root))


class Searchers:
    """One searcher per thread, reopened only when the index changed (opening one costs ~200 ms at
    50,000 documents; never per request)."""

    def __init__(self, root: Path):
        self.root = root
        self._local = threading.local()

    def get(self):
        local = self._local
        generation = current_generation(self.root)
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.generation != generation:
            if searcher is not None:
                searcher.close()
            local.searcher = whoosh_index.open_dir(generation).searcher()
            local.generation = generation
        elif not local.searcher.up_to_date():
            if isinstance(local.searcher.reader(), EmptyReader):
                # Whoosh cannot refresh from an empty reader (it has no segments to reuse): reopen.
                local.searcher.close()
                local.searcher = whoosh_index.open_dir(generation).searcher()
            else:
                local.searcher = local.searcher.refresh()
        return local.searcher
