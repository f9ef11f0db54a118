"""Does kennisbank find what civil servants mean? Judged relevance on real Dutch municipal texts.

bench/evaluation/ holds 102 public Dutch municipal projects and lessons (summarised in our own words,
each with its source), 42 new-project descriptions and 44 everyday queries, each with the items a
person would want to see, judged by hand before any system ran on them. This loads the items into a
fresh kennisbank (with the vocabulary of content/synoniemen), and prints P@5, R@5 and nDCG@5 for:
  - kennisbank: the voortoets (`similar_work`) for descriptions, the search for queries;
  - SQLite FTS5 with BM25 over the same titles and texts (title weighted 4, like ours): the words of a
    description OR'ed, the words of a query AND'ed as a search box does;
  - word overlap: the items sharing the most words of four letters or more.
and the share of queries that find nothing. A voortoets place can be a project with its own matching
lessons folded under it: one place for precision (relevant when any of them is), each on screen for
recall. Then the voortoets once more with one typo in each description
(the middle letter of its longest word left out), as people type. Figures are printed, never asserted:
    .venv/bin/python bench/bench_relevance.py [--verbose]
"""
from __future__ import annotations

import argparse
import math
import re
import sqlite3
import statistics
import tempfile
from pathlib import Path

import yaml
from bench_voortoets import make_app
from corpus import REPO
from report import report

from kennisbank.extensions import db

DATA = Path(__file__).with_name("evaluation")
WORD = re.compile(r"\w+")
LONG_WORD = re.compile(r"\w{4,}")
K = 5


def load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# An entry of kennisbank's voortoets is a project with the lessons folded under it: a tuple of keys. It is
# one place: relevant (precision, nDCG) when any of its keys is; every key on screen counts for recall.
def _keys(entry) -> tuple[str, ...]:
    return entry if isinstance(entry, tuple) else (entry,)


def _hit(entry, relevant: set[str]) -> bool:
    return any(key in relevant for key in _keys(entry))


def precision(found: list, relevant: set[str]) -> float:
    return sum(_hit(entry, relevant) for entry in found[:K]) / K


def recall(found: list, relevant: set[str]) -> float:
    shown = {key for entry in found[:K] for key in _keys(entry)}
    return len(shown & relevant) / len(relevant)


def ndcg(found: list, relevant: set[str]) -> float:
    gain = sum(1 / math.log2(rank + 2) for rank, entry in enumerate(found[:K]) if _hit(entry, relevant))
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, len(relevant))))
    return gain / ideal


def scores(runs: list[tuple[list[str], set[str]]]) -> tuple[float, float, float]:
    return (round(statistics.mean(precision(f, r) for f, r in runs), 3),
            round(statistics.mean(recall(f, r) for f, r in runs), 3),
            round(statistics.mean(ndcg(f, r) for f, r in runs), 3))


class Fts5:
    """The same items in an SQLite FTS5 table, ranked by BM25 (unicode61: words, no stemming)."""

    def __init__(self, items: list[dict]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                            [(item["key"], item["titel"], item["tekst"]) for item in items])

    def _run(self, match: str) -> list[str]:
        if not match:
            return []
        rows = self.db.execute("SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 4.0, 1.0) LIMIT ?",
                               (match, K)).fetchall()
        return [key for (key,) in rows]

    def any_words(self, text: str) -> list[str]:
        return self._run(" OR ".join(f'"{w}"' for w in dict.fromkeys(WORD.findall(text.lower())) if len(w) > 2))

    def all_words(self, text: str) -> list[str]:
        return self._run(" ".join(f'"{w}"' for w in WORD.findall(text.lower())))


def overlap(text: str, items: list[dict]) -> list[str]:
    words = set(LONG_WORD.findall(text.lower()))
    scored = []
    for item in items:
        shared = len(words & set(LONG_WORD.findall(f"{item['titel']} {item['tekst']}".lower())))
        if shared:
            scored.append((-shared, item["key"]))
    return [key for _, key in sorted(scored)[:K]]


def entries(suggestions, keys) -> list:
    """The voortoets's places: a key, or a project's key with those of the lessons folded under it."""
    return [(keys[(s.kind, s.item.id)], *(keys[("lesson", lesson.id)] for lesson in s.lessons)) if s.lessons
            else keys[(s.kind, s.item.id)] for s in suggestions]


def with_typo(text: str) -> str:
    """The description with the middle letter of its longest word left out ('zaaksysteem' -> 'zaaksyteem')."""
    longest = max(WORD.findall(text), key=len)
    middle = len(longest) // 2
    return text.replace(longest, longest[:middle] + longest[middle + 1:], 1)


