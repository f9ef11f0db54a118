"""Dutch word analysis for the index, chosen by measurement (bench/bench_dutch_analyzer.py, README).

`lemma(word)`: the index term of a word: simplemma's dictionary lemma, with corrections chosen on one
half of the hand-checked lemmas and scored on the other half they never saw (bench/bench_dutch_analyzer.py
prints both):
- simplemma writes separable verbs with an underscore ('aan_bieden'): joined, so that 'aangeboden'
  and 'aanbiedt' meet;
- a regular verb's lemma is written as its present stem when that is a word ('hebben', 'heb' -> 'heb';
  'stromen', 'stroom', 'stroomt' -> 'stroom'; 'lessen', 'les' -> 'les'): simplemma swaps such pairs
  ('les' -> 'lessen' but 'lessen' -> 'les'), so only one spelling for both meets every form. The noun and
  the verb of one stem share the term ('gebruik', 'gebruiken'), which search wants;
- a diminutive is its base word when that is known ('mannetje' -> 'man', 'filmpjes' -> 'film');
- a present participle is its verb ('vernietigend' -> 'vernietigen'), when that verb is known;
- a word simplemma does not know is reduced by stripping an inflection ending when that leaves a known
  word ('gedraaide' -> 'gedraaid' -> 'draaien'), or else by lemmatizing its longest known tail
  ('boomhommels' -> 'boom' + 'hommel').
The terms are internal: people only ever see the words as they or the documents wrote them.

`compound_parts(word)`: the known words a compound is made of ('straatverlichting' -> 'straat',
'verlichting'), for the lower-boosted parts field.
"""
from __future__ import annotations

from functools import lru_cache

import simplemma

VOWELS = "aeiou"
INFLECTIONS = ("e", "s", "en", "de", "te", "ende")
LINKING = ("s", "e", "en")  # tussenklanken: 'aanvalsperiode', 'pannenkoek'
MIN_PART = 4


def _known(word: str) -> bool:
    return simplemma.is_known(word, lang="nl")


@lru_cache(maxsize=200_000)
def _dictionary_lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="nl").replace("_", "").lower()


def regular_stem(infinitive: str) -> str | None:
    """The present stem a regular verb would have: 'zetten' -> 'zet', 'stromen' -> 'stroom'."""
    if not infinitive.endswith("en") or len(infinitive) < 4:
        return None
    stem = infinitive[:-2]
    if len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in VOWELS:
        stem = stem[:-1]
    elif len(stem) >= 3 and stem[-1] not in VOWELS and stem[-2] in "aeou" and stem[-3] not in VOWELS:
        stem = stem[:-1] + stem[-2] + stem[-1]
    if stem.endswith("v"):
        stem = stem[:-1] + "f"
    elif stem.endswith("z"):
        stem = stem[:-1] + "s"
    return stem


def _guarded(word: str) -> str:
    """The dictionary lemma, a regular verb written as its present stem (see the module's docstring)."""
    found = _dictionary_lemma(word)
    stem = regular_stem(found)
    return stem if stem and len(stem) >= 3 and _known(stem) else found


DIMINUTIVES = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je")


def _undiminished(word: str) -> str:
    """'mannetje' -> 'man', 'filmpjes' -> 'film', 'boekje' -> 'boek'; a word without a known base stays."""
    for ending in DIMINUTIVES:
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 2:
            if _known(base):
                return base
            if ending.startswith("e") and len(base) > 2 and base[-1] == base[-2] and _known(base[:-1]):
                return base[:-1]
    return word


def _is_infinitive(word: str) -> bool:
    return word.endswith("en") and _known(word) and _dictionary_lemma(word) == word


def _verb_of_participle(word: str) -> str:
    """A present participle as its verb, when that is a known infinitive: 'vernietigend', 'blijvende' ->
    'vernietigen', 'blijven' ('legende' stays: simplemma reads it as a word of its own). An -ing noun is
    not its verb: the hand-checked lemmas keep them apart, and a term like 'verlicht' for 'verlichting'
    would surface in "Bedoelde u"; the vocabulary joins the pairs that matter ('archivering; archiveren')."""
    if len(word) > 6 and word.endswith(("end", "ende")) and _dictionary_lemma(word).endswith("end"):
        infinitive = word[:-2] if word.endswith("ende") else word[:-1]
        if _is_infinitive(infinitive):
            return infinitive
    return word


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The index term for a lower-case word (a two-letter word too: 'is' -> 'zijn', 'ga' -> 'gaan')."""
    if len(word) < 2 or not word.isalpha():
        return word
    word = _verb_of_participle(_undiminished(word))
    if _known(word):
        return _guarded(word)
    for ending in INFLECTIONS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= MIN_PART and _known(stem):
            return _guarded(stem)
    for split in range(3, len(word) - 3):
        tail = word[split:]
        if _known(tail):
            return word[:split] + _guarded(tail)
    return word


def is_word(term: str) -> bool:
    """A Dutch word (or a compound of two), as opposed to a typo."""
    return _known(term) or bool(compound_parts(term))


def _modifier(first: str) -> str | None:
    """The first part of a compound as a known word, allowing a linking 's', 'e' or 'en'."""
    if _known(first):
        return first
    for link in LINKING:
        core = first[: -len(link)]
        if first.endswith(link) and len(core) >= MIN_PART and _known(core):
            return core
    return None


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The lemmas of the two known words a compound consists of, or () when it is not one.

    Dutch compounds are right-headed, so the longest known head wins ('straat|verlichting'); but a head
    starting with the linking 's' loses to the split just after it ('verkeers|lichten', not
    'verkeer|slichten').
    """
    if len(word) < 2 * MIN_PART or not word.isalpha():
        return ()
    for split in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[split:]
        modifier = _modifier(word[:split])
        if modifier is None or not _known(head):
            continue
        if head.startswith("s") and len(head) > MIN_PART and _known(head[1:]) and _modifier(word[: split + 1]):
            head = head[1:]
        return (lemma(modifier), lemma(head))
    return ()
