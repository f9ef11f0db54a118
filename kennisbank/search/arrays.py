"""Whoosh segments decoded into numpy arrays, cached per segment under one byte budget per process.

Whoosh segments never change once written (only their deletions grow), so what is decoded from one —
a term's postings, its positions, the field lengths, the facet columns — stays right across every later
commit: a commit adds a small segment and a merge replaces a few by a new one, and only those are read.
Deletions are applied afterwards as a mask, keyed by the segment's deletion count.

Everything lives in one LRU cache with a byte budget (`KENNISBANK_SEARCH_CACHE_MB`, default 256); when
a new segment appears, `warm` decodes the terms that queries used recently for it in a background
thread, so a merge does not make the next queries decode from scratch.
"""
from __future__ import annotations

import heapq
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate, repeat

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound

log = logging.getLogger(__name__)

DEFAULT_BUDGET_MB = 256
HOT_TERMS = 4000  # recently used terms decoded for a new segment before a query asks for them
WARM_MIN_DOCS = 1000  # smaller segments (a commit's few documents) are not worth a thread
FREQUENT_TERMS = 1000  # at a process's first search: decoded in the background, most documents first
EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


class ByteBudgetCache:
    """Least recently used entries dropped first once their arrays together exceed the budget."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.size = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        return None

    def put(self, key, value, nbytes: int):
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, nbytes)
            self.size += nbytes
            while self.size > self.budget and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped
        return value

    def recent_terms(self, limit: int) -> list[tuple[str, bytes]]:
        """(field, term) of the most recently used postings, newest first."""
        with self._lock:
            keys = list(reversed(self._entries))
        seen, out = set(), []
        for key in keys:
            if key[0] == "terms" and key[2:] not in seen:
                seen.add(key[2:])
                out.append(key[2:])
                if len(out) == limit:
                    break
        return out



cache = ByteBudgetCache(DEFAULT_BUDGET_MB * 2**20)


def configure(budget_mb: int) -> None:
    cache.budget = max(1, int(budget_mb)) * 2**20


def _cached(key, load):
    """The cached value for `key`, or `load()` kept under the budget (its arrays' bytes, plus a little
    for the entry itself)."""
    found = cache.get(key)
    if found is None:
        found = load()
        parts = found if isinstance(found, tuple) else (found,)
        cache.put(key, found, sum(part.nbytes for part in parts) + 200)
    return found


def segment_readers(searcher) -> list:
    """(segment reader, first global docnum, its document count) for each segment of a searcher (an
    empty index has a reader without segments)."""
    return [(reader, offset, reader.doc_count_all()) for reader, offset in searcher.reader().leaf_readers()
            if reader.segment() is not None]


def segment_key(reader) -> tuple:
    """A segment across versions and threads. Whoosh names every segment it writes with 16 random
    characters, so the name (with the document count, as a guard) identifies its content; a copy of an
    index (a replica) rightly shares the entry."""
    segment = reader.segment()
    return segment.segment_id(), segment.doc_count_all()


# -- one segment ---------------------------------------------------------------------------------------


def term_arrays(reader, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Local docnums (int32, ascending) and weights (float32) of every posting in the segment, deleted
    documents included (the caller masks those)."""
    return _cached(("terms", segment_key(reader), fieldname, text), lambda: _read_term(reader, fieldname, text))


def _leaf_matcher(reader, fieldname: str, text: bytes):
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return None
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _read_term(reader, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    matcher = _leaf_matcher(reader, fieldname, text)
    if matcher is None:
        return EMPTY_IDS, EMPTY_WEIGHTS
    ids: list[int] = []
    weights: list[float] = []
    for block_ids, block_weights, _ in _blocks(matcher, values=False):
        ids.extend(block_ids)
        weights.extend(block_weights)
    return np.fromiter(ids, np.int32, len(ids)), np.fromiter(weights, np.float32, len(weights))


def _blocks(matcher, *, values: bool):
    """(ids, weights, values) per postings block of a leaf matcher: whole blocks where the whoosh3 codec
    allows (the ids delta-decoded in C), else one posting at a time."""
    if not all(hasattr(matcher, name) for name in ("_read_data", "_next_block", "_byteids", "_blocklength")):
        while matcher.is_active():
            yield [matcher.id()], [matcher.weight()], [matcher.value()] if values else None
            matcher.next()
        return
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids, weights = matcher._data[0], matcher._data[1]
        if not matcher._byteids:
            ids = list(accumulate(ids))
        count = matcher._blocklength
        if weights is None:
            weights = repeat(1.0, count)
        elif isinstance(weights, float):
            weights = repeat(weights, count)
        block_values = None
        if values:
            matcher._read_values()
            block_values = matcher._values
        yield ids, weights, block_values
        matcher._next_block()


@dataclass(frozen=True)
class Positions:
    """A term's positions in a segment: for posting i (docnum ids[i]), positions[starts[i]:starts[i+1]]."""

    ids: np.ndarray
    starts: np.ndarray
    positions: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.starts.nbytes + self.positions.nbytes


def term_positions(reader, fieldname: str, text: bytes) -> Positions:
    return _cached(("positions", segment_key(reader), fieldname, text),
                   lambda: _read_positions(reader, fieldname, text))


def _read_positions(reader, fieldname: str, text: bytes) -> Positions:
    matcher = _leaf_matcher(reader, fieldname, text)
    ids: list[int] = []
    counts: list[int] = []
    flat: list[int] = []
    if matcher is not None:
        decode = matcher.format.decode_positions
        for block_ids, _, block_values in _blocks(matcher, values=True):
            ids.extend(block_ids)
            for value in block_values:
                found = decode(value)
                counts.append(len(found))
                flat.extend(found)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(counts, np.int64, len(counts)), out=starts[1:])
    return Positions(np.fromiter(ids, np.int32, len(ids)), starts, np.fromiter(flat, np.int32, len(flat)))


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length in the field (as `doc_field_length` gives it), float32 by local docnum."""
    def load():
        count, length = reader.doc_count_all(), reader.doc_field_length
        return np.fromiter((length(docnum, fieldname, 1) or 0 for docnum in range(count)), np.float32, count)
    return _cached(("lengths", segment_key(reader), fieldname), load)


def live_mask(reader) -> np.ndarray | None:
    """True for the segment's documents that are not deleted; None when none are."""
    if not reader.has_deletions():
        return None
    def load():
        live = np.ones(reader.doc_count_all(), dtype=bool)
        live[np.fromiter(reader.deleted_docs_set, np.int64)] = False
        return live
    return _cached(("live", segment_key(reader), reader.segment().deleted_count()), load)


