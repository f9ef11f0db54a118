"""Reading a term's postings fast, and ranking on them with Whoosh's own BM25F formula.

Whoosh matches and scores one document at a time through a tree of Python matcher objects; at 50,000
records a query with a common word costs 100 ms or more that way. Here a term's postings are read a
whole block at a time (ids delta-decoded by `itertools.accumulate`, in C) into a dict docnum → weight,
kept in a small per-index-version cache, and AND / OR / NOT are dict and set operations. The scores are
the ones Whoosh computes (BM25F, the same idf, field lengths and boosts; tests compare both), so the
order of results does not change — only the time it takes.

Term, And, Or, AndNot and Not are evaluated here; a phrase is found by Whoosh and ranked here; anything
else raises `Unsupported` and the caller uses Whoosh itself.
"""
from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from itertools import accumulate, repeat

from whoosh import query as Q
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from .searchers import version_key

CACHE_POSTINGS = 400_000  # postings kept decoded per index version (about 40 MB at most)


class Unsupported(Exception):
    """A query type this module does not evaluate (the caller falls back to Whoosh)."""


class _VersionCache:
    """Decoded postings and field lengths of one index version. Every thread has its own searcher, but
    readers of the same version hold the same documents, so they share one cache."""

    def __init__(self):
        self.terms: OrderedDict = OrderedDict()
        self.size = 0
        self.lengths: dict[str, list[float]] = {}
        self.lock = threading.Lock()


_caches: OrderedDict = OrderedDict()
_caches_lock = threading.Lock()


def _cache(searcher) -> _VersionCache:
    key = version_key(searcher)
    with _caches_lock:
        found = _caches.get(key)
        if found is None:
            found = _caches[key] = _VersionCache()
            while len(_caches) > 2:  # this version and the one before (threads still on it)
                _caches.popitem(last=False)
        return found


def term_postings(searcher, fieldname: str, text) -> dict[int, float]:
    """docnum → weight for the live documents containing the term (cached per index version)."""
    cache = _cache(searcher)
    key = (fieldname, text)
    with cache.lock:
        found = cache.terms.get(key)
        if found is not None:
            cache.terms.move_to_end(key)
            return found
    found = _read_postings(searcher.reader(), fieldname, text)
    with cache.lock:
        cache.terms[key] = found
        cache.size += len(found)
        while cache.size > CACHE_POSTINGS and len(cache.terms) > 1:
            _, old = cache.terms.popitem(last=False)
            cache.size -= len(old)
    return found


def _read_postings(reader, fieldname: str, text) -> dict[int, float]:
    found: dict[int, float] = {}
    for segment, offset in reader.leaf_readers():
        try:
            matcher = segment.postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = frozenset()
        if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
            deleted, matcher = segment.deleted_docs_set, matcher.child
        block = _blocks(matcher)
        if offset:
            block = ((offset + docnum, weight) for docnum, weight in block)
        if deleted:
            dead = {offset + d for d in deleted}
            block = ((docnum, weight) for docnum, weight in block if docnum not in dead)
        found.update(block)
    return found


def _blocks(matcher):
    """(docnum, weight) pairs of a leaf matcher, a whole postings block at a time where the codec allows."""
    if not all(hasattr(matcher, name) for name in ("_read_data", "_next_block", "_byteids", "_blocklength")):
        return _stepped(matcher)
    pairs = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids, weights = matcher._data[0], matcher._data[1]
        if not matcher._byteids:
            ids = accumulate(ids)
        if weights is None:
            weights = repeat(1.0)
        elif isinstance(weights, float):
            weights = repeat(weights)
        pairs.extend(zip(ids, weights))
        matcher._next_block()
    return pairs


def _stepped(matcher):
    pairs = []
    while matcher.is_active():
        pairs.append((matcher.id(), matcher.weight()))
        matcher.next()
    return pairs


def field_lengths(searcher, fieldname: str) -> list[float]:
    """Every document's length in a field, by global docnum (as `doc_field_length` gives one by one)."""
    reader = searcher.reader()
    cache = _cache(searcher)
    with cache.lock:
        if fieldname not in cache.lengths:
            lengths: list[float] = []
            for segment, _ in reader.leaf_readers():
                count = segment.doc_count_all()
                lengths.extend(segment.doc_field_length(docnum, fieldname, 1) for docnum in range(count))
            cache.lengths[fieldname] = lengths
        return cache.lengths[fieldname]


