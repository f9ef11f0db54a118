"""Search speed at 50,000 records, against SQLite FTS5 doing the same Dutch analysis, in one run.

Prints: reindex time and index size; query p50/p95 (the whole search service: parse, index, facet
counts, loading rows, snippets) and faceted p95; engine-only p50/p95 next to FTS5 (ratio); queries the
government vocabulary widens (synonyms, narrower concepts) without and with it (ratio); save-request
p95 over HTTP with the background indexer running; time until a saved change is findable; the same on
the 1,637 NASA lessons. Never part of CI: `make bench` or
    .venv/bin/python bench/bench_search.py [--records 50000] [--procs 2]
"""
from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from corpus import REPO, build_dutch, build_nasa, queries
from report import ms, pct, report

from kennisbank import create_app
from kennisbank.extensions import db

TARGETS = {"query p95": 100, "faceted p95": 150, "save p95": 50, "findable max": 2000, "reindex": 240}


def make_app(root: Path, sync: str = "manual"):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite'}", "INDEX_DIR": str(root / "index"),
                       "SECRET_KEY": "bench", "SEARCH_SYNC": sync, "WTF_CSRF_ENABLED": False,
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=str(root / "instance"))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def time_queries(app, user_id: int, texts: list[str], facet: dict | None = None) -> list[float]:
    from kennisbank.models import User
    from kennisbank.services.finding import search

    out = []
    with app.app_context():
        user = db.session.get(User, user_id)
        search.search(user, "warmup", log_empty=False)
        for text in texts:
            start = time.perf_counter()
            search.search(user, text, facet_filters=facet, log_empty=False)
            out.append(time.perf_counter() - start)
            db.session.rollback()
    return out


def time_engine(app, texts: list[str]) -> list[float]:
    from kennisbank.search import engine
    from kennisbank.search.query import parse

    out = []
    with app.app_context():
        who = engine.visibility(2, False)
        for text in texts:
            parsed = parse(text)
            if parsed.is_empty:
                continue
            start = time.perf_counter()
            engine.run(parsed.query, who=who, page=1, per_page=10, by_date=False, facets=False)
            out.append(time.perf_counter() - start)
    return out


# Words with synonyms and narrower concepts in content/synoniemen: the queries the vocabulary widens most.
VOCABULARY_QUERIES = ["AVG", "Woo", "Omgevingswet", "sociaal domein", "openbare ruimte", "privacy", "zaakgericht werken",
                      "stelsel van basisregistraties", "Wmo", "archivering", "klimaatadaptatie", "inkoop",
                      "ransomware", "energietransitie", "burgerparticipatie", "VTH"]


def time_vocabulary(app) -> tuple[list[float], list[float]]:
    """The vocabulary queries on the same index without and with the shipped vocabulary."""
    from kennisbank.services.content import vocabulary

    texts = VOCABULARY_QUERIES * 15
    without = time_queries(app, 2, texts)
    with app.app_context():
        vocabulary.load_content(REPO / "content" / vocabulary.FOLDER)
        db.session.commit()
    return without, time_queries(app, 2, texts)


def build_fts5(app, path: Path) -> sqlite3.Connection:
    """The same documents, analysed by the same Dutch analyzer in Python, in an FTS5 table."""
    from sqlalchemy.orm import Session

    from kennisbank.search import documents
    from kennisbank.search.analysis import SECTION, dutch_analyzer
    from kennisbank.search.source import source_rows

    analyzer = dutch_analyzer()
    connection = sqlite3.connect(path)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, summary, body, parts, "
                       "tokenize='unicode61 remove_diacritics 0')")
    with app.app_context(), Session(db.engine) as session:
        rows = []
        for kind, obj in source_rows(session):
            if documents.is_indexed(obj):
                doc = documents.document(kind, obj)
                # The same four sections as the Whoosh document (title, summary, body, compound parts).
                pieces = doc["text"].split(SECTION)
                sections = dict(zip(pieces[1::2], pieces[2::2]))
                rows.append((doc["key"], *(" ".join(t.text for t in analyzer(sections.get(weight, "")))
                                           for weight in ("4.0", "2.0", "1.0", "0.4"))))
        connection.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)
    connection.commit()
    return connection


def time_fts5(connection, texts: list[str]) -> list[float]:
    from kennisbank.search.analysis import dutch_analyzer

    analyzer = dutch_analyzer()
    out = []
    for text in texts:
        terms = [t.text for t in analyzer(text.replace('"', " ").replace("-", " ").replace(":", " "))]
        if not terms:
            continue
        match = " AND ".join(f'"{t}"' for t in terms)
        start = time.perf_counter()
        connection.execute("SELECT key, bm25(docs, 0, 4.0, 2.0, 1.0, 0.4) AS s FROM docs WHERE docs MATCH ? "
                           "ORDER BY s LIMIT 10", (match,)).fetchall()
        connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()
        out.append(time.perf_counter() - start)
    return out


