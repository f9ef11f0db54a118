"""Government vocabulary: groups of words that mean the same (AVG, privacy, persoonsgegevens), applied
at query time so that a search and the voortoets find a text whichever of the words it uses.

A group is matched on analysed words (the lemmas the index holds), so "persoonsgegeven" matches the
group of "persoonsgegevens" and "Wet open overheid" matches in any capitalisation. A group may name
broader concepts (ransomware is a kind of cyberaanval): a broad word also finds the narrower groups, and a
narrow word that finds nothing can be searched as its broader one. The rules every group must meet live
here, for files under content/synoniemen and for edits in the app alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import dutch_analyzer

# One word expanded to more words than this makes a search slow and its results vague.
MAX_TERMS = 12
MAX_TERM_WORDS = 6
MAX_TERM_LENGTH = 80
MAX_SOURCE_LENGTH = 300
# All expansions of one query together; the rest of the query still counts, without its synonyms.
MAX_EXPANSION = 24
# A group names at most this many broader concepts ("ransomware" is a kind of "cyberaanval").
MAX_BROADER = 3

ENTRY_LINE = re.compile(r"^\s*[-*]\s+(?P<entry>.*)$")
SOURCE_MARK = re.compile(r"\|\s*bron\s*:", re.IGNORECASE)
BROADER_MARK = re.compile(r"\|\s*breder\s*:", re.IGNORECASE)
_analyzer = dutch_analyzer()


class VocabularyError(ValueError):
    """A group breaks a rule; the message is Dutch and names the place (file and line, or the group).
    `field` says which part of the group: its terms or its broader concepts."""

    def __init__(self, message: str, field: str = "terms"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Group:
    terms: tuple[str, ...]     # as written, the first is the group's name
    source: str
    place: str = ""            # "overheid.md, regel 12" or "" for a group edited in the app
    broader: tuple[str, ...] = ()  # broader concepts, as written: a term of another group or a plain word


def key(term: str) -> tuple[str, ...]:
    """A term as the index sees it: its analysed words (stop words out, lemmas)."""
    return tuple(token.text for token in _analyzer(term))


def split_terms(text: str) -> list[str]:
    """'AVG; privacy;GDPR' -> ['AVG', 'privacy', 'GDPR'] (empty pieces kept, so they can be refused)."""
    return [" ".join(piece.split()) for piece in text.split(";")]


def _check_term(term: str, prefix: str, field: str = "terms") -> tuple[str, ...]:
    """A term's analysed words. :raises VocabularyError: too long or only stop words."""
    if len(term) > MAX_TERM_LENGTH or len(term.split()) > MAX_TERM_WORDS:
        raise VocabularyError(f"{prefix}'{term[:40]}…' is te lang; een term heeft hoogstens "
                              f"{MAX_TERM_WORDS} woorden en {MAX_TERM_LENGTH} tekens.", field)
    analysed = key(term)
    if not analysed:
        raise VocabularyError(f"{prefix}'{term}' bestaat alleen uit stopwoorden en kan niet gezocht worden.", field)
    return analysed


def check_group(terms: list[str], source: str, where: str, broader: list[str] = ()) -> Group:
    """One group on its own: enough terms, none empty, too long, repeated or made of stop words only; at
    most MAX_BROADER broader concepts, none of them a term of the group itself.

    :raises VocabularyError: with `where` in front of the message."""
    prefix = f"{where}: " if where else ""
    if any(not term for term in terms):
        raise VocabularyError(f"{prefix}er staat een lege term tussen de puntkomma's.")
    if len(terms) < 2:
        raise VocabularyError(f"{prefix}een groep heeft minstens twee woorden nodig die hetzelfde betekenen, "
                              "gescheiden door een puntkomma.")
    if len(terms) > MAX_TERMS:
        raise VocabularyError(f"{prefix}{len(terms)} termen; een groep mag er hoogstens {MAX_TERMS} hebben, anders "
                              "wordt één zoekwoord tot te veel woorden uitgebreid. Splits de groep.")
    seen: dict[tuple[str, ...], str] = {}
    for term in terms:
        analysed = _check_term(term, prefix)
        if analysed in seen:
            raise VocabularyError(f"{prefix}'{term}' staat al in deze groep (als '{seen[analysed]}').")
        seen[analysed] = term
    broader = list(broader)
    if any(not term for term in broader):
        raise VocabularyError(f"{prefix}er staat een leeg breder begrip tussen de puntkomma's.", "broader")
    if len(broader) > MAX_BROADER:
        raise VocabularyError(f"{prefix}{len(broader)} bredere begrippen; een groep mag er hoogstens {MAX_BROADER} "
                              "hebben.", "broader")
    wider: set[tuple[str, ...]] = set()
    for term in broader:
        analysed = _check_term(term, prefix, "broader")
        if analysed in seen:
            raise VocabularyError(f"{prefix}'{term}' staat in de groep zelf; een begrip kan niet breder zijn dan "
                                  "zichzelf.", "broader")
        if analysed in wider:
            raise VocabularyError(f"{prefix}het bredere begrip '{term}' staat er twee keer.", "broader")
        wider.add(analysed)
    source = " ".join(source.split())
    if not source:
        raise VocabularyError(f"{prefix}de bron ontbreekt: noem de wet, de standaard of de pagina waar de "
                              "woorden vandaan komen.", "source")
    if len(source) > MAX_SOURCE_LENGTH:
        raise VocabularyError(f"{prefix}de bron is langer dan {MAX_SOURCE_LENGTH} tekens.", "source")
    return Group(tuple(terms), source, where, tuple(broader))


