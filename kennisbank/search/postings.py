"""Ranking on whole postings arrays with Whoosh's own BM25F formula.

Whoosh matches and scores one document at a time through a tree of Python matcher objects; at 200,000
records a query with a common word costs 100 ms or more that way. Here a term's postings are numpy
arrays decoded once per segment (`arrays.py`), BM25F is computed on a whole array at once, AND is an
intersection of sorted docnums, OR an accumulation, NOT a membership mask, a phrase a check on cached
positions, and the best ones are found by a partial sort. The scores are the ones Whoosh computes (the
same idf, field lengths and boosts; tests compare both), so the order of results does not change.

Term, And, Or, AndNot, Not and Phrase are evaluated here; anything else raises `Unsupported` and the
caller uses Whoosh itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.scoring import BM25F

from . import arrays

# Above this share of the index, OR sums into a dense array (one C pass) instead of sorting the union.
DENSE_OR_SHARE = 1 / 64


class Unsupported(Exception):
    """A query type this module does not evaluate (the caller falls back to Whoosh)."""


@dataclass(frozen=True)
class Hits:
    """Matching live documents: global docnums (ascending) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.ids.tolist(), self.scores.tolist()))


NO_HITS = Hits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def visible_scores(searcher, query: Q.Query, hidden: np.ndarray | None) -> Hits:
    """`score_all` without the documents in `hidden` (other people's drafts, the project itself).

    :raises Unsupported: see `score_all`.
    """
    hits = score_all(searcher, query)
    if hidden is not None and len(hidden) and len(hits):
        keep = ~np.isin(hits.ids, hidden)
        hits = Hits(hits.ids[keep], hits.scores[keep])
    return hits


def score_all(searcher, query: Q.Query) -> Hits:
    """Every matching live document with the BM25F score Whoosh would give it.

    :raises Unsupported: for query types other than Term, And, Or, AndNot, Not, Phrase.
    """
    if isinstance(query, Q.Term):
        return _term_scores(searcher, query)
    if isinstance(query, Q.AndNot):
        return _without(score_all(searcher, query.a), score_all(searcher, query.b))
    if isinstance(query, Q.And):
        positive = [q for q in query.subqueries if not isinstance(q, Q.Not)]
        negative = [q.query for q in query.subqueries if isinstance(q, Q.Not)]
        if not positive:
            raise Unsupported(query)
        found = _intersection(sorted((score_all(searcher, q) for q in positive), key=len))
        for q in negative:
            if not len(found):
                break
            found = _without(found, score_all(searcher, q))
        return found
    if isinstance(query, Q.Phrase):
        # Ranked like its words together; only the documents where they stand side by side count.
        # (Whoosh's phrase matcher gives other scores; which of the phrase matches comes first is ours.)
        words = score_all(searcher, Q.And([Q.Term(query.fieldname, word, boost=query.boost)
                                           for word in query.words]))
        if len(query.words) < 2 or not len(words):
            return words
        keep = _phrase_mask(searcher, query, words.ids)
        return Hits(words.ids[keep], words.scores[keep])
    if isinstance(query, MostWords):
        return _most_words([score_all(searcher, q) for q in query.subqueries], searcher.reader().doc_count_all())
    if isinstance(query, Q.Or) and not any(isinstance(q, Q.Not) for q in query.subqueries):
        return _union([score_all(searcher, q) for q in query.subqueries], searcher.reader().doc_count_all())
    raise Unsupported(query)


class MostWords(Q.Or):
    """Any of the parts, documents matching more parts first, then by score (a query whose words do not
    all occur together: the best documents with a part of them). Whoosh itself reads it as a plain Or."""


def _most_words(parts: list[Hits], doc_count: int) -> Hits:
    summed = _union(parts, doc_count)
    if not len(summed):
        return summed
    matched = _union([Hits(part.ids, np.ones(len(part))) for part in parts], doc_count)
    # Both unions hold the same documents in the same (ascending) order; one more part matched outweighs
    # any difference in score.
    return Hits(summed.ids, summed.scores + matched.scores * (summed.scores.max() + 1))


def _intersection(parts: list[Hits]) -> Hits:
    """Documents in every part (smallest first), their scores summed."""
    ids, scores = parts[0].ids, parts[0].scores
    for part in parts[1:]:
        if not len(ids):
            break
        where = np.searchsorted(part.ids, ids)
        where[where == len(part.ids)] = 0
        found = part.ids[where] == ids if len(part.ids) else np.zeros(len(ids), dtype=bool)
        ids, scores = ids[found], scores[found] + part.scores[where[found]]
    return Hits(ids, scores)