# -- facet columns -------------------------------------------------------------------------------------


class Vocabulary:
    """Column values as small integer codes, the same in every segment, so counting is `bincount`."""

    def __init__(self):
        self.values: list = []
        self.codes: dict = {}
        self._lock = threading.Lock()

    def code(self, value) -> int:
        found = self.codes.get(value)
        if found is None:
            with self._lock:
                found = self.codes.get(value)
                if found is None:
                    found = self.codes[value] = len(self.values)
                    self.values.append(value)
        return found


vocabularies: dict[str, Vocabulary] = {}
_vocabularies_lock = threading.Lock()


def vocabulary(name: str) -> Vocabulary:
    with _vocabularies_lock:
        return vocabularies.setdefault(name, Vocabulary())


def column_codes(reader, name: str) -> np.ndarray:
    """Codes (see `Vocabulary`) of a single-valued sortable column, by local docnum."""
    return _cached(("column", segment_key(reader), name), lambda: np.fromiter(
        map(vocabulary(name).code, reader.column_reader(name)), np.int32, reader.doc_count_all()))


def column_numbers(reader, name: str) -> np.ndarray:
    """The raw numbers of a numeric column (dates), int64 by local docnum."""
    return _cached(("numbers", segment_key(reader), name), lambda: np.fromiter(
        reader.column_reader(name, translate=False), np.int64, reader.doc_count_all()))


def multi_codes(reader, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A comma-separated column (themes) as pairs: local docnum, code of one of its values."""
    def load():
        words, docs, codes = vocabulary(name), [], []
        for docnum, raw in enumerate(reader.column_reader(name)):
            for value in raw.decode().split(",") if raw else ():
                docs.append(docnum)
                codes.append(words.code(value))
        return np.fromiter(docs, np.int32, len(docs)), np.fromiter(codes, np.int32, len(codes))
    return _cached(("multi", segment_key(reader), name), load)


# -- warming -------------------------------------------------------------------------------------------


def warm(storage, schema, segments: list, *, hot_terms: int = HOT_TERMS) -> None:
    """Decode, for segments no query has used yet, what recent queries used: their field lengths and
    the recently used terms. Runs in a background thread on readers of its own (a reader's files are not
    safe to share between threads); a query that comes first decodes on its own."""
    terms = cache.recent_terms(hot_terms)
    for segment in segments:
        try:
            reader = SegmentReader(storage, schema, segment)
        except Exception as error:  # noqa: BLE001 - a merge removed the segment meanwhile: nothing to warm
            log.info("Warming a segment skipped: %r", error)
            continue
        try:
            if "text" in schema:
                field_lengths(reader, "text")
            # A process that has not searched yet: the words in most documents, the ones slowest to decode.
            for fieldname, text in terms or [("text", t) for t in frequent_terms(reader, "text", FREQUENT_TERMS)]:
                term_arrays(reader, fieldname, text)
        except Exception as error:  # noqa: BLE001 - as above
            log.info("Warming a segment stopped: %r", error)
        finally:
            reader.close()


def frequent_terms(reader, fieldname: str, limit: int) -> list[bytes]:
    """The segment's `limit` terms in the most documents."""
    if fieldname not in reader.schema:
        return []
    found = ((info.doc_frequency(), text) for text, info in reader.iter_field(fieldname))
    return [text for _, text in heapq.nlargest(limit, found)]


_warmed: OrderedDict = OrderedDict()  # segments already handed to a warming thread (every thread opens its own)
_warmed_lock = threading.Lock()


def warm_in_background(storage, schema, segments: list) -> threading.Thread | None:
    with _warmed_lock:
        # A commit's own small segment decodes in microseconds when a query needs it; warming it would
        # only take the interpreter away from the queries.
        segments = [s for s in segments if s.segment_id() not in _warmed and s.doc_count_all() >= WARM_MIN_DOCS]
        for segment in segments:
            _warmed[segment.segment_id()] = True
        while len(_warmed) > 10_000:
            _warmed.popitem(last=False)
    if not segments:
        return None
    thread = threading.Thread(target=warm, args=(storage, schema, segments), name="kennisbank-search-warm",
                              daemon=True)
    thread.start()
    return thread