def save_and_find(root: Path, rounds: int = 60) -> tuple[list[float], list[float]]:
    """Edit lessons over HTTP with the background indexer on; time each save and until it is findable."""
    from kennisbank.models import Lesson
    from kennisbank.search import engine
    from kennisbank.search.query import parse

    app = make_app(root, sync="background")
    client = app.test_client()
    client.post("/inloggen", data={"email": "medewerker0@gemeente.example", "password": "benchmark-wachtwoord"})
    saves, findable = [], []
    with app.app_context():
        lesson_ids = [lesson_id for (lesson_id,) in db.session.query(Lesson.id).order_by(Lesson.id).limit(rounds)]
    for n, lesson_id in enumerate(lesson_ids):
        word = f"meetwoord{n}x"
        with app.app_context():
            lesson = db.session.get(Lesson, lesson_id)
            form = {"title": f"{lesson.title} {word}", "kind": lesson.kind.value, "advice": lesson.advice,
                    "context": lesson.context, "version": str(lesson.version),
                    "themes": [str(t.id) for t in lesson.themes]}
        start = time.perf_counter()
        response = client.post(f"/lessen/{lesson_id}/bewerken", data=form)
        saved = time.perf_counter()
        assert response.status_code == 302, response.status_code
        saves.append(saved - start)
        with app.app_context():
            query = parse(word).query
            while time.perf_counter() - saved < 10:
                if engine.run(query, who=engine.visibility(1, True), page=1, per_page=1, by_date=False,
                              facets=False).total:
                    break
                time.sleep(0.01)
            findable.append(time.perf_counter() - saved)
    return saves, findable


def run_dutch(records: int, procs: int) -> dict:
    from kennisbank.search import index, rebuild

    root = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
    start = time.perf_counter()
    shape = build_dutch(app, records)
    built = time.perf_counter() - start
    start = time.perf_counter()
    written = rebuild.reindex(app, procs=procs)
    reindex_s = time.perf_counter() - start
    size = dir_size(index.current_generation(root / "index"))
    start = time.perf_counter()
    with app.app_context():
        from kennisbank.search import engine

        engine.searchers().get()
    open_s = time.perf_counter() - start
    texts = queries(240)
    plain = time_queries(app, 2, texts)
    faceted = time_queries(app, 2, texts, facet={"type": "lesson", "soort": "mislukking"})
    engine_times = time_engine(app, texts)
    without_vocabulary, with_vocabulary = time_vocabulary(app)
    fts = build_fts5(app, root / "fts5.sqlite")
    fts_times = time_fts5(fts, texts)
    saves, findable = save_and_find(root)
    return {
        "records": written, "shape": shape, "corpus build s": round(built, 1), "reindex s": round(reindex_s, 1),
        "reindex procs": procs, "index MB": round(size / 2**20, 1), "searcher open ms": ms(open_s),
        "queries": len(plain), "query p50 ms": ms(pct(plain, 50)), "query p95 ms": ms(pct(plain, 95)),
        "faceted p50 ms": ms(pct(faceted, 50)), "faceted p95 ms": ms(pct(faceted, 95)),
        "engine p50 ms": ms(pct(engine_times, 50)), "engine p95 ms": ms(pct(engine_times, 95)),
        "fts5 p50 ms": ms(pct(fts_times, 50)), "fts5 p95 ms": ms(pct(fts_times, 95)),
        "whoosh/fts5 p95 ratio": round(pct(engine_times, 95) / max(pct(fts_times, 95), 1e-9), 1),
        "vocabulary queries p50 / p95 ms, without vocabulary": f"{ms(pct(without_vocabulary, 50))} / "
                                                               f"{ms(pct(without_vocabulary, 95))}",
        "vocabulary queries p50 / p95 ms, with vocabulary": f"{ms(pct(with_vocabulary, 50))} / "
                                                            f"{ms(pct(with_vocabulary, 95))}",
        "vocabulary p95 ratio": round(pct(with_vocabulary, 95) / max(pct(without_vocabulary, 95), 1e-9), 2),
        "save p50 ms": ms(pct(saves, 50)), "save p95 ms": ms(pct(saves, 95)),
        "findable p50 ms": ms(pct(findable, 50)), "findable max ms": ms(max(findable)),
    }


def run_nasa() -> dict:
    from kennisbank.search import rebuild

    root = Path(tempfile.mkdtemp(prefix="kb-bench-nasa-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
    count = build_nasa(app)
    start = time.perf_counter()
    rebuild.reindex(app)
    reindex_s = time.perf_counter() - start
    texts = ["battery", "thermal vacuum test", "software verification", "parachute", "contamination",
             "hydrogen leak", "solar array", "fatigue crack", "launch delay", "training"] * 24
    times = time_queries(app, 1, texts)
    return {"nasa lessons": count, "nasa reindex s": round(reindex_s, 1), "nasa query p50 ms": ms(pct(times, 50)),
            "nasa query p95 ms": ms(pct(times, 95))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    figures = run_dutch(args.records, args.procs)
    figures.update(run_nasa())
    figures["peak RSS MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report(figures, "targets: query p95 <= 100 ms, faceted p95 <= 150 ms, save p95 <= 50 ms, findable <= 2 s, "
                    "reindex <= 240 s", "search")

if __name__ == "__main__":
    main()
