"""Running a parsed query against the index: visibility, facets, order, highlights, suggestions."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from flask import current_app
from markupsafe import Markup
from whoosh import highlight
from whoosh import query as Q
from whoosh.support.levenshtein import damerau_levenshtein

from . import arrays, postings
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


def draft_docnums(searcher) -> np.ndarray:
    """All draft documents (global docnums, ascending), from the per-segment postings arrays: after a
    commit only the new segment is read."""
    return postings.score_all(searcher, Q.Term("draft", True)).ids


def _hidden_docnums(searcher, who: Visibility) -> np.ndarray | None:
    """The documents this user may not see: drafts, minus their own (a NOT query over every document
    would be slow; drafts are few)."""
    if who.is_admin:
        return None
    drafts = draft_docnums(searcher)
    if not len(drafts):
        return None
    if who.user_id is None:
        return drafts
    own = postings.score_all(searcher, Q.Term("viewers", str(who.user_id))).ids
    hidden = np.setdiff1d(drafts, own, assume_unique=True)
    return hidden if len(hidden) else None


def visibility(user_id: int | None, is_admin: bool) -> Visibility:
    return Visibility(user_id, is_admin)


class _Columns:
    """Facet values as codes per document (see `arrays.Vocabulary`), decoded per segment once and joined
    per index version, so counting the facets of any result set is one `bincount`."""

    def __init__(self):
        self._cache: dict = {}
        self._lock = threading.Lock()

    def get(self, searcher, name: str):
        cache_key = (version_key(searcher), name)
        found = self._cache.get(cache_key)
        if found is None:
            leaves = [(reader, offset) for reader, offset, _ in arrays.segment_readers(searcher)]
            if name == "theme":
                found = _joined_pairs([(arrays.multi_codes(reader, "themes_col"), offset) for reader, offset in leaves])
            elif name == "date":  # raw numbers: comparable, also where a document has no date
                found = _joined([arrays.column_numbers(reader, "date") for reader, _ in leaves], np.int64)
            else:
                found = _joined([arrays.column_codes(reader, name) for reader, _ in leaves], np.int32)
            with self._lock:
                if len(self._cache) > 32:
                    self._cache.clear()
                self._cache[cache_key] = found
        return found


def _joined(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _joined_pairs(parts: list) -> tuple[np.ndarray, np.ndarray]:
    docs = _joined([pair[0].astype(np.int64) + offset for pair, offset in parts], np.int64)
    return docs, _joined([pair[1] for pair, _ in parts], np.int32)


_columns = _Columns()
_EMPTY = ("", None, b"")


def _count(searcher, docnums: np.ndarray, name: str) -> Counter:
    if name == "theme":
        docs, codes = _columns.get(searcher, name)
        chosen = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
        chosen[docnums] = True
        counts = np.bincount(codes[chosen[docs]]) if len(docs) else np.zeros(0, dtype=np.int64)
    else:
        counts = np.bincount(_columns.get(searcher, name)[docnums])
    values = arrays.vocabulary("themes_col" if name == "theme" else name).values
    return Counter({values[code]: int(n) for code, n in enumerate(counts.tolist())
                   if n and values[code] not in _EMPTY})


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
    if not len(scores):
        return raw
    dates = _columns.get(searcher, "date") if by_date else None
    ranked = postings.top(scores, page * per_page, dates)[(page - 1) * per_page:]
    highlight_text = _text_highlighter(searcher, postings.positive_terms(full, "text"))
    for docnum, score in ranked:
        stored = searcher.stored_fields(docnum)
        raw.hits.append(RawHit(kind=stored["kind"], item_id=stored["item_id"], score=score,
                               highlight=highlight_text))
    if facets:
        raw.facets = {name: _count(searcher, scores.ids, name) for name in FACET_FIELDS}
    return raw


def _run_with_whoosh(searcher, full: Q.Query, hidden_ids: np.ndarray | None, *, page: int, per_page: int,
                     by_date: bool, facets: bool) -> RawResults:
    hidden = set(hidden_ids.tolist()) if hidden_ids is not None else None
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
        raw.facets = {name: _count(searcher, np.fromiter(sorted(matching), np.int64, len(matching)), name)
                      for name in FACET_FIELDS}
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
    return searchers().run(lambda searcher: _suggest(searcher, words, _hidden_set(searcher, who)))


def _hidden_set(searcher, who: Visibility) -> set[int] | None:
    hidden = _hidden_docnums(searcher, who)
    return set(hidden.tolist()) if hidden is not None else None


def _visible(reader, term: str, hidden: set[int] | None) -> bool:
    if not reader.doc_frequency("text", term):
        return False
    if not hidden:
        return True
    return any(docnum not in hidden for docnum in reader.postings("text", term).all_ids())


# A word with one of these inside means its opposite ("leveranciersonafhankelijkheid"): never offered
# for the word without it, nor the other way round.
NEGATIONS = ("on", "niet")


def corrections(reader, word: str, maxdist: int) -> list[str]:
    """Known words close to `word`, best first: the fewest edits, then the most documents (Whoosh's own
    corrector ranks by frequency alone, so "warmtnet" became the common "warmte", not "warmtenet").
    Only words with the same first letter: people rarely mistype it, and it spares a scan of the whole
    vocabulary."""
    found = []
    for term in reader.terms_within("text", word, maxdist, prefix=1):
        if term != word and not _negation_of(word, term):
            found.append((damerau_levenshtein(word, term), -reader.doc_frequency("text", term), term))
    return [term for *_, term in sorted(found)]


def _negation_of(word: str, other: str) -> bool:
    """True when one is the other with a negation ("on", "niet") put in somewhere."""
    for longer, shorter in ((word, other), (other, word)):
        for negation in NEGATIONS:
            start = longer.find(negation)
            while start >= 0:
                if longer[:start] + longer[start + len(negation):] == shorter:
                    return True
                start = longer.find(negation, start + 1)
    return False


# Each unknown word costs a walk through the vocabulary; people mistype one or two words, not ten.
MAX_CORRECTED = 6


def _suggest(searcher, words: list[str], hidden: set[int] | None) -> str | None:
    reader = searcher.reader()
    analyzer = dutch_analyzer()
    changed, out, tried = False, [], 0
    for word in words:
        terms = [t.text for t in analyzer(word)]
        if tried < MAX_CORRECTED and len(word) >= 4 and terms and not _visible(reader, terms[0], hidden):
            tried += 1
            options = corrections(reader, word.lower(), maxdist=1 if len(word) < 7 else 2)
            option = next((o for o in options if _visible(reader, o, hidden)), None)
            if option:
                out.append(option)
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


# The linking sounds between the parts of a compound ("leverancier-s-afhankelijkheid", "pannen-koek").
LINKS = ("en", "s", "e", "")  # the linking sound off first: "leveranciers" is shown as "leverancier"
MIN_SPLIT_PART = 4


def split_unknown(words: list[str], who: Visibility) -> dict[str, tuple[str, ...]]:
    """Each word the index does not know, as words it does know: a compound split in two
    ("fraudescorekaart": ("fraude", "scorekaart")), a derived noun as the word it comes from
    ("archivering": ("archiveren",)), or both ("leveranciersafhankelijkheid": ("leverancier",
    "afhankelijk")). The dictionary splits compounds at index time; this also splits those whose parts
    only the index knows (names, jargon)."""
    return searchers().run(lambda searcher: _split_unknown(searcher, words, _hidden_set(searcher, who)))


def _split_unknown(searcher, words: list[str], hidden: set[int] | None) -> dict[str, tuple[str, ...]]:
    reader = searcher.reader()
    analyzer = dutch_analyzer()

    def known(text: str) -> bool:
        terms = [t.text for t in analyzer(text)]
        return len(terms) == 1 and _visible(reader, terms[0], hidden)

    def known_form(text: str) -> str | None:
        return next((form for form in (text, *derived(text)) if known(form)), None)

    splits = {}
    for word in words:
        lowered = word.lower()
        if len(lowered) < MIN_SPLIT_PART or not lowered.isalpha() or known(lowered):
            continue
        whole = known_form(lowered)  # not known as typed: so a form it derives from
        if whole:
            splits[word] = (whole,)
            continue
        for cut in range(MIN_SPLIT_PART, len(lowered) - MIN_SPLIT_PART + 1):
            head = known_form(lowered[cut:])
            modifier = next((lowered[:cut - len(link)] for link in LINKS if lowered[:cut].endswith(link)
                             and cut - len(link) >= MIN_SPLIT_PART and known(lowered[:cut - len(link)])), None)
            if head and modifier:
                splits[word] = (modifier, head)
                break
    return splits


def derived(word: str) -> list[str]:
    """The words a derived noun comes from, for when only those occur: an -heid noun's adjective
    ("afhankelijkheid": "afhankelijk"), an -ing noun's verb ("archivering": "archiveren")."""
    forms = []
    if word.endswith("heid") and len(word) > 7:
        forms.append(word[:-4])
    if word.endswith("ing") and len(word) > 6:
        forms.append(word[:-3] + "en")
    return forms
