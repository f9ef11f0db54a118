"""How good and how fast are the voortoets suggestions?

Quality — precision@5 and recall@5 of `similar_work` against a plain keyword baseline, in one run:
(a) the demo content, with twelve new-project descriptions and, for each, the earlier projects, lessons
    and networks a person would want to see (written down below);
(b) the 1,637 real NASA lessons: for each lesson that has categories, its five nearest lessons should
    share a category with it.
Speed — suggestion latency p50/p95 for typed descriptions at 50,000 indexed records.

Run: .venv/bin/python bench/bench_voortoets.py [--records 50000]   (never part of CI)
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from corpus import REPO, build_dutch, nasa_lessons
from report import report

from kennisbank import create_app
from kennisbank.extensions import db

# New-project descriptions and what a person would want to see first (content keys; networks as net:slug).
DEMO_CASES = [
    ("Slimme lantaarnpalen met sensoren voor drukte en luchtkwaliteit op straat",
     {"eindhoven-slimme-verlichting", "denbosch-drukte-sensoren", "les-eindhoven-bewoners-proeftuin",
      "les-denbosch-privacy-tellingen", "les-utrecht-data-eigendom"}),
    ("Een warmtenet voor een bestaande wijk die van het aardgas af moet, betaalbaar voor bewoners",
     {"heerlen-mijnwater", "utrecht-aardgasvrije-wijk", "les-heerlen-aansluitcontracten",
      "les-overvecht-woonlasten", "les-overvecht-corporaties-eerst"}),
    ("Bewoners betrekken bij een energieneutrale nieuwbouwwijk waar nog niemand woont",
     {"atelier-buiksloterham", "les-atelier-schoonschip", "les-atelier-toekomstige-bewoners", "net:netwerk-02025"}),
    ("Europese subsidie aanvragen met kleine ondernemers en kennisinstellingen in het consortium",
     {"les-atelier-administratie-mkb", "les-02025-bundelen", "ruggedised-hart-van-zuid", "net:lighthouse-cities",
      "atelier-buiksloterham"}),
    ("Laadpalen voor elektrische auto's in een oude wijk met een vol stroomnet",
     {"amsterdam-slimme-laadpleinen", "les-laadpleinen-netbeheerder", "les-laadpleinen-opschaling-eisen"}),
    ("Slimme oplossingen inpassen in een lopende gebiedsontwikkeling met bestaande contracten",
     {"ruggedised-hart-van-zuid", "les-ruggedised-contracten", "atelier-buiksloterham"}),
    ("Een voorspellend algoritme voor de inzet van handhavers, met aandacht voor privacy",
     {"denhaag-datagedreven-handhaving", "les-denhaag-dpia-te-laat", "les-denhaag-waarom-gestopt"}),
    ("Bankjes, paaltjes en tegels van hergebruikt materiaal in de openbare ruimte",
     {"rotterdam-circulair-straatmeubilair", "les-circulair-catalogus", "les-circulair-beheerders-vroeg",
      "les-circulair-try-a-lot"}),
    ("Kennis delen tussen projectteams en leren van mislukkingen in plaats van alleen successen",
     {"amsterdam-lessen-delen", "les-cto-lunchlezingen-successen", "les-cto-dwarsverbanden",
      "les-innovatienetwerk-inspiratiesessies", "les-ruggedised-rapporten-la"}),
    ("Verkeerslichten die fietsers en bussen voorrang geven met actuele verkeersdata",
     {"utrecht-slimme-verkeerslichten", "les-utrecht-data-eigendom"}),
    ("Een pilot met sensoren die na afloop door een afdeling moet worden overgenomen en opgeschaald",
     {"les-denbosch-geen-eigenaar", "les-laadpleinen-opschaling-eisen", "denbosch-drukte-sensoren"}),
    ("Bewoners de kans geven de gemeente uit te dagen met een beter plan voor hun buurt",
     {"rotterdam-right-to-challenge", "les-r2c-termijn"}),
]
WORD = re.compile(r"\w{4,}")


def make_app(root: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite'}",
                       "INDEX_DIR": str(root / "index"), "SECRET_KEY": "bench", "SEARCH_SYNC": "manual",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=str(root / "instance"))


def precision_recall(found: list[str], wanted: set[str], k: int = 5) -> tuple[float, float]:
    top = found[:k]
    hits = sum(1 for key in top if key in wanted)
    return hits / k, hits / len(wanted) if wanted else 0.0


def keyword_baseline(description: str, candidates: dict[str, str], k: int = 5) -> list[str]:
    """Plain keyword matching: count the description's words (4+ letters, no analysis) in each item."""
    words = set(WORD.findall(description.lower()))
    scored = []
    for key, text in candidates.items():
        present = set(WORD.findall(text.lower()))
        overlap = len(words & present)
        if overlap:
            scored.append((-overlap, key))
    return [key for _, key in sorted(scored)[:k]]


def item_key(item) -> str:
    from kennisbank.models import Network

    if isinstance(item, Network):
        return f"net:{item.slug}"
    return item.content_key or f"id:{item.id}"


