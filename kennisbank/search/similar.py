"""More-like-this over the index: the earlier work most similar to a description.

The description is analysed like the documents; its most distinctive terms (tf·idf against the index,
very common words left out) form a weighted OR query, with the chosen themes and municipality as extra
boosts. Drafts and the project itself are never suggested.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q

from . import postings
from .analysis import dutch_analyzer
from .dutch import compound_parts, is_word, lemma
from .engine import MAX_CORRECTED, corrections, draft_docnums, searchers
from .vocabulary import EMPTY, Vocabulary

MAX_TERMS = 12
TOO_COMMON = 0.25  # a term in more than a quarter of all documents says little about similarity …
COMMON_FLOOR = 10  # … once there are enough documents for a quarter to mean something
THEME_BOOST = 1.5
MUNICIPALITY_BOOST = 0.5
SYNONYM_SHARE = 0.5
NARROWER_SHARE = 0.3  # a narrower concept ("vroegsignalering" for "schuldhulpverlening") is about a part of it
PART_SHARE = 0.4


@dataclass
class Similar:
    kind: str
    item_id: int
    score: float


@dataclass(frozen=True)
class Related:
    """A vocabulary word the description searched on without using it, and the description's own word it
    stands for (for the "why": "AVG → persoonsgegevens")."""
    words: tuple[str, ...]  # analysed, as the index holds them
    typed: str              # the description's word or words, as typed


# Words that say what someone wants, not what it is about: never a reason two texts are alike, also where
# the index is too small to know they are common.
FILLER = frozenset(lemma(word) for word in (
    "zodat willen wil wilt wilde via zien ziet nieuw nieuwe goed goede graag gaan gaat komen komt maken maakt "
    "doen doet kunnen moeten beter meer veel vaak samen eigen andere ander manier mogelijk welke waarom "
    "zorgen zorgt proberen kijken krijgen krijgt").split())


def as_typed(text: str) -> dict[str, str]:
    """Each analysed word of `text` -> the word as the user typed it (first occurrence; lowercased unless
    it is an abbreviation such as AVG)."""
    typed: dict[str, str] = {}
    for token in dutch_analyzer()(text, chars=True):
        word = text[token.startchar:token.endchar]
        typed.setdefault(token.text, word if word.isupper() else word.lower())
    return typed


def _document_counts(reader) -> tuple[int, float]:
    """The number of documents, and the most documents a term may be in and still say something."""
    total = max(1, reader.doc_count())
    return total, max(TOO_COMMON * total, COMMON_FLOOR)


def _corrected(counts: Counter, reader) -> Counter:
    """Words no document contains, replaced by the closest word the index knows, as search's "Bedoelde u"
    does ('zaaksyteem' -> 'zaaksysteem'): a typo would otherwise drop the description's key word."""
    fixed, tried = Counter(), 0
    for term, tf in counts.items():
        if (tried < MAX_CORRECTED and len(term) >= 5 and term.isalpha() and not reader.doc_frequency("text", term)
                and not is_word(term)):  # a real word nobody used yet is no typo
            tried += 1
            options = corrections(reader, term, maxdist=1 if len(term) < 7 else 2)
            if options:
                fixed[options[0]] += tf
                continue
        fixed[term] += tf
    return fixed


def key_terms(text: str, reader) -> list[tuple[str, float]]:
    """The description's terms weighted by tf·idf, most distinctive first (typos corrected)."""
    counts = _corrected(Counter(token.text for token in dutch_analyzer()(text)
                                if len(token.text) > 2 and token.text not in FILLER), reader)
    # The parts of the description's compounds count too, for less ("betalingsachterstanden" is
    # about "achterstanden"), as documents carry their compounds' parts.
    parts = Counter()
    for term, tf in counts.items():
        for part in compound_parts(term):
            if part not in counts and part not in FILLER:
                parts[part] += tf
    total, common = _document_counts(reader)
    weighted = {}
    for source, share in ((counts, 1.0), (parts, PART_SHARE)):
        for term, tf in source.items():
            df = reader.doc_frequency("text", term)
            if 0 < df <= common:
                weighted[term] = max(weighted.get(term, 0.0), share * (1 + math.log(tf)) * math.log(1 + total / df))
    return sorted(weighted.items(), key=lambda tw: -tw[1])[:MAX_TERMS]


def synonym_terms(text: str, vocabulary: Vocabulary, reader) -> list[tuple[Q.Query, Related]]:
    """The other words of the vocabulary groups the description uses, each weighted like a key term at
    SYNONYM_SHARE: a text that says "persoonsgegevens" is similar to a description that says "AVG", less
    than one that says "AVG" itself; their narrower concepts at NARROWER_SHARE."""
    if not len(vocabulary):
        return []
    tokens = [token.text for token in dutch_analyzer()(text)]
    typed = as_typed(text)
    total, common = _document_counts(reader)
    queries = []
    for start, (length, expansion) in vocabulary.expand_words([(token,) for token in tokens]).items():
        own = " ".join(typed.get(token, token) for token in tokens[start:start + length])
        for words, share in [(words, SYNONYM_SHARE) for words in expansion.keys] + [
                (words, NARROWER_SHARE) for words in expansion.narrower_keys]:
            dfs = [reader.doc_frequency("text", word) for word in words]
            if not all(dfs) or max(dfs) > common:
                continue
            weight = share * math.log(1 + total / max(dfs))
            queries.append((Q.Term("text", words[0], boost=weight) if len(words) == 1
                            else Q.Phrase("text", list(words), boost=weight), Related(words, own)))
    return queries


def find_similar(text: str, *, themes: list[str], municipality: str | None, kinds: tuple[str, ...],
                 exclude_keys: set[str], limit: int,
                 vocabulary: Vocabulary = EMPTY) -> tuple[list[Similar], list[str], list[Related]]:
    """The most similar documents, the description's key terms and the vocabulary words searched on
    (both for the "why").

    :raises SearchUnavailable: the index could not be read, also not on a freshly opened searcher."""
    return searchers().run(lambda searcher: _find_similar(searcher, text, themes=themes, municipality=municipality,
                                                          kinds=kinds, exclude_keys=exclude_keys, limit=limit,
                                                          vocabulary=vocabulary))


def _find_similar(searcher, text: str, *, themes: list[str], municipality: str | None, kinds: tuple[str, ...],
                  exclude_keys: set[str], limit: int,
                  vocabulary: Vocabulary) -> tuple[list[Similar], list[str], list[Related]]:
    terms = key_terms(text, searcher.reader())
    synonyms = synonym_terms(text, vocabulary, searcher.reader())
    if not terms and not synonyms:
        return [], [], []
    should = [Q.Term("text", term, boost=weight) for term, weight in terms] + [query for query, _ in synonyms]
    should += [Q.Term("theme", slug, boost=THEME_BOOST) for slug in themes]
    if municipality:
        should.append(Q.Term("municipality", municipality, boost=MUNICIPALITY_BOOST))
    query = Q.And([Q.Or(should), Q.Or([Q.Term("kind", kind) for kind in kinds])])
    excluded = [docnum for key in exclude_keys for docnum in searcher.docs_for_query(Q.Term("key", key))]
    hidden = np.union1d(draft_docnums(searcher), np.array(excluded, dtype=np.int64))
    scores = postings.visible_scores(searcher, query, hidden)  # the scores searcher.search gives, faster
    found = []
    for docnum, score in postings.top(scores, limit):
        stored = searcher.stored_fields(docnum)
        found.append(Similar(stored["kind"], stored["item_id"], score))
    return found, [term for term, _ in terms], [related for _, related in synonyms]
