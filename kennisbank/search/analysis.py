"""Whoosh analyzers built on kennisbank.search.dutch."""
from __future__ import annotations

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language

from .dutch import compound_parts, lemma

# Words and numbers; hyphens and apostrophes separate ("slimme-stad", "'s-Hertogenbosch").
TOKEN_PATTERN = r"\w+"
STOPWORDS = frozenset(stopwords_for_language("nl"))


class LemmaFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = lemma(token.text)
            yield token


class CompoundPartsFilter(Filter):
    """Replace each compound by its parts (at the same position); drop words that are not compounds."""

    def __call__(self, tokens):
        for token in tokens:
            for part in compound_parts(token.text):
                token.text = part
                yield token


def _words():
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | StopFilter(stoplist=STOPWORDS, minsize=2)


def dutch_analyzer():
    return _words() | LemmaFilter()


def compound_parts_analyzer():
    return _words() | CompoundPartsFilter()
