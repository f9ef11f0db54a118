"""The thread in each web process that carries out large imports. Every process may take a queued run;
the claim in the database lets exactly one have it, and a run whose process died (its heartbeat stopped)
is taken over by another — importing again is harmless, rows already written come out unchanged."""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from ...extensions import db

log = logging.getLogger(__name__)
INTERVAL = 2.0  # seconds between looks at the queue
QUIET = 60.0  # the same failure is logged at most once a minute (a database that is away, not migrated)


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
        from .run import work_once

        while True:
            self._event.wait(INTERVAL)
            self._event.clear()
            try:
                with self.app.app_context():
                    while work_once() is not None:
                        pass
            except Exception:  # noqa: BLE001 - a broken round is logged; the next one tries again
                if time.monotonic() - self._last_logged > QUIET:
                    self._last_logged = time.monotonic()
                    log.exception("background import failed (logged at most once a minute)")
                with self.app.app_context():
                    db.session.rollback()
            finally:
                with self.app.app_context():
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
