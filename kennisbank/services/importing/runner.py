"""Carrying out large imports outside the web process. A thread in each web process looks at the queue;
when a run waits, it starts a child process that checks or writes it and waits for that child. Reading a
25 MB spreadsheet takes hundreds of megabytes and seconds of CPU: in a child they are given back when it
ends and never hold the GIL of the process answering the pages.

Every process may take a queued run; the claim in the database lets exactly one have it, and a run whose
process died (its heartbeat stopped) is taken over by another — importing again is harmless, rows already
written come out unchanged."""
from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
import time

from flask import Flask

from ...extensions import bare_app, db

log = logging.getLogger(__name__)
INTERVAL = 2.0  # seconds between looks at the queue
QUIET = 60.0  # the same failure is logged at most once a minute (a database that is away, not migrated)
CLEAN_EVERY = 3600.0  # seconds between removals of uploads kept past IMPORT_KEEP_DAYS


class ImportRunner:
    def __init__(self, app: Flask):
        self.app = app
        self._event = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_logged = 0.0

    def wake(self) -> None:
        self._event.set()

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kennisbank-import", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        from .run import has_work, remove_old_files

        last_cleaned = 0.0
        while True:
            self._event.wait(INTERVAL)
            self._event.clear()
            try:
                with self.app.app_context():
                    if time.monotonic() - last_cleaned > CLEAN_EVERY:
                        last_cleaned = time.monotonic()
                        remove_old_files()
                        db.session.commit()
                    waiting = has_work()
                    db.session.remove()
                if waiting:
                    run_in_child(self.app)
            except Exception:  # noqa: BLE001 - a broken round is logged; the next one tries again
                if time.monotonic() - self._last_logged > QUIET:
                    self._last_logged = time.monotonic()
                    log.exception("background import failed (logged at most once a minute)")
                with self.app.app_context():
                    db.session.remove()


def child_config(app: Flask) -> dict:
    """The app's settings a child process needs to open the same database and index (what pickles)."""
    config = {}
    for name, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - a setting that is an object of this process stays here
            continue
        config[name] = value
    return config | {"IMPORT_RUNNER": False, "SEARCH_SYNC": "manual"}  # the child runs no threads of its own


def run_in_child(app: Flask) -> int:
    """Carry out every waiting run in a fresh Python process and wait for it; its exit code (0: done).

    A plain child interpreter (not multiprocessing's spawn, which runs the parent's main script again) that
    reads the settings from its standard input. When the web process stops, the child finishes the run it
    has; one killed with it stops beating, and another process takes the run over."""
    child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE)
    child.communicate(pickle.dumps((child_config(app), app.instance_path)))
    if child.returncode:
        log.error("background import process ended with exit code %s", child.returncode)
    return child.returncode


def work_in_child(config: dict, instance_path: str) -> None:
    from ...search import sync  # noqa: F401  (its flush hook logs every written row for the indexes)
    from .run import work_once

    app = bare_app(config, instance_path)
    with app.app_context():
        while work_once() is not None:
            pass
        db.session.remove()


def init_app(app: Flask) -> None:
    if not app.config["IMPORT_RUNNER"]:
        return
    runner = app.extensions["kennisbank_import_runner"] = ImportRunner(app)
    app.before_request(runner.ensure_started)


def wake(app: Flask) -> None:
    runner = app.extensions.get("kennisbank_import_runner")
    if runner is not None:
        runner.ensure_started()
        runner.wake()


if __name__ == "__main__":
    work_in_child(*pickle.load(sys.stdin.buffer))
