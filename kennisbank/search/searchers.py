"""Searchers that survive other processes' commits, merges and rebuilds.

One long-lived searcher per thread (opening one costs ~50–200 ms; never per request). Another process's
commit can merge segments and delete the files an open searcher uses, and a refresh that fails half-way
closes readers the old searcher still holds: such a searcher is dropped, never kept, and the work is
tried once more on a fresh one.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from whoosh.index import EmptyIndexError
from whoosh.reading import EmptyReader, ReaderClosed

from .index import current_generation, open_generation

log = logging.getLogger(__name__)


class SearchUnavailable(Exception):
    """The index could not be read twice in a row; the user is asked to try again shortly."""

    message = "Zoeken is even niet beschikbaar. Probeer het over een minuut opnieuw; er is niets verloren gegaan."


def version_key(searcher) -> tuple:
    """Identifies what a searcher sees (generation directory, commit): caches keyed by it stay right
    when a reader is closed and another takes its place."""
    storage = getattr(searcher, "_ix", None) and getattr(searcher._ix, "storage", None)
    return getattr(storage, "folder", id(searcher)), searcher.reader().generation()


# What another process's commit, merge or rebuild can do to an open searcher: files deleted under it
# (FileNotFoundError, EOFError on a truncated read), readers closed by a failed refresh (ReaderClosed),
# a generation directory that vanished while opening (EmptyIndexError).
TRANSIENT = (OSError, EOFError, ReaderClosed, EmptyIndexError)


class Searchers:
    """One searcher per thread, reopened only when the index changed, dropped when it fails."""

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
        if searcher is not None and local.generation == generation:
            if searcher.up_to_date():
                return searcher
            # Whoosh cannot refresh from an empty reader (it has no segments to reuse): that one reopens.
            if not isinstance(searcher.reader(), EmptyReader):
                try:
                    local.searcher = searcher.refresh()
                except BaseException:
                    self.drop()  # a failed refresh has closed readers of the old searcher: never keep it
                    raise
                return local.searcher
        self.drop()
        local.searcher, local.generation = open_generation(generation).searcher(), generation
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
