"""Search under faults, as a municipality would run it: gunicorn with 4 workers on the demo content, 12
clients searching, opening the voortoets panel and the people finder and writing lessons, while a
worker is killed with SIGKILL every 10 seconds; then 30 quiet seconds. Never part of CI:

    .venv/bin/python bench/bench_faults.py [--database postgresql|sqlite] [--sync worker|background]

Prints the answers per status code during the faults and after them (a 0 is a connection the killed
worker dropped), and the lag and drift `kb search-check` reports at the end (drift compares every row
in the database with the index: a saved lesson that never reached it would show). Expected: no 5xx at
all; only the killed worker's own in-flight requests drop.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from corpus import REPO
from http_load import run as load

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([PY, "-m", "flask", "--app", "wsgi", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    return done.stdout + done.stderr


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sync", choices=["worker", "background"], default="worker")
    parser.add_argument("--faults", type=float, default=60)
    parser.add_argument("--quiet", type=float, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kb-bench-faults-"))
    server = None
    if args.database == "postgresql":
        sys.path.insert(0, str(REPO))
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
        url = server.create_database("bench_faults")
    else:
        url = f"sqlite:///{root / 'kennisbank.sqlite'}"
    env = dict(os.environ, KENNISBANK_DATABASE_URL=url, KENNISBANK_INSTANCE_DIR=str(root),
               KENNISBANK_SECRET_KEY="bench", KENNISBANK_SEARCH_SYNC=args.sync, PYTHONPATH=str(REPO))
    processes = []
    try:
        flask(env, "db", "upgrade")
        print(flask(env, "kb", "load-content", "--demo").strip().splitlines()[-1])
        if args.sync == "worker":
            processes.append(subprocess.Popen([PY, "-m", "flask", "--app", "wsgi", "kb", "index-worker"], env=env,
                                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        port = free_port()
        gunicorn = subprocess.Popen([PY, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"], env=env,
                                    cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(root / "gunicorn.log", "w"))
        processes.append(gunicorn)
        time.sleep(3)
        base = f"http://127.0.0.1:{port}"
        kills = []

        def killer():
            deadline = time.monotonic() + args.faults
            while time.monotonic() < deadline - 10:
                time.sleep(10)
                victims = workers_of(gunicorn.pid)
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    kills.append(victims[0])

        thread = threading.Thread(target=killer)
        thread.start()
        during = load(base, args.faults, 12)
        thread.join()
        after = load(base, args.quiet, 12)
        time.sleep(3)  # the last saves reach the index
        print(f"database {args.database}, index sync {args.sync}, {len(kills)} workers killed with SIGKILL")
        for label, counts in (("during faults", during), ("after faults", after)):
            for kind, counter in counts.items():
                print(f"  {label:13} {kind:8} {dict(sorted(counter.items()))}")
        errors = sum(n for counts in (during, after) for c in counts.values() for s, n in c.items() if s >= 500)
        print(f"5xx answers in all: {errors}")
        print(flask(env, "kb", "search-check").strip())
        tracebacks = (root / "gunicorn.log").read_text().count("Traceback")
        print(f"tracebacks in the server log: {tracebacks}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
