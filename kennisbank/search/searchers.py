"""Searchers that survive other processes' commits, merges and rebuilds.

One long-lived searcher per thread (opening one costs ~50–200 ms; never per request), brought up to date
after each commit by `refreshed`, which keeps the readers of unchanged segments. Another process's commit
can merge segments and delete the files an open searcher uses, and a refresh that fails half-way closes
readers the old searcher still holds: such a searcher is dropped, never kept, and the work is tried once
more on a fresh one.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from whoosh.index import EmptyIndexError
from whoosh.reading import EmptyReader, MultiReader, ReaderClosed, SegmentReader

from . import arrays
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
        self._open: set = set()  # every thread's searcher, so that `close_all` can reach them
        self._lock = threading.Lock()

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
            try:
                local.searcher = self._keep(refreshed(searcher), replaces=searcher)
            except BaseException:
                self.drop()
                raise
            _warm_new_segments(local.searcher)
            return local.searcher
        self.drop()
        local.searcher, local.generation = self._keep(open_generation(generation).searcher()), generation
        _warm_new_segments(local.searcher)
        return local.searcher

    def _keep(self, searcher, replaces=None):
        with self._lock:
            self._open.discard(replaces)
            self._open.add(searcher)
        return searcher

    def drop(self) -> None:
        """Forget this thread's searcher (closing what is left of it)."""
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        self._local.generation = None
        if searcher is not None:
            self._close(searcher)

    def close_all(self) -> None:
        """Close every thread's searcher (an app that is done with, such as a test's; a worker process
        simply ends). Segments are separate files, so an unclosed searcher holds file handles."""
        with self._lock:
            found, self._open = self._open, set()
        for searcher in found:
            self._close(searcher)

    def _close(self, searcher) -> None:
        with self._lock:
            self._open.discard(searcher)
        try:
            searcher.close()
        except Exception:  # noqa: BLE001 - half-closed by a failed refresh: nothing left to save
            pass


def _warm_new_segments(searcher) -> None:
    """Decode what recent queries used for segments that appeared since (see `arrays.warm`)."""
    ix = getattr(searcher, "_ix", None)
    if ix is None:
        return
    segments = [reader.segment() for reader, _, _ in arrays.segment_readers(searcher)]
    arrays.warm_in_background(ix.storage, searcher.schema, segments)


def refreshed(searcher):
    """A searcher for the index's newest commit that keeps the readers of unchanged segments.

    Not Whoosh's own refresh(): it reuses a segment's reader by segment id alone (Segment equality), so
    deletions added to an existing segment — the old version of an updated document — stayed visible
    (an edited project was found twice, and by its old words), and it adds the reused reader's segments
    back even when a merge removed them. Here a reader is reused only for a segment that is still in the
    index with the same number of deletions; every other reader is opened afresh.
    """
    ix = searcher._ix
    toc = ix._read_toc()
    old = {reader.segment().segment_id(): reader for reader, _ in searcher.ixreader.leaf_readers()
           if reader.segment() is not None}
    readers = []
    for segment in toc.segments:
        reader = old.pop(segment.segment_id(), None)
        if reader is not None and reader.segment().deleted_count() == segment.deleted_count():
            readers.append(reader)
            continue
        if reader is not None:
            old[f"stale:{segment.segment_id()}"] = reader
        readers.append(SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation))
    for unused in old.values():
        unused.close()
    if not readers:
        combined = EmptyReader(toc.schema)
    elif len(readers) == 1:
        combined = readers[0]
    else:
        combined = MultiReader(readers, generation=toc.generation)
    searcher.is_closed = True  # its readers now belong to the new searcher (or are closed above)
    return searcher.__class__(combined, fromindex=ix, weighting=searcher.weighting)
