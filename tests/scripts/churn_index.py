"""The index's writer under a heavy load: new lessons applied in small commits, merges of every segment
(optimize) and full rebuilds that swap generations, for ROUNDS rounds (a count, not a time: on a slow
machine every fault still happens). Usage: churn_index.py ROUNDS EMAIL"""
import json
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from kennisbank import create_app
from kennisbank.extensions import db
from kennisbank.models import LessonKind
from kennisbank.search import index, indexer, rebuild
from kennisbank.services.access import users
from kennisbank.services.registry import lessons

rounds, email = int(sys.argv[1]), sys.argv[2]
app = create_app({"SEARCH_SYNC": "manual", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
counts = {"commits": 0, "merges": 0, "rebuilds": 0}
with app.app_context():
    author = users.find_by_email(email)
    root = Path(app.config["INDEX_DIR"])
    for round_ in range(1, rounds + 1):
        for n in range(1):
            lessons.create_lesson(lessons.LessonInput(title=f"Slimme verlichting {round_}.{n}", kind=LessonKind.FAILURE,
                                                      context="Verlichting in de wijk met sensoren.",
                                                      advice="Begin klein in een wijk."), author)
            db.session.commit()
        counts["commits"] += indexer.catch_up(app, wait=True) > 0
        for _ in range(10):  # merge everything, again and again: every older segment file is deleted
            generation = index.current_generation(root)
            writer = index.open_writer(generation, wait=True)
            index.commit(writer, generation, index.read_cursor(generation), optimize=True)
            counts["merges"] += 1
        if round_ % 3 == 0:  # a new generation swapped in; the one before the previous is removed
            with Session(db.engine) as session:
                rebuild.rebuild(app, session)
            counts["rebuilds"] += 1
print(json.dumps(counts), flush=True)