def parse_file(text: str, name: str) -> list[Group]:
    """The groups in a content file: list items '- term; term; term | bron: source', optionally with
    '| breder: term; term' before the source, after the front matter; every other line is explanation
    for people and is skipped.

    :raises VocabularyError: naming the file and line."""
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((i + 1 for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if start is None:
            raise VocabularyError(f"{name}: de front matter wordt niet afgesloten met '---'.")
    groups = []
    for number, line in enumerate(lines[start:], start + 1):
        match = ENTRY_LINE.match(line)
        if not match:
            continue
        where = f"{name}, regel {number}"
        parts = SOURCE_MARK.split(match.group("entry"), maxsplit=1)
        if len(parts) != 2:
            raise VocabularyError(f"{where}: de bron ontbreekt; schrijf '| bron: …' achter de woorden.")
        if BROADER_MARK.search(parts[1]):
            raise VocabularyError(f"{where}: zet '| breder: …' vóór '| bron: …'.")
        words, *broader = BROADER_MARK.split(parts[0])
        if len(broader) > 1:
            raise VocabularyError(f"{where}: '| breder:' staat er twee keer; zet alle bredere begrippen achter één "
                                  "'| breder:', gescheiden door een puntkomma.")
        groups.append(check_group(split_terms(words), parts[1], where,
                                  split_terms(broader[0]) if broader else []))
    return groups


@dataclass
class Expansion:
    added: list[str]            # the group's other terms, as written in the vocabulary
    keys: list[tuple[str, ...]] = field(default_factory=list)  # their analysed words, to search on
    # The groups that name this one as their broader concept ("cyberaanval": ransomware, phishing), each
    # as its name and its terms' analysed words: a search on the broad word also finds the narrow ones.
    narrower_groups: list[tuple[str, list[tuple[str, ...]]]] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)  # the group's broader concepts, as written

    @property
    def narrower(self) -> list[str]:
        return [name for name, _ in self.narrower_groups]

    @property
    def narrower_keys(self) -> list[tuple[str, ...]]:
        return [words for _, keys in self.narrower_groups for words in keys]

    def cut(self, keep: int) -> int:
        """Keep at most `keep` added terms, synonyms first, then the narrower groups in order that fit
        whole; returns how many terms are left."""
        self.added, self.keys = self.added[:keep], self.keys[:keep]
        left = keep - len(self.added)
        kept = []
        for name, keys in self.narrower_groups:
            if len(keys) > left:
                continue
            kept.append((name, keys))
            left -= len(keys)
        self.narrower_groups = kept
        return keep - left


class Vocabulary:
    """All groups, checked against each other, and looked up by analysed words."""

    def __init__(self, groups: list[Group] = ()):
        self.groups: list[Group] = []
        self._keys: list[list[tuple[str, ...]]] = []  # per group, each term's analysed words
        self._broader_keys: list[list[tuple[str, ...]]] = []  # per group, each broader concept's
        self._by_key: dict[tuple[str, ...], tuple[int, str]] = {}
        self._narrower: dict[int, list[int]] | None = None  # built on first use after a change
        self.longest = 0
        for group in groups:
            self.add(group)

    def add(self, group: Group) -> None:
        """Take `group` in; one at a time, so a list of groups is checked in one pass.

        :raises VocabularyError: a term of it is already in a group (then nothing of it is added)."""
        number = len(self.groups)
        keys = [key(term) for term in group.terms]
        taken: dict[tuple[str, ...], tuple[int, str]] = {}
        for term, analysed in zip(group.terms, keys):
            if analysed in taken:
                # Two spellings of one word in one group ('digitalisering; digitaliseren' stored before the
                # analysis learned they are one word): harmless, the first stands for both. New input
                # is refused by check_group.
                continue
            if analysed in self._by_key:
                other = self.groups[self._by_key[analysed][0]]
                where = f"{group.place}: " if group.place else ""
                raise VocabularyError(
                    f"{where}'{term}' staat ook in "
                    f"{other.place or _name(other)}. Eén woord in twee groepen zou die groepen aan elkaar "
                    "koppelen (een kring); voeg ze samen of haal het woord uit één groep weg.")
            taken[analysed] = (number, term)
        broader_keys = [key(term) for term in group.broader]
        self._refuse_cycle(group, number, broader_keys, taken)
        self.groups.append(group)
        self._keys.append(keys)
        self._broader_keys.append(broader_keys)
        self._by_key.update(taken)
        self._narrower = None
        self.longest = max(self.longest, *(len(analysed) for analysed in keys))

    def _refuse_cycle(self, group: Group, number: int, broader_keys: list[tuple[str, ...]],
                      taken: dict[tuple[str, ...], tuple[int, str]]) -> None:
        """A group may not be broader than itself through others (A broader B, B broader A): a search
        would widen in a circle. Only a cycle through the new group can be new, so walk up from it.

        :raises VocabularyError: naming the chain."""
        def up(at: int) -> list[int]:
            found = []
            for analysed in broader_keys if at == number else self._broader_keys[at]:
                hit = taken.get(analysed) or self._by_key.get(analysed)
                if hit is not None:
                    found.append(hit[0])
            return found

        came_from: dict[int, int] = {}
        todo = [number]
        while todo:
            at = todo.pop()
            for above in up(at):
                if above == number:
                    chain = [group.terms[0]]
                    while at != number:
                        chain.insert(1, self.groups[at].terms[0])
                        at = came_from[at]
                    where = f"{group.place}: " if group.place else ""
                    raise VocabularyError(
                        f"{where}de bredere begrippen maken een kring: {' → '.join(chain + [group.terms[0]])}. "
                        "Een begrip kan niet (via andere) breder zijn dan zichzelf.", "broader")
                if above not in came_from:
                    came_from[above] = at
                    todo.append(above)

    def _narrower_of(self, number: int) -> list[int]:
        if self._narrower is None:
            narrower: dict[int, list[int]] = {}
            for below, broader_keys in enumerate(self._broader_keys):
                for analysed in broader_keys:
                    hit = self._by_key.get(analysed)
                    if hit is not None and below not in narrower.setdefault(hit[0], []):
                        narrower[hit[0]].append(below)
            self._narrower = narrower
        return self._narrower.get(number, [])

    def __len__(self) -> int:
        return len(self.groups)

    def lookup(self, words: tuple[str, ...]) -> Expansion | None:
        """The group a run of analysed words is a term of, with its other terms."""
        found = self._by_key.get(words)
        if found is None:
            return None
        number, term = found
        others = [(t, k) for t, k in zip(self.groups[number].terms, self._keys[number]) if k != words]
        below = [(self.groups[n].terms[0], list(dict.fromkeys(self._keys[n]))) for n in self._narrower_of(number)]
        return Expansion(added=[t for t, _ in others], keys=[k for _, k in others], narrower_groups=below,
                         broader=list(self.groups[number].broader))

    def expand_words(self, words: list[tuple[str, ...]], limit: int = MAX_EXPANSION) -> dict[int, tuple[int, Expansion]]:
        """Runs of consecutive query words that are a term: {first word: (words in the run, expansion)}.

        `words` holds each query word's analysed form (a word may analyse to several, "Mijn-omgeving").
        The longest run wins; at most `limit` terms are added over the whole query."""
        found: dict[int, tuple[int, Expansion]] = {}
        added = 0
        i = 0
        while i < len(words):
            for length in range(min(len(words) - i, self.longest), 0, -1):
                joined = tuple(part for word in words[i:i + length] for part in word)
                expansion = self.lookup(joined) if joined else None
                if expansion is not None and added < limit:
                    added += expansion.cut(limit - added)
                    found[i] = (length, expansion)
                    i += length - 1
                    break
            i += 1
        return found


def _name(group: Group) -> str:
    return f"de groep '{group.terms[0]}'"


EMPTY = Vocabulary([])
