"""Keeping indexes in step: change-to-findable latency on one and on two hosts, and what the change log
costs a save. Never part of CI: `make bench` or

    .venv/bin/python bench/bench_index_sync.py [--records 20000] [--seconds 40] [--database postgresql]

A throwaway PostgreSQL server (as the tests start it) or a SQLite file holds the bench corpus. One or two
`kb index-worker` processes, each with its own index directory (a "host"), apply the change log; this
process saves a lesson with a unique word every 0.2 s (5 changes/s) and a watcher per host notes when
that host's index has it. The log's cost: the same save (service call and commit) timed in alternating
batches with the log's `after_flush` listener attached and detached, in the same run.

Targets: findable p95 <= 2 s on each host; save p95 with the log within 10% of without.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from corpus import REPO, build_dutch
from report import ms, pct, report

sys.path.insert(0, str(REPO))
from kennisbank import create_app  # noqa: E402
from kennisbank.extensions import db  # noqa: E402

RATE = 5.0  # changes per second


def make_app(root: Path, url: str, index_dir: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": str(index_dir), "SECRET_KEY": "bench",
                       "SEARCH_SYNC": "manual", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                      instance_path=str(root / "instance"))


class Watcher(threading.Thread):
    """Notes when each awaited key appears in one host's index (reading it as a web worker would)."""

    def __init__(self, index_dir: Path):
        super().__init__(daemon=True)
        from kennisbank.search.searchers import Searchers

        self.searchers = Searchers(index_dir)
        self.waiting: dict[str, float] = {}
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def expect(self, key: str, since: float) -> None:
        with self.lock:
            self.waiting[key] = since

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                keys = list(self.waiting)
            if keys:
                try:
                    found = self.searchers.run(lambda s: [k for k in keys if s.document_number(key=k) is not None])
                except Exception:  # noqa: BLE001 - the index is being created: look again
                    found = []
                now = time.perf_counter()
                with self.lock:
                    for key in found:
                        self.latencies.append(now - self.waiting.pop(key))
            time.sleep(0.01)


def spawn_worker(env: dict, index_dir: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "index-worker"],
                            env=dict(env, KENNISBANK_INDEX_DIR=str(index_dir), KENNISBANK_INDEX_NAME=name), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def write_stream(app, watchers: list[Watcher], seconds: float, label: str) -> list[float]:
    """Save a lesson every 1/RATE s for `seconds`; each watcher waits for it. Returns save times."""
    from kennisbank.models import LessonKind, User
    from kennisbank.services.registry import lessons

    saves = []
    with app.app_context():
        author = db.session.get(User, 2)
        deadline, n = time.perf_counter() + seconds, 0
        while time.perf_counter() < deadline:
            tick = time.perf_counter()
            lesson = lessons.create_lesson(lessons.LessonInput(
                title=f"Meting {label} {n}", kind=LessonKind.INSIGHT, advice="Meet de vertraging."), author)
            db.session.commit()
            committed = time.perf_counter()
            saves.append(committed - tick)
            for watcher in watchers:
                watcher.expect(f"lesson:{lesson.id}", committed)
            n += 1
            time.sleep(max(0.0, 1 / RATE - (time.perf_counter() - tick)))
    time.sleep(3)  # let the last ones arrive
    return saves


def findable(root: Path, url: str, env: dict, hosts: int, seconds: float) -> dict:
    dirs = [root / f"host-{hosts}-{n}" for n in range(hosts)]
    workers = [spawn_worker(env, d, f"bench-{hosts}-{n}") for n, d in enumerate(dirs)]
    app = make_app(root, url, dirs[0])
    try:
        from kennisbank.search.index import current_generation, read_cursor

        for d in dirs:  # each host first builds its index from the database, by itself
            deadline = time.monotonic() + 600
            while read_cursor(current_generation(d)) is None and time.monotonic() < deadline:
                time.sleep(0.5)
        watchers = [Watcher(d) for d in dirs]
        for watcher in watchers:
            watcher.start()
        write_stream(app, watchers, seconds, f"{hosts}h")
        out = {}
        for n, watcher in enumerate(watchers):
            watcher.stop.set()
            got = watcher.latencies
            out[f"{hosts} host(s), host {n + 1}: findable p50 / p95 / max ms"] = (
                f"{ms(pct(got, 50))} / {ms(pct(got, 95))} / {ms(max(got))}  ({len(got)} changes, "
                f"{len(watcher.waiting)} never seen)")
        return out
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)


def save_cost(root: Path, url: str, rounds: int = 20, per_round: int = 50) -> dict:
    """Save-request p50/p95 (POST /lessen/nieuw, as a browser sends it) with and without the change log,
    in alternating batches (same process, same data)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from kennisbank.search import sync

    app = make_app(root, url, root / "unused-index")
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/inloggen", data={"email": "medewerker1@gemeente.example",
                                          "password": "benchmark-wachtwoord"}).status_code == 302
    times = {"with log": [], "without log": []}
    for round_ in range(rounds):
        for label in (("with log", "without log") if round_ % 2 == 0 else ("without log", "with log")):
            if label == "without log":
                event.remove(Session, "after_flush", sync._record_changes)
            try:
                for n in range(per_round):
                    start = time.perf_counter()
                    response = client.post("/lessen/nieuw", data={
                        "title": f"Kosten {label} {round_}.{n}", "kind": "inzicht", "advice": "Meet het.",
                        "context": "Een wijk.", "version": "0"})
                    times[label].append(time.perf_counter() - start)
                    assert response.status_code == 302, response.status_code
            finally:
                if label == "without log":
                    event.listen(Session, "after_flush", sync._record_changes)
    with_log, without = times["with log"], times["without log"]
    return {"save request p50 / p95 ms with log": f"{ms(pct(with_log, 50))} / {ms(pct(with_log, 95))}",
            "save request p50 / p95 ms without log": f"{ms(pct(without, 50))} / {ms(pct(without, 95))}",
            "save p95 ratio with/without": round(pct(with_log, 95) / pct(without, 95), 3)}


def restart_sequences(app) -> None:
    """The corpus is inserted with explicit ids; PostgreSQL's id sequences must continue after them."""
    from sqlalchemy import text

    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kb-bench-sync-"))
    server = None
    if args.database == "postgresql":
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
        url = server.create_database("bench_sync")
    else:
        url = f"sqlite:///{root / 'bench.sqlite'}"
    try:
        app = make_app(root, url, root / "unused-index")
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        build_dutch(app, args.records)
        if server is not None:
            restart_sequences(app)
        env = dict(os.environ, KENNISBANK_DATABASE_URL=url, KENNISBANK_SECRET_KEY="bench",
                   KENNISBANK_INSTANCE_DIR=str(root / "instance"), KENNISBANK_SEARCH_SYNC="manual",
                   PYTHONPATH=str(REPO))
        figures = {"database": args.database, "records": args.records, "write rate": f"{RATE:g} changes/s",
                   "seconds per run": args.seconds}
        figures.update(findable(root, url, env, 1, args.seconds))
        figures.update(findable(root, url, env, 2, args.seconds))
        figures.update(save_cost(root, url))
    finally:
        if server is not None:
            server.stop()
    report(figures, "targets: findable p95 <= 2000 ms on each host; save p95 ratio with/without log <= 1.10",
           f"index_sync_{args.database}")

if __name__ == "__main__":
    main()