def demo_quality() -> dict:
    from sqlalchemy import select

    from kennisbank.models import Lesson, Network, Project, ProjectStatus
    from kennisbank.search import indexer
    from kennisbank.services.content import loading
    from kennisbank.services.gates import voortoets

    root = Path(tempfile.mkdtemp(prefix="kb-voortoets-demo-"))
    app = make_app(root)
    ours, base = [], []
    with app.app_context():
        db.create_all()
        loading.load_content(REPO / "content", demo=True, demo_password="benchmark-wachtwoord")
        db.session.commit()
        indexer.catch_up(app)
        candidates = {}
        for p in db.session.scalars(select(Project).where(Project.status != ProjectStatus.CONCEPT)):
            candidates[item_key(p)] = " ".join((p.title, p.question, p.goal, p.approach))
        for lesson in db.session.scalars(select(Lesson)):
            candidates[item_key(lesson)] = " ".join((lesson.title, lesson.context, lesson.what_happened,
                                                     lesson.lesson_learned, lesson.advice))
        for n in db.session.scalars(select(Network)):
            candidates[item_key(n)] = " ".join((n.name, n.description))
        for description, wanted in DEMO_CASES:
            found = [item_key(s.item) for s in voortoets.similar_work(description)]
            ours.append(precision_recall(found, wanted))
            base.append(precision_recall(keyword_baseline(description, candidates), wanted))
    return {"demo cases": len(DEMO_CASES),
            "demo precision@5": round(statistics.mean(p for p, _ in ours), 3),
            "demo recall@5": round(statistics.mean(r for _, r in ours), 3),
            "demo baseline precision@5": round(statistics.mean(p for p, _ in base), 3),
            "demo baseline recall@5": round(statistics.mean(r for _, r in base), 3)}


def nasa_quality() -> dict:
    from sqlalchemy import insert

    from kennisbank.models import Lesson, User
    from kennisbank.search import documents, rebuild
    from kennisbank.search.similar import find_similar

    rows = [row for row in nasa_lessons() if row["Categories"].strip()]
    categories = {i + 1: {c.strip() for c in row["Categories"].split(",") if c.strip()} for i, row in enumerate(rows)}
    root = Path(tempfile.mkdtemp(prefix="kb-voortoets-nasa-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
        db.session.execute(insert(User), [{"id": 1, "email": "nasa@voorbeeld.example", "name": "NASA",
                                           "password_hash": "x", "department": "", "organisation": ""}])
        db.session.execute(insert(Lesson), [{"id": i + 1, "title": row["Title"][:200] or "-", "kind": "inzicht",
                                             "context": row["Abstract"], "lesson_learned": row["Lesson"],
                                             "advice": "-", "author_id": 1, "tags": []}
                                            for i, row in enumerate(rows)])
        db.session.commit()
    rebuild.reindex(app)
    texts = {i + 1: f"{row['Title']} {row['Abstract']}" for i, row in enumerate(rows)}
    ours, base = [], []
    with app.app_context():
        for lesson_id, text in texts.items():
            wanted = {other for other, cats in categories.items() if other != lesson_id and cats & categories[lesson_id]}
            found, _, _ = find_similar(text, themes=[], municipality=None, kinds=("lesson",),
                                    exclude_keys={documents.key("lesson", lesson_id)}, limit=5)
            ours.append(precision_recall([f.item_id for f in found], wanted))
            others = {other: texts[other] for other in texts if other != lesson_id}
            base.append(precision_recall(keyword_baseline(text, others), wanted))
    return {"nasa lessons with categories": len(rows),
            "nasa precision@5": round(statistics.mean(p for p, _ in ours), 3),
            "nasa recall@5": round(statistics.mean(r for _, r in ours), 4),
            "nasa baseline precision@5": round(statistics.mean(p for p, _ in base), 3),
            "nasa baseline recall@5": round(statistics.mean(r for _, r in base), 4)}


def latency(records: int) -> dict:
    import random

    from corpus import Generator

    from kennisbank.search import engine, rebuild
    from kennisbank.services.gates import voortoets

    root = Path(tempfile.mkdtemp(prefix="kb-voortoets-speed-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
    build_dutch(app, records)
    rebuild.reindex(app, procs=2)
    generator = Generator(seed=99)
    rng = random.Random(3)
    times = []
    with app.app_context():
        engine.searchers().get()
        for _ in range(200):
            # What a lead has typed so far: a title and the start of the question.
            typed = f"{generator.title()} {generator.text(1)[: rng.randint(30, 160)]}"
            start = time.perf_counter()
            suggestions = voortoets.similar_work(typed, theme_ids=[rng.randint(1, 12)])
            voortoets.people_to_ask(suggestions, [])
            times.append(time.perf_counter() - start)
    ordered = sorted(times)
    return {"latency records": records, "suggest p50 ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "suggest p95 ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    figures = {**demo_quality(), **nasa_quality(), **latency(args.records)}
    report(figures, "target: clearly better than the keyword baseline; suggestions p95 <= 300 ms at 50,000 "
                    "records", "voortoets")

if __name__ == "__main__":
    main()