def visible_scores(searcher, query: Q.Query, hidden: set[int] | None) -> dict[int, float]:
    """`score_all` without the documents in `hidden` (other people's drafts, the project itself).

    :raises Unsupported: see `score_all`.
    """
    scores = score_all(searcher, query)
    for docnum in (hidden or set()) & scores.keys():
        del scores[docnum]
    return scores


def score_all(searcher, query: Q.Query) -> dict[int, float]:
    """Every matching live document with the BM25F score Whoosh would give it.

    :raises Unsupported: for query types other than Term, And, Or, AndNot, Not.
    """
    if isinstance(query, Q.Term):
        return _term_scores(searcher, query)
    if isinstance(query, Q.AndNot):
        found = score_all(searcher, query.a)
        excluded = score_all(searcher, query.b)
        return {d: s for d, s in found.items() if d not in excluded}
    if isinstance(query, Q.And):
        positive = [q for q in query.subqueries if not isinstance(q, Q.Not)]
        negative = [q.query for q in query.subqueries if isinstance(q, Q.Not)]
        if not positive:
            raise Unsupported(query)
        parts = sorted((score_all(searcher, q) for q in positive), key=len)
        keys = set(parts[0]).intersection(*parts[1:]) if len(parts) > 1 else set(parts[0])
        for q in negative:
            keys -= score_all(searcher, q).keys()
        return {d: sum(part[d] for part in parts) for d in keys}
    if isinstance(query, Q.Phrase):
        # Ranked like its words together; only the documents where they stand side by side count.
        # (Whoosh's phrase matcher gives other scores; which of the phrase matches comes first is ours.)
        words = score_all(searcher, Q.And([Q.Term(query.fieldname, word) for word in query.words]))
        exact = set(searcher.docs_for_query(query)) if words else set()
        return {d: s for d, s in words.items() if d in exact}
    if isinstance(query, Q.Or) and not any(isinstance(q, Q.Not) for q in query.subqueries):
        total: dict[int, float] = {}
        for q in query.subqueries:
            for docnum, score in score_all(searcher, q).items():
                total[docnum] = total.get(docnum, 0.0) + score
        return total
    raise Unsupported(query)


def _term_scores(searcher, term: Q.Term) -> dict[int, float]:
    schema = searcher.schema
    if term.fieldname not in schema:
        return {}
    field = schema[term.fieldname]
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return {}
    postings = term_postings(searcher, term.fieldname, text)
    if not postings:
        return {}
    boost = term.boost
    if not field.scorable:  # Whoosh's WeightScorer: the posting weight
        return {d: w * boost for d, w in postings.items()} if boost != 1.0 else dict(postings)
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise Unsupported(weighting)
    k1, b = weighting.K1, weighting._field_B.get(term.fieldname, weighting.B)
    idf = weighting.idf(searcher, term.fieldname, text)
    avgfl = searcher.avg_field_length(term.fieldname) or 1
    lengths = field_lengths(searcher, term.fieldname)
    k1_plus = k1 + 1
    norm = k1 * (1 - b)
    per_length = k1 * b / avgfl
    return {d: boost * idf * (w * k1_plus) / (w + norm + per_length * lengths[d]) for d, w in postings.items()}


def top(scores: dict[int, float], limit: int, sort_values: list | None = None) -> list[tuple[int, float]]:
    """The best `limit` (docnum, score) pairs, ties to the lower docnum as in Whoosh; with `sort_values`
    (a column by docnum) the newest first instead."""
    if sort_values is not None:
        return heapq.nsmallest(limit, scores.items(), key=lambda item: (_neg(sort_values[item[0]]), item[0]))
    return heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))


def _neg(value):
    return -value if isinstance(value, (int, float)) else 0


def positive_terms(query: Q.Query, fieldname: str) -> set[str]:
    """The words a result was found by (for highlighting): terms outside NOT."""
    if isinstance(query, Q.Term):
        return {query.text} if query.fieldname == fieldname else set()
    if isinstance(query, Q.AndNot):
        return positive_terms(query.a, fieldname)
    if isinstance(query, Q.Not):
        return set()
    found: set[str] = set()
    for sub in getattr(query, "subqueries", ()):
        found |= positive_terms(sub, fieldname)
    return found
