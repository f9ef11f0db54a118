"""Running a parsed query against the index: visibility, facets, order, highlights, suggestions."""
from __future__ import annotations

from collections import Counter
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from markupsafe import Markup
from whoosh import highlight
from whoosh import query as Q

from . import postings
from .analysis import dutch_analyzer
from .searchers import Searchers, version_key

FACET_FIELDS = ("kind", "theme", "municipality", "lesson_kind", "status", "year")
_FORMATTER = highlight.HtmlFormatter(tagname="mark", between=" … ")


@dataclass
class RawHit:
    kind: str
    item_id: int
    score: float
    highlight: object  # callable(field, text) -> str


@dataclass
class RawResults:
    hits: list[RawHit]
    total: int
    facets: dict[str, Counter] = field(default_factory=dict)


def searchers() -> Searchers:
    app = current_app._get_current_object()
    found = app.extensions.get("kennisbank_searchers")
    if found is None:
        found = app.extensions["kennisbank_searchers"] = Searchers(Path(app.config["INDEX_DIR"]))
    return found


@dataclass(frozen=True)
class Visibility:
    """Who is searching: drafts are hidden except from their own people (administrators see all)."""

    user_id: int | None
    is_admin: bool = False


_draft_cache: dict = {}


def draft_docnums(searcher) -> frozenset[int]:
    """All draft documents, read once per index version."""
    key = version_key(searcher)
    if key not in _draft_cache:
        _draft_cache.clear()
        _draft_cache[key] = frozenset(searcher.docs_for_query(Q.Term("draft", True)))
    return _draft_cache[key]


def _hidden_docnums(searcher, who: Visibility) -> set[int] | None:
    """The documents this user may not see: drafts, minus their own. Drafts are few, so this is a
    small set, computed once per index version (a NOT query over every document would be slow)."""
    if who.is_admin:
        return None
    drafts = draft_docnums(searcher)
    if not drafts or who.user_id is None:
        return set(drafts) or None
    own = set(searcher.docs_for_query(Q.Term("viewers", str(who.user_id))))
    return set(drafts - own) or None


def visibility(user_id: int | None, is_admin: bool) -> Visibility:
    return Visibility(user_id, is_admin)


class _Columns:
    """Facet values per document, read once per index version, so counting is a C-speed pass."""

    def __init__(self):
        self._cache = {}

    def get(self, searcher, name: str) -> list:
        reader = searcher.reader()
        cache_key = (version_key(searcher), name)
        if cache_key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            if name == "theme":
                values = [tuple(raw.decode().split(",")) if raw else () for raw in reader.column_reader("themes_col")]
            elif name == "date":  # raw numbers: comparable, also where a document has no date
                values = list(reader.column_reader("date", translate=False))
            else:
                values = list(reader.column_reader(name))
            self._cache[cache_key] = values
        return self._cache[cache_key]


_columns = _Columns()
_EMPTY = ("", None, b"")


def _count(searcher, docnums, name: str) -> Counter:
    values = _columns.get(searcher, name)
    if name == "theme":
        return Counter(chain.from_iterable(map(values.__getitem__, docnums)))
    counts = Counter(map(values.__getitem__, docnums))
    for empty in _EMPTY:
        counts.pop(empty, None)
    return counts


def run(query: Q.Query, *, who: Visibility, restrict: Q.Query | None = None, page: int, per_page: int,
        by_date: bool, facets: bool = True) -> RawResults:
    """All matching documents with their scores in one pass over decoded postings (the total, the facet
    counts and the page of best ones). Phrases go through Whoosh's own matchers instead.

    :raises SearchUnavailable: the index could not be read, also not on a freshly opened searcher."""
    return searchers().run(lambda searcher: _run(searcher, query, who=who, restrict=restrict, page=page,
                                                 per_page=per_page, by_date=by_date, facets=facets))


