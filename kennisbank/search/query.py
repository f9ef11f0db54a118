"""User query syntax, parsed and escaped in one place.

Supported: words (all must match), "quoted phrases", OF/OR between words, -word or NIET word to
exclude, and field filters: thema:energietransitie, type:les, gemeente:"Den Haag", soort:mislukking,
status:gestart, jaar:2021. Anything else is read as plain words; nothing a user types raises an error.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as Q

from ..ground import municipalities
from ..ground.errors import DomainError
from .analysis import dutch_analyzer
from .dutch import compound_parts
from .postings import MostWords
from .vocabulary import EMPTY, MAX_EXPANSION, Vocabulary

MAX_LENGTH = 500
# More words than this add nothing a reader can use and cost time in every part of a search (a pasted
# list of 200 words OR'ed): the rest is dropped, and the notice says so.
MAX_WORDS = 32
TYPE_WORDS = {"project": "project", "projecten": "project", "les": "lesson", "lessen": "lesson",
              "netwerk": "network", "netwerken": "network", "thema": "theme", "themas": "theme",
              "thema's": "theme", "persoon": "person", "mensen": "person", "mens": "person"}
FILTER_FIELDS = {"thema": "theme", "type": "kind", "gemeente": "municipality", "soort": "lesson_kind",
                 "status": "status", "jaar": "year"}
OR_WORDS, NOT_WORDS, AND_WORDS = {"OF", "OR"}, {"NIET", "NOT"}, {"EN", "AND"}
TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[a-zA-Z]+):)?(?:"(?P<phrase>[^"]*)("|$)|(?P<word>[^\s"]+))')
_analyzer = dutch_analyzer()


@dataclass
class ParsedQuery:
    query: Q.Query | None
    words: list[str] = field(default_factory=list)      # the plain words, for "Bedoelde u …?"
    filters: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)   # synonyms added from the vocabulary, as written
    narrower: list[str] = field(default_factory=list)   # narrower concepts added from the vocabulary
    broader: list[str] = field(default_factory=list)    # broader concepts, for when nothing is found
    any_words: Q.Query | None = None   # the same words, any of them: for when all together find nothing

    @property
    def is_empty(self) -> bool:
        return self.query is None


def clean(text: str) -> tuple[str, list[str]]:
    """Drop control characters, fold exotic spaces, cap the length; say what was changed."""
    notices = []
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if ch.isspace() else "" if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") else ch
                   for ch in text)
    text = text.strip()
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH].rsplit(" ", 1)[0]
        notices.append(f"Uw zoekvraag was erg lang; we zochten op de eerste {MAX_LENGTH} tekens.")
    if text.count('"') % 2:
        notices.append("Er ontbrak een afsluitend aanhalingsteken; we zochten op de woorden als zinsdeel.")
    return text, notices


def _terms(text: str) -> list[str]:
    return [token.text for token in _analyzer(text)]


# A compound typed in a query also finds texts that use its parts apart ("leveranciersafhankelijkheid":
# "afhankelijkheid van leveranciers"), as documents are indexed with their compounds' parts; the whole word
# weighs more, so texts with the compound itself come first.
PART_BOOST = 0.4


def _word_query(term: str) -> Q.Query:
    whole = Q.Term("text", term)
    parts = compound_parts(term)
    if not parts:
        return whole
    return Q.Or([whole, Q.And([Q.Term("text", part, boost=PART_BOOST) for part in parts])])


def _hyphenated_query(word: str) -> Q.Query | None:
    """'e-depot', 'Mijn-omgeving', 'slimme-stad': the word written together ('edepot', as documents are also
    indexed), or else all its parts apart, whole word first. Only the whole word when a part would be
    lost (a stop word or a single letter: 'Mijn-omgeving' must not find every 'omgeving')."""
    pieces = [piece for piece in re.split(r"-+", word) if piece]
    whole = text_query(_terms("".join(pieces)))
    parts = _terms(" ".join(pieces))
    if whole is None or len(parts) < len(pieces):
        return whole
    return Q.Or([whole, text_query(parts).with_boost(PART_BOOST)])


def text_query(terms: list[str], phrase: bool = False) -> Q.Query | None:
    """Match analysed terms in the text field (title, summary, body and compound parts, weighted)."""
    if not terms:
        return None
    if phrase and len(terms) > 1:
        return Q.Phrase("text", terms)
    per_term = [_word_query(term) for term in terms]
    return per_term[0] if len(per_term) == 1 else Q.And(per_term)


def filter_query(name: str, value: str) -> Q.Query:
    """:raises DomainError: an unknown type or municipality, with a Dutch message."""
    target = FILTER_FIELDS[name]
    value = value.strip()
    if target == "kind":
        kind = TYPE_WORDS.get(value.lower())
        if kind is None:
            raise DomainError(f"'{value}' is geen soort resultaat. Kies uit project, les, netwerk, thema of persoon.")
        return Q.Term("kind", kind)
    if target == "municipality":
        return Q.Term("municipality", municipalities.resolve(value).code)
    if target == "year":
        if not value.isdigit():
            raise DomainError(f"'{value}' is geen jaartal.")
        return Q.Term("year", int(value))
    if target == "theme":
        return Q.Term("theme", re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-"))
    return Q.Term(target, value.lower())


# The words people use for a kind of lesson also find the lessons of that kind ("mislukt" the failures,
# not only texts that happen to say "mislukt"). Expanded in the query, so documents and the voortoets stay
# as they are.
KIND_WORDS = {**dict.fromkeys(("mislukt", "mislukking", "mislukkingen", "mislukte", "fout", "fouten", "misgegaan",
                               "faalervaring", "faalervaringen"), "mislukking"),
              **dict.fromkeys(("verbeterpunt", "verbeterpunten", "verbetering"), "verbeterpunt"),
              **dict.fromkeys(("succes", "successen", "geslaagd", "gelukt"), "succes"),
              **dict.fromkeys(("inzicht", "inzichten"), "inzicht")}
WHAT_WENT_WRONG = re.compile(r"\bwat\s+(?:er\s+)?(?:ging|gaat|is)\s+(?:er\s+)?mis(?:gegaan)?\b", re.IGNORECASE)


def _with_kind(word: str, clause: Q.Query | None) -> Q.Query | None:
    kind = KIND_WORDS.get(word.lower())
    if kind is None:
        return clause
    by_kind = Q.Term("lesson_kind", kind)
    return by_kind if clause is None else Q.Or([clause, by_kind])


# A synonym counts for less than the word typed, so texts using the user's own word come first; a
# narrower concept ("ransomware" for "cyberaanval") less again: it is about a part of what was asked.
SYNONYM_BOOST = 0.6
NARROWER_BOOST = 0.4


def _synonym(words: tuple[str, ...], boost: float = SYNONYM_BOOST) -> Q.Query:
    if len(words) == 1:
        return Q.Term("text", words[0], boost=boost)
    return Q.Phrase("text", list(words), boost=boost)


def _expand(groups: list[list[Q.Query]], plain: list[tuple[int, tuple[str, ...]]], vocabulary: Vocabulary,
            parsed: ParsedQuery) -> None:
    """Widen runs of plain query words that are a vocabulary term with the term's synonyms."""
    runs: list[list[tuple[int, tuple[str, ...]]]] = []
    for index, words in plain:
        if len(groups[index]) != 1:  # joined by OF with the next word: the user chose the alternatives
            continue
        if runs and runs[-1][-1][0] == index - 1:
            runs[-1].append((index, words))
        else:
            runs.append([(index, words)])
    budget = MAX_EXPANSION
    for run in runs:
        found = vocabulary.expand_words([words for _, words in run], budget)
        for start, (length, expansion) in found.items():
            indexes = [index for index, _ in run[start:start + length]]
            own = [groups[index][0] for index in indexes]
            typed = own[0] if len(own) == 1 else Q.And(own)
            groups[indexes[0]] = [Q.Or([typed, *(_synonym(words) for words in expansion.keys),
                                        *(_synonym(words, NARROWER_BOOST) for words in expansion.narrower_keys)])]
            for index in indexes[1:]:
                groups[index] = []
            parsed.expanded += [term for term in expansion.added if term not in parsed.expanded]
            parsed.narrower += [term for term in expansion.narrower if term not in parsed.narrower]
            parsed.broader += [term for term in expansion.broader if term not in parsed.broader]
            budget -= len(expansion.added) + len(expansion.narrower_keys)