def load_items(items: list[dict]) -> dict[tuple[str, int], str]:
    """The items as closed projects and their lessons (failures unless said otherwise): (kind, id) -> key."""
    from kennisbank.ground import municipalities
    from kennisbank.models import Lesson, LessonKind, Project, ProjectStatus, User

    author = User(email="bench@gemeente.example", name="Bench", password_hash="x")
    db.session.add(author)
    projects, keys = {}, {}
    for item in sorted(items, key=lambda item: item["soort"] != "project"):  # projects before their lessons
        code = municipalities.resolve(item["gemeente"]).code if item.get("gemeente") else None
        if item["soort"] == "project":
            row = Project(title=item["titel"], question=item["tekst"], lead=author, status=ProjectStatus.CLOSED,
                          municipality_code=code)
            projects[item["key"]] = row
        else:
            row = Lesson(title=item["titel"], context=item["tekst"], advice="-", author=author,
                         kind=LessonKind(item.get("lessoort", "mislukking")), project=projects.get(item.get("project")))
        db.session.add(row)
        db.session.flush()
        keys[("project" if item["soort"] == "project" else "lesson", row.id)] = item["key"]
    db.session.commit()
    return keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true", help="per description and query: what each found")
    args = parser.parse_args()

    from kennisbank.models import User
    from kennisbank.search import indexer
    from kennisbank.services.content import vocabulary
    from kennisbank.services.finding import search
    from kennisbank.services.gates import voortoets

    items, cases, queries = load("items.yaml"), load("cases.yaml"), load("queries.yaml")
    fts = Fts5(items)
    root = Path(tempfile.mkdtemp(prefix="kb-relevance-"))
    app = make_app(root)
    runs = {name: {"voortoets": [], "search": [], "typo": []} for name in ("kennisbank", "FTS5 BM25", "word overlap")}
    empty = dict.fromkeys(runs, 0)
    with app.app_context():
        db.create_all()
        vocabulary.load_content(REPO / "content" / vocabulary.FOLDER)
        keys = load_items(items)
        indexer.catch_up(app)
        reader = db.session.get(User, 1)
        for case in cases:
            relevant = set(case["relevant"])
            found = {"kennisbank": entries(voortoets.similar_work(case["tekst"]), keys),
                     "FTS5 BM25": fts.any_words(case["tekst"]), "word overlap": overlap(case["tekst"], items)}
            for name, keys_found in found.items():
                runs[name]["voortoets"].append((keys_found, relevant))
            typed = with_typo(case["tekst"])
            for name, keys_found in {
                    "kennisbank": entries(voortoets.similar_work(typed), keys),
                    "FTS5 BM25": fts.any_words(typed), "word overlap": overlap(typed, items)}.items():
                runs[name]["typo"].append((keys_found, relevant))
            if args.verbose:
                print(f"\n{case['tekst']}\n  wanted {sorted(relevant)}")
                for name, keys_found in found.items():
                    print(f"  {name:13} {precision(keys_found, relevant):.1f} {keys_found}")
        for query in queries:
            relevant = set(query["relevant"])
            page = search.search(reader, query["q"], per_page=K, log_empty=False)
            found = {"kennisbank": [keys[(hit.kind, hit.item.id)] for hit in page.hits],
                     "FTS5 BM25": fts.all_words(query["q"]), "word overlap": overlap(query["q"], items)}
            for name, keys_found in found.items():
                runs[name]["search"].append((keys_found, relevant))
                empty[name] += not keys_found
            if args.verbose:
                print(f"\n{query['q']!r}  wanted {sorted(relevant)}")
                for name, keys_found in found.items():
                    print(f"  {name:13} {precision(keys_found, relevant):.1f} {keys_found}")
    figures = {"items": len(items), "descriptions": len(cases), "queries": len(queries)}
    print("\n| | voortoets P@5 | R@5 | nDCG@5 | search P@5 | R@5 | nDCG@5 | queries finding nothing |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        voortoets_scores, search_scores = scores(run["voortoets"]), scores(run["search"])
        zero = round(100 * empty[name] / len(queries), 1)
        print(f"| {name} | {' | '.join(map(str, voortoets_scores))} | {' | '.join(map(str, search_scores))} | "
              f"{zero} % |")
        figures.update({f"{name} voortoets P@5": voortoets_scores[0], f"{name} voortoets R@5": voortoets_scores[1],
                        f"{name} voortoets nDCG@5": voortoets_scores[2], f"{name} search P@5": search_scores[0],
                        f"{name} search R@5": search_scores[1], f"{name} search nDCG@5": search_scores[2],
                        f"{name} zero-result %": zero})
    print("\n| one typo per description | voortoets P@5 | R@5 | nDCG@5 |\n|---|---:|---:|---:|")
    for name, run in runs.items():
        typo_scores = scores(run["typo"])
        print(f"| {name} | {' | '.join(map(str, typo_scores))} |")
        figures[f"{name} voortoets P@5 with a typo"] = typo_scores[0]
    figures["voortoets P@5 kennisbank / FTS5"] = round(
        figures["kennisbank voortoets P@5"] / max(figures["FTS5 BM25 voortoets P@5"], 1e-9), 2)
    print()
    report(figures, "targets: voortoets P@5 >= 0.65 and >= 1.3x FTS5; no everyday query finds nothing", "relevance")


if __name__ == "__main__":
    main()