def _run(searcher, query: Q.Query, *, who: Visibility, restrict: Q.Query | None, page: int, per_page: int,
         by_date: bool, facets: bool) -> RawResults:
    full = Q.And([query, restrict]) if restrict is not None else query
    hidden = _hidden_docnums(searcher, who)
    try:
        scores = postings.visible_scores(searcher, full, hidden)
    except postings.Unsupported:
        return _run_with_whoosh(searcher, full, hidden, page=page, per_page=per_page, by_date=by_date,
                                facets=facets)
    raw = RawResults(hits=[], total=len(scores))
    if not scores:
        return raw
    dates = _columns.get(searcher, "date") if by_date else None
    ranked = postings.top(scores, page * per_page, dates)[(page - 1) * per_page:]
    highlight_text = _text_highlighter(searcher, postings.positive_terms(full, "text"))
    for docnum, score in ranked:
        stored = searcher.stored_fields(docnum)
        raw.hits.append(RawHit(kind=stored["kind"], item_id=stored["item_id"], score=score,
                               highlight=highlight_text))
    if facets:
        raw.facets = {name: _count(searcher, scores.keys(), name) for name in FACET_FIELDS}
    return raw


def _run_with_whoosh(searcher, full: Q.Query, hidden: set[int] | None, *, page: int, per_page: int,
                     by_date: bool, facets: bool) -> RawResults:
    matching = set(searcher.docs_for_query(full))
    if hidden:
        matching -= hidden
    raw = RawResults(hits=[], total=len(matching))
    if not matching:
        return raw
    results = searcher.search(full, limit=page * per_page, sortedby="date" if by_date else None,
                              reverse=by_date, mask=hidden)
    for hit in results[(page - 1) * per_page: page * per_page]:
        raw.hits.append(RawHit(kind=hit["kind"], item_id=hit["item_id"], score=hit.score,
                               highlight=_highlighter(hit)))
    if facets:
        raw.facets = {name: _count(searcher, matching, name) for name in FACET_FIELDS}
    return raw


def _highlighter(hit):
    def highlight_text(fieldname: str, text: str) -> Markup:
        if not text:
            return Markup("")
        hit.results.formatter = _FORMATTER
        return Markup(hit.highlights(fieldname, text=text, top=2))
    return highlight_text


def _text_highlighter(searcher, terms: set[str]):
    """Mark the query's words (as the analyzer sees them) in a text from the database."""
    analyzer = searcher.schema["text"].analyzer

    def highlight_text(fieldname: str, text: str) -> Markup:
        if not text or not terms:
            return Markup("")
        return Markup(highlight.highlight(text, terms, analyzer, highlight.ContextFragmenter(), _FORMATTER,
                                          top=2))
    return highlight_text


def suggest(words: list[str], who: Visibility) -> str | None:
    """'Bedoelde u …?': replace words the index does not know by the closest known title or body term.
    Known means: in a document this user may see, so a word that occurs only in others' drafts is
    neither accepted nor suggested."""
    return searchers().run(lambda searcher: _suggest(searcher, words, _hidden_docnums(searcher, who)))


def _visible(reader, term: str, hidden: set[int] | None) -> bool:
    if not reader.doc_frequency("text", term):
        return False
    if not hidden:
        return True
    return any(docnum not in hidden for docnum in reader.postings("text", term).all_ids())


def _suggest(searcher, words: list[str], hidden: set[int] | None) -> str | None:
    reader = searcher.reader()
    analyzer = dutch_analyzer()
    changed, out = False, []
    for word in words:
        terms = [t.text for t in analyzer(word)]
        if len(word) >= 4 and terms and not _visible(reader, terms[0], hidden):
            # prefix=1: people rarely mistype the first letter, and it spares a scan of the whole vocabulary.
            options = searcher.corrector("text").suggest(word.lower(), limit=5, maxdist=1 if len(word) < 7 else 2,
                                                         prefix=1)
            option = next((o for o in options if _visible(reader, o, hidden)), None)
            if option:
                out.append(option)
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None