def parse(text: str, vocabulary: Vocabulary = EMPTY) -> ParsedQuery:
    """Parse a user's query into a Whoosh query; never raises."""
    text, notices = clean(text)
    text = WHAT_WENT_WRONG.sub("mislukt", text)
    parsed = ParsedQuery(query=None, notices=notices)
    groups: list[list[Q.Query]] = [[]]   # AND of OR-groups
    excluded: list[Q.Query] = []
    negate_next = join_next = False
    used = 0
    plain: list[tuple[int, tuple[str, ...]]] = []  # (group, analysed words) of each word typed as such
    filter_groups: set[int] = set()  # thema:, type: …: always required, also when fewer words need to match
    for match in TOKEN.finditer(text):
        word, phrase, name = match.group("word"), match.group("phrase"), match.group("field")
        if used == MAX_WORDS:
            parsed.notices.append(f"Uw zoekvraag had meer dan {MAX_WORDS} woorden; we zochten op de eerste {MAX_WORDS}.")
            break
        negative = bool(match.group("neg")) or negate_next
        negate_next = False
        if word and word.upper() in OR_WORDS and not name:
            join_next = bool(groups[-1]) or join_next
            continue
        if word and word.upper() in NOT_WORDS and not name:
            negate_next = True
            continue
        if word and word.upper() in AND_WORDS and not name:
            continue
        if name and name.lower() in FILTER_FIELDS:
            try:
                clause = filter_query(name.lower(), phrase if phrase is not None else (word or ""))
            except DomainError as error:
                parsed.notices.append(f"{error.message} Dit filter is overgeslagen.")
                continue
            parsed.filters[name.lower()] = phrase if phrase is not None else word
        else:
            raw = phrase if phrase is not None else (f"{name}:{word}" if name else word) or ""
            terms = _terms(raw)
            clause = (_hyphenated_query(raw) if phrase is None and "-" in raw.strip("-")
                      else text_query(terms, phrase=phrase is not None))
            if word and not name:
                clause = _with_kind(word, clause)
            if clause is not None and not negative and phrase is None:
                parsed.words.extend(re.findall(r"\w+", raw.lower()))
        if clause is None:
            continue
        used += 1
        if negative:
            excluded.append(clause)
        elif join_next and groups[-1]:
            groups[-1].append(clause)
        else:
            groups.append([clause])
            if word and not name:
                plain.append((len(groups) - 1, tuple(terms)))
            if name and name.lower() in FILTER_FIELDS:
                filter_groups.add(len(groups) - 1)
        join_next = False
    if negate_next or join_next:
        parsed.notices.append("Een losse OF, NIET of min-teken aan het eind is genegeerd.")
    _expand(groups, plain, vocabulary, parsed)
    as_clause = {i: group[0] if len(group) == 1 else Q.Or(group) for i, group in enumerate(groups) if group}
    clauses = list(as_clause.values())
    if not clauses:
        if excluded:
            parsed.notices.append("Alleen uitsluiten kan niet: geef ook een woord om op te zoeken.")
        return parsed
    positive = clauses[0] if len(clauses) == 1 else Q.And(clauses)
    parsed.query = Q.AndNot(positive, Q.Or(excluded)) if excluded else positive
    words = [clause for i, clause in as_clause.items() if i not in filter_groups]
    if len(words) > 1:
        some = Q.And([MostWords(words), *(as_clause[i] for i in sorted(filter_groups) if i in as_clause)])
        some = some.subqueries[0] if len(some.subqueries) == 1 else some
        parsed.any_words = Q.AndNot(some, Q.Or(excluded)) if excluded else some
    return parsed
