"""Search at national scale: the same measurements at 25,000 / 50,000 / 100,000 / 200,000 records.

For each size, in one run: reindex time and index size; the whole search service (parse, engine, facet
counts, rows, snippets) p50/p95 and faceted p95; the engine alone p50/p95 beside SQLite FTS5 (same Dutch
analysis, BM25) with the ratio; voortoets suggestions p95; query p95 while another process commits one
change per second, against the same paced queries with that process paused (alternating windows); resident memory of web-worker processes (one,
and four together); the time of bad queries (matching everything, 200 OR'ed words, 4,000 characters, 50
nested parentheses, page 10,000). Then the growth of every latency from the second-largest size to the
largest. Figures are printed, never asserted:
    .venv/bin/python bench/bench_scale.py [--sizes 25000,50000,100000,200000]

Warm and cold: the search service is timed on a second pass over the 240 queries (the first pass, which
decodes what the queries use, is printed as "cold p95").
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_search import build_fts5, dir_size, make_app, time_engine, time_fts5, time_queries
from corpus import REPO, Generator, build_dutch, queries
from report import ms, pct, report

from kennisbank.extensions import db

WORKER = Path(__file__).with_name("scale_worker.py")
BAD_QUERIES = {
    "stop word 'de'": "de",
    "only '*'": "*",
    "200 words OR": " OF ".join(sorted({w for q in queries(400) for w in q.split()})[:100] + [f"woord{n}" for n in range(100)]),
    "4,000 characters": " ".join(queries(400))[:4000],
    "50 nested parentheses": "(" * 50 + "slimme verlichting" + ")" * 50,
}


def timed(work, repeat: int = 5) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best.append(time.perf_counter() - start)
    return sorted(best)[len(best) // 2]


def bad_input(app, user_id: int) -> dict:
    from kennisbank.models import User
    from kennisbank.services.finding import search

    out = {}
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, text in BAD_QUERIES.items():
            out[f"bad: {name} ms"] = ms(timed(lambda: search.search(user, text, log_empty=False)))
        out["bad: page 10,000 ms"] = ms(timed(lambda: search.search(user, "wijk", page=10_000, log_empty=False)))
    return out


def voortoets_p95(app) -> float:
    from kennisbank.services.gates import voortoets

    generator, rng, times = Generator(seed=99), random.Random(3), []
    with app.app_context():
        for _ in range(100):
            typed = f"{generator.title()} {generator.text(1)[: rng.randint(30, 160)]}"
            start = time.perf_counter()
            voortoets.people_to_ask(voortoets.similar_work(typed, theme_ids=[rng.randint(1, 12)]), [])
            times.append(time.perf_counter() - start)
            db.session.rollback()
    return pct(times, 95)


def paced_queries(app, texts: list[str], seconds: float) -> list[float]:
    """The queries one after another with a pause between, for `seconds` (as users send them)."""
    from kennisbank.models import User
    from kennisbank.services.finding import search

    out, n, until = [], 0, time.perf_counter() + seconds
    with app.app_context():
        user = db.session.get(User, 2)
        while time.perf_counter() < until:
            start = time.perf_counter()
            search.search(user, texts[n % len(texts)], log_empty=False)
            out.append(time.perf_counter() - start)
            db.session.rollback()
            n += 1
            time.sleep(0.02)
    return out


def under_writes(app, root: Path, texts: list[str], seconds: float = 30,
                 windows: int = 6) -> tuple[list[float], list[float], int]:
    """The paced queries in alternating windows with the writer paused (SIGSTOP) and running (SIGCONT):
    quiet and busy are measured in the same minute, so drift of the machine falls on both alike."""
    writer = subprocess.Popen([sys.executable, str(WORKER), "writer", str(root)], stdout=subprocess.PIPE, text=True)
    quiet, busy = [], []
    try:
        assert writer.stdout.readline().strip() == "ready"
        for window in range(windows):
            running = window % 2 == 1
            os.kill(writer.pid, signal.SIGCONT if running else signal.SIGSTOP)
            (busy if running else quiet).extend(paced_queries(app, texts, seconds / windows * 2))
    finally:
        os.kill(writer.pid, signal.SIGCONT)
        writer.terminate()
        commits = int((writer.communicate(timeout=30)[0] or "0").split()[-1])
    return quiet, busy, commits


def worker_memory(root: Path, count: int) -> tuple[float, float, float]:
    """Start `count` web-worker-like processes on the index (each runs the 240 queries twice), then
    read their memory while all are alive: largest RSS, summed RSS, summed PSS (shared pages split)."""
    workers = [subprocess.Popen([sys.executable, str(WORKER), "reader", str(root)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for _ in range(count)]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "warm"
        rss = [_smaps(worker.pid, "Rss") for worker in workers]
        pss = [_smaps(worker.pid, "Pss") for worker in workers]
    finally:
        for worker in workers:
            worker.stdin.close()
            worker.wait(timeout=60)
    return max(rss), sum(rss), sum(pss)


def _smaps(pid: int, name: str) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_size(records: int, procs: int) -> dict:
    from kennisbank.search import engine, index, rebuild

    root = Path(tempfile.mkdtemp(prefix=f"kb-scale-{records}-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
    build_dutch(app, records)
    start = time.perf_counter()
    rebuild.reindex(app, procs=procs)
    reindex_s = time.perf_counter() - start
    size = dir_size(index.current_generation(root / "index"))
    with app.app_context():
        engine.searchers().get()
    texts = queries(240)
    cold = time_queries(app, 2, texts)
    plain = time_queries(app, 2, texts)
    faceted = time_queries(app, 2, texts, facet={"type": "lesson", "soort": "mislukking"})
    engine_times = time_engine(app, texts)
    fts_times = time_fts5(build_fts5(app, root / "fts5.sqlite"), texts)
    quiet, busy, commits = under_writes(app, root, texts)
    one_rss, _, _ = worker_memory(root, 1)
    _, four_rss, four_pss = worker_memory(root, 4)
    figures = {
        "records": records, "reindex s": round(reindex_s, 1), "index MB": round(size / 2**20, 1),
        "cold p95 ms": ms(pct(cold, 95)),
        "query p50 ms": ms(pct(plain, 50)), "query p95 ms": ms(pct(plain, 95)),
        "faceted p95 ms": ms(pct(faceted, 95)),
        "engine p50 ms": ms(pct(engine_times, 50)), "engine p95 ms": ms(pct(engine_times, 95)),
        "fts5 p95 ms": ms(pct(fts_times, 95)),
        "engine/fts5 p95": round(pct(engine_times, 95) / max(pct(fts_times, 95), 1e-9), 2),
        "voortoets p95 ms": ms(voortoets_p95(app)),
        "paced p95 ms": ms(pct(quiet, 95)), "under writes p95 ms": ms(pct(busy, 95)),
        "writes/quiet p95": round(pct(busy, 95) / max(pct(quiet, 95), 1e-9), 2), "commits": commits,
        "worker RSS MB": round(one_rss), "4 workers RSS MB": round(four_rss), "4 workers PSS MB": round(four_pss),
    }
    figures.update(bad_input(app, 2))
    return figures


TARGETS_200K = {"reindex s": "≤ 120 s", "query p95 ms": "≤ 50 ms", "faceted p95 ms": "≤ 75 ms",
                "engine/fts5 p95": "≤ 0.25", "voortoets p95 ms": "≤ 150 ms", "writes/quiet p95": "≤ 1.2",
                "worker RSS MB": "≤ 1,000 MB", "4 workers PSS MB": "≤ 2,500 MB"}


def markdown(rows: list[dict]) -> str:
    """The figures as the table in README.md: one column per size, the target at 200,000 last."""
    lines = ["| figure | " + " | ".join(f"{row['records']:,}" for row in rows) + " | target at 200,000 |",
             "|---|" + "---|" * (len(rows) + 1)]
    for key in rows[0]:
        if key != "records":
            lines.append(f"| {key} | " + " | ".join(str(row[key]) for row in rows) + f" | {TARGETS_200K.get(key, '')} |")
    if len(rows) > 1:
        growth = ", ".join(f"{key.replace(' ms', '')} {rows[-1][key] / max(rows[-2][key], 1e-9):.2f}×" for key in LATENCIES)
        lines.append(f"\nGrowth {rows[-2]['records']:,} → {rows[-1]['records']:,} (target ≤ 2.2×): {growth}.")
    return "\n".join(lines)


LATENCIES = ("query p50 ms", "query p95 ms", "faceted p95 ms", "engine p50 ms", "engine p95 ms", "voortoets p95 ms",
             "under writes p95 ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="25000,50000,100000,200000")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    for records in sizes:
        rows.append(run_size(records, args.procs))
        print(rows[-1], flush=True)
    figures = {f"{key} @{row['records']}": value for row in rows for key, value in row.items() if key != "records"}
    if len(rows) > 1:
        for key in LATENCIES:
            figures[f"growth {rows[-2]['records']}->{rows[-1]['records']}: {key}"] = round(
                rows[-1][key] / max(rows[-2][key], 1e-9), 2)
    print(markdown(rows))
    report(figures, "targets at 200,000: query p95 <= 50 ms, faceted p95 <= 75 ms, engine/fts5 <= 0.25, voortoets "
                    "p95 <= 150 ms, writes/quiet <= 1.2, reindex <= 120 s, worker RSS <= 1 GB, 4 workers <= 2.5 GB, "
                    "growth <= 2.2", "scale")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
