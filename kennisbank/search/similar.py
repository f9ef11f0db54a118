"""More-like-this over the index: the earlier work most similar to a description.

The description is analysed like the documents; its most distinctive terms (tf·idf against the index)
form a weighted OR query, with the chosen themes and municipality as extra boosts. Drafts and the
project itself are never suggested.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from whoosh import query as Q

from .analysis import dutch_analyzer
from .engine import searchers

MAX_TERMS = 25
THEME_BOOST = 1.5
MUNICIPALITY_BOOST = 0.5


@dataclass
class Similar:
    kind: str
    item_id: int
    score: float
    matched: list[str]       # the description's terms this item shares, most distinctive first
    same_themes: list[str]   # theme slugs it shares
    same_municipality: bool


def key_terms(text: str, reader) -> list[tuple[str, float]]:
    """The description's terms weighted by tf·idf, most distinctive first."""
    counts = Counter(token.text for token in dutch_analyzer()(text) if len(token.text) > 2)
    total = max(1, reader.doc_count())
    weighted = []
    for term, tf in counts.items():
        df = reader.doc_frequency("text", term)
        if df == 0:
            continue
        weighted.append((term, (1 + math.log(tf)) * math.log(1 + total / df)))
    return sorted(weighted, key=lambda tw: -tw[1])[:MAX_TERMS]


def find_similar(text: str, *, themes: list[str], municipality: str | None, kinds: tuple[str, ...],
                 exclude_keys: set[str], limit: int) -> list[Similar]:
    searcher = searchers().get()
    reader = searcher.reader()
    terms = key_terms(text, reader)
    if not terms and not themes:
        return []
    should = [Q.Term("text", term, boost=weight) for term, weight in terms]
    should += [Q.Term("theme", slug, boost=THEME_BOOST) for slug in themes]
    if municipality:
        should.append(Q.Term("municipality", municipality, boost=MUNICIPALITY_BOOST))
    query = Q.And([Q.Or(should), Q.Or([Q.Term("kind", kind) for kind in kinds])])
    drafts = set(searcher.docs_for_query(Q.Term("draft", True)))
    excluded = {docnum for key in exclude_keys for docnum in searcher.docs_for_query(Q.Term("key", key))}
    results = searcher.search(query, limit=limit, mask=(drafts | excluded) or None, terms=True)
    term_weight = dict(terms)
    found = []
    for hit in results:
        matched = sorted({text.decode() if isinstance(text, bytes) else text
                          for field, text in hit.matched_terms() if field == "text"},
                         key=lambda t: -term_weight.get(t, 0))
        shared = sorted({(text.decode() if isinstance(text, bytes) else text)
                         for field, text in hit.matched_terms() if field == "theme"})
        same_place = any(field == "municipality" for field, _ in hit.matched_terms())
        found.append(Similar(hit["kind"], hit["item_id"], hit.score, matched, shared, same_place))
    return found
