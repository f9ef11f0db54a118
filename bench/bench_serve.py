"""The production server against the development server, in the same run: requests per second and p95
for a search, a project page and a save, with gunicorn (4 workers) and with `flask run`, on SQLite and on
PostgreSQL; and the memory of each gunicorn worker. Never part of CI:

    .venv/bin/python bench/bench_serve.py [--seconds 20] [--clients 8]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from corpus import REPO
from http_load import Client
from report import ms, pct, report

PY = sys.executable
KINDS = ("zoeken", "projectpagina", "opslaan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    subprocess.run([PY, "-m", "flask", "--app", "wsgi", *args], env=env, cwd=REPO, check=True, capture_output=True,
                   timeout=600)


def start(kind: str, env: dict, port: int) -> subprocess.Popen:
    if kind == "gunicorn":
        command = [PY, "-m", "flask", "--app", "wsgi", "kb", "serve"]
        env = dict(env, KENNISBANK_BIND=f"127.0.0.1:{port}", KENNISBANK_WORKERS="4")
    else:
        command = [PY, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load(base: str, seconds: float, clients: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one(n: int) -> None:
        client = Client(base, "daan.visser@rotterdam.example")
        while not client.login():
            time.sleep(0.2)
        round_ = 0
        while time.monotonic() < deadline:
            round_ += 1
            search = "/zoeken?" + urllib.parse.urlencode({"q": "verlichting"})
            for kind, call in (("zoeken", lambda: client.request(search)),
                               ("projectpagina", lambda: client.request("/projecten/1")),
                               ("opslaan", lambda: client.save_lesson(f"Meting {n}.{round_}"))):
                started = time.perf_counter()
                call()
                with lock:
                    times[kind].append(time.perf_counter() - started)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def worker_memory_mb(master: int) -> list[float]:
    pids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    out = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(round(int(line.split()[1]) / 1024, 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.postgres_server import PostgresServer

    server = PostgresServer().start()
    figures: dict = {"clients": args.clients, "seconds per run": args.seconds}
    try:
        for database in ("sqlite", "postgresql"):
            root = Path(tempfile.mkdtemp(prefix="kb-bench-serve-"))
            url = server.create_database("bench_serve") if database == "postgresql" else \
                f"sqlite:///{root / 'kennisbank.sqlite'}"
            env = dict(os.environ, KENNISBANK_DATABASE_URL=url, KENNISBANK_INSTANCE_DIR=str(root),
                       KENNISBANK_SECRET_KEY="bench-" + "x" * 40, KENNISBANK_ALLOW_SQLITE="true", PYTHONPATH=str(REPO))
            flask(env, "db", "upgrade")
            flask(env, "kb", "load-content", "--demo")
            for kind in ("flask run", "gunicorn"):
                port = free_port()
                process = start(kind, env, port)
                time.sleep(4)
                try:
                    times = load(f"http://127.0.0.1:{port}", args.seconds, args.clients)
                    memory = worker_memory_mb(process.pid) if kind == "gunicorn" else []
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                for name in KINDS:
                    got = times[name]
                    figures[f"{database}, {kind}, {name}: per s / p95 ms"] = \
                        f"{len(got) / args.seconds:.1f} / {ms(pct(got, 95))}"
                if memory:
                    figures[f"{database}, gunicorn worker RSS MB"] = memory
    finally:
        server.stop()
    report(figures, "(no targets: the ratio gunicorn / flask run on the same machine is the figure)", "serve")


if __name__ == "__main__":
    main()
