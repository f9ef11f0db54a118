"""Measure Dutch analyzers on hand-checked lemmas (UD Dutch LassySmall, ../shared/data/ud-dutch-lemmas).

For nouns, verbs and adjectives:
- conflation: the share of pairs of different forms of the same lemma that get the same index term;
- collisions: the share of lemmas that share an index term with a different lemma.
Collisions are counted two ways: across all three parts of speech together (strict: 'bedrijf' the noun
and 'bedrijven' the verb are different lemmas), and within each part of speech.

Run: .venv/bin/python bench/bench_dutch_analyzer.py   (needs PyStemmer: pip install PyStemmer)
"""
from __future__ import annotations

import collections
import csv
import itertools
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
FORMS = REPO.parent / "shared" / "data" / "ud-dutch-lemmas" / "forms.tsv"
POS = ("NOUN", "VERB", "ADJ")


def load() -> list[dict]:
    with FORMS.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["upos"] in POS]


def group(rows, pos=None) -> dict[str, set[str]]:
    forms = collections.defaultdict(set)
    for row in rows:
        if pos is None or row["upos"] == pos:
            forms[row["lemma"]].add(row["form"])
    return forms


def measure(by_lemma: dict[str, set[str]], analyse) -> tuple[int, int, int, int]:
    """(same-term pairs, pairs, colliding lemmas, lemmas)"""
    pairs = same = 0
    lemmas_of_term = collections.defaultdict(set)
    for lemma, forms in by_lemma.items():
        terms = {form: analyse(form) for form in forms}
        for term in terms.values():
            lemmas_of_term[term].add(lemma)
        for a, b in itertools.combinations(sorted(forms), 2):
            pairs += 1
            same += terms[a] == terms[b]
    colliding = set().union(*(ls for ls in lemmas_of_term.values() if len(ls) > 1))
    return same, pairs, len(colliding), len(by_lemma)


def analyzers() -> dict:
    import simplemma
    from whoosh.lang.snowball.dutch import DutchStemmer

    from kennisbank.search.dutch import lemma

    found = {"geen analyse (woordvorm)": lambda w: w, "Whoosh nl (oude Snowball)": DutchStemmer().stem}
    try:
        import Stemmer

        snowball = Stemmer.Stemmer("dutch")
        found["Snowball dutch (PyStemmer)"] = snowball.stemWord
    except ImportError:
        snowball = None
    found["simplemma"] = lambda w: simplemma.lemmatize(w, lang="nl")
    if snowball:
        found["simplemma + Snowball"] = lambda w: snowball.stemWord(simplemma.lemmatize(w, lang="nl"))
    found["kennisbank (gekozen)"] = lemma
    return found


def main() -> None:
    rows = load()
    print(f"{len(rows)} forms, nouns/verbs/adjectives, from {FORMS.name}")
    print(f"{'analyzer':32} {'conflation':>10} {'collisions':>10} {'per POS':>8} {'sec':>6}")
    for name, analyse in analyzers().items():
        start = time.perf_counter()
        same, pairs, colliding, lemmas = measure(group(rows), analyse)
        per_pos = [measure(group(rows, pos), analyse) for pos in POS]
        pos_collisions = sum(p[2] for p in per_pos) / sum(p[3] for p in per_pos)
        print(f"{name:32} {same / pairs:10.3f} {colliding / lemmas:10.3f} {pos_collisions:8.3f} "
              f"{time.perf_counter() - start:6.2f}")
    print("target: conflation >= 0.75 with collisions <= 0.08")


if __name__ == "__main__":
    main()
