"""Whoosh analyzers built on kennisbank.search.dutch.

The index has one text field. A document's title, summary, body and compound parts go into it as
sections, each token weighted by its section (title 4, summary 2, body 1, compound parts 0.4): one
posting list per query word instead of one per field, which is what makes queries fast at 50,000
documents, while a word in a title still outweighs the same word in a body.
"""
from __future__ import annotations

import re

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Tokenizer
from whoosh.lang import stopwords_for_language

from .dutch import compound_parts, lemma

# Words and numbers; a hyphenated word is one token first ("Mijn-omgeving", "e-depot"), which
# HyphenFilter turns into its joined form plus its parts; apostrophes separate ("'s-Hertogenbosch").
TOKEN_PATTERN = r"\w+(?:-\w+)*"
STOPWORDS = frozenset(stopwords_for_language("nl"))
SECTION = "\x1e"   # never in user text: the query parser drops control characters
SECTION_GAP = 20   # positions between sections, so a phrase never spans a title and a body


def section(text: str, weight: float) -> str:
    """Mark `text` as a section whose tokens carry `weight`."""
    return f"{SECTION}{weight}{SECTION}{text}" if text else ""


class SectionTokenizer(Tokenizer):
    """A RegexTokenizer that also reads section marks and weights each token by its section."""

    def __init__(self):
        self.words = RegexTokenizer(TOKEN_PATTERN)

    def __call__(self, value, positions=False, start_pos=0, **kwargs):
        if SECTION not in value:
            yield from self.words(value, positions=positions, start_pos=start_pos, **kwargs)
            return
        pieces = value.split(SECTION)
        position = start_pos
        for weight, text in zip(pieces[1::2], pieces[2::2]):
            last = position
            for token in self.words(text, positions=True, start_pos=position, **kwargs):
                token.boost = float(weight)
                last = token.pos
                yield token
            position = last + SECTION_GAP


class HyphenFilter(Filter):
    """'Mijn-omgeving' -> 'mijnomgeving', 'mijn', 'omgeving' (at one position).

    The joined form is what a name written together ('MijnOmgeving') also gives, and it survives the stop
    list, so a stop word inside a name never loses the name; the parts still find the words apart."""

    def __call__(self, tokens):
        for token in tokens:
            if "-" not in token.text:
                yield token
                continue
            parts = [part for part in token.text.split("-") if part]
            token.text = "".join(parts)
            yield token
            for part in parts:
                token.text = part
                yield token


class LemmaFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = lemma(token.text)
            yield token


def _words(tokenizer):
    return tokenizer | LowercaseFilter() | HyphenFilter() | StopFilter(stoplist=STOPWORDS, minsize=2)


def dutch_analyzer():
    """For the index and for queries: words to lemmas, section weights kept."""
    return _words(SectionTokenizer()) | LemmaFilter()


_WORD = re.compile(TOKEN_PATTERN)


def compound_parts_text(text: str) -> str:
    """The parts of the compounds in `text`, as words ('straatverlichting' -> 'straat verlichting').

    The same words as `_words` yields (tokens, lowercased, stop words and one-letter words out), without
    Whoosh's token objects: this runs over every document's whole text in a rebuild."""
    words = (part for word in _WORD.findall(text) for part in word.lower().split("-"))
    return " ".join(part for word in words if len(word) >= 2 and word not in STOPWORDS for part in compound_parts(word))