def _union(parts: list[Hits], doc_count: int) -> Hits:
    parts = [part for part in parts if len(part)]
    if not parts:
        return NO_HITS
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([part.ids for part in parts])
    scores = np.concatenate([part.scores for part in parts])
    if len(ids) > doc_count * DENSE_OR_SHARE:
        totals = np.bincount(ids, weights=scores, minlength=doc_count)
        found = np.flatnonzero(np.bincount(ids, minlength=doc_count))
        return Hits(found.astype(np.int64), totals[found])
    found, inverse = np.unique(ids, return_inverse=True)
    return Hits(found, np.bincount(inverse, weights=scores))


def _without(found: Hits, excluded: Hits) -> Hits:
    if not len(found) or not len(excluded):
        return found
    keep = ~np.isin(found.ids, excluded.ids, assume_unique=True)
    return Hits(found.ids[keep], found.scores[keep])


def _term_scores(searcher, term: Q.Term) -> Hits:
    schema = searcher.schema
    if term.fieldname not in schema:
        return NO_HITS
    field = schema[term.fieldname]
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return NO_HITS
    found = []  # (global offset, local docnums, weights, field lengths or None) per segment
    for reader, offset, _ in arrays.segment_readers(searcher):
        local, weights = arrays.term_arrays(reader, term.fieldname, text)
        if not len(local):
            continue
        live = arrays.live_mask(reader)
        if live is not None:
            keep = live[local]
            local, weights = local[keep], weights[keep]
        lengths = arrays.field_lengths(reader, term.fieldname)[local] if field.scorable else None
        found.append((offset, local, weights.astype(np.float64), lengths))
    if not found:
        return NO_HITS
    ids = np.concatenate([local.astype(np.int64) + offset for offset, local, _, _ in found])
    weights = np.concatenate([part[2] for part in found])
    if not field.scorable:  # Whoosh's WeightScorer: the posting weight
        return Hits(ids, weights * term.boost)
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise Unsupported(weighting)
    k1, b = weighting.K1, weighting._field_B.get(term.fieldname, weighting.B)
    idf = weighting.idf(searcher, term.fieldname, text)
    avgfl = searcher.avg_field_length(term.fieldname) or 1
    lengths = np.concatenate([part[3] for part in found])
    return Hits(ids, term.boost * idf * (weights * (k1 + 1)) / (weights + k1 * (1 - b) + (k1 * b / avgfl) * lengths))


def _phrase_mask(searcher, query: Q.Phrase, ids: np.ndarray) -> np.ndarray:
    """True where the phrase's words stand in order, each within `slop` positions of the one before
    (Whoosh's ordered SpanNear), checked on the words' cached positions in each segment."""
    schema = searcher.schema
    field = schema[query.fieldname]
    texts = [field.to_bytes(word) for word in query.words]
    keep = np.zeros(len(ids), dtype=bool)
    for reader, offset, count in arrays.segment_readers(searcher):
        low, high = np.searchsorted(ids, [offset, offset + count])
        if low == high:
            continue
        local = (ids[low:high] - offset).astype(np.int64)
        ends = _keys(arrays.term_positions(reader, query.fieldname, texts[0]), local)
        for text in texts[1:]:
            if not len(ends):
                break
            following = _keys(arrays.term_positions(reader, query.fieldname, text), local)
            ends = np.unique(np.concatenate([np.intersect1d(ends + step, following, assume_unique=True)
                                             for step in range(1, query.slop + 1)]))
        keep[low:high] = np.isin(local, np.unique(ends >> 32))
    return keep


def _keys(positions: arrays.Positions, local: np.ndarray) -> np.ndarray:
    """docnum << 32 | position for every position of the term in the given documents, ascending."""
    where = np.searchsorted(positions.ids, local)
    where[where == len(positions.ids)] = 0
    present = positions.ids[where] == local if len(positions.ids) else np.zeros(len(local), dtype=bool)
    where, docs = where[present], local[present]
    starts = positions.starts[where]
    counts = positions.starts[where + 1] - starts
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    offsets = np.arange(total, dtype=np.int64) + np.repeat(starts - first, counts)
    return (np.repeat(docs, counts) << 32) | positions.positions[offsets].astype(np.int64)


def top(hits: Hits, limit: int, sort_values: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The best `limit` (docnum, score) pairs, ties to the lower docnum as in Whoosh; with `sort_values`
    (a column by global docnum) the highest value (newest) first instead."""
    if limit <= 0 or not len(hits):
        return []
    key = -(sort_values[hits.ids]) if sort_values is not None else -hits.scores
    candidates = np.arange(len(hits))
    if len(hits) > limit:  # only what can reach the top: a partial sort, then a full one of those
        cutoff = np.partition(key, limit - 1)[limit - 1]
        candidates = np.flatnonzero(key <= cutoff)
    order = candidates[np.lexsort((hits.ids[candidates], key[candidates]))][:limit]
    return list(zip(hits.ids[order].tolist(), hits.scores[order].tolist()))


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
