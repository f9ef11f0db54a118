"""Helper processes for bench_scale.py: `writer ROOT` commits one change per second and brings the index
up to date (as the indexer does); `reader ROOT` behaves like a web worker that has served the bench's
queries, then waits (stdin open) so that its memory can be read."""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from bench_search import make_app, time_queries
from corpus import queries

from kennisbank.extensions import db


def writer(root: Path) -> None:
    from sqlalchemy import select

    from kennisbank.models import Lesson
    from kennisbank.search import indexer

    app = make_app(root)
    commits, stop = 0, []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    with app.app_context():
        ids = db.session.scalars(select(Lesson.id).order_by(Lesson.id).limit(1000)).all()
        while not stop:
            started = time.perf_counter()
            lesson = db.session.get(Lesson, ids[commits % len(ids)])
            lesson.title = f"{lesson.title.split(' | ')[0]} | wijziging {commits}"
            db.session.commit()
            indexer.catch_up(app)
            commits += 1
            if commits == 1:
                print("ready", flush=True)
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
    print(commits, flush=True)


def reader(root: Path) -> None:
    app = make_app(root)
    texts = queries(240)
    time_queries(app, 2, texts)
    time_queries(app, 2, texts, facet={"type": "lesson", "soort": "mislukking"})
    print("warm", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    {"writer": writer, "reader": reader}[sys.argv[1]](Path(sys.argv[2]))
