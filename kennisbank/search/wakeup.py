"""Waking an indexer as soon as any process commits a change.

On PostgreSQL a statement-level trigger on `search_changes` sends NOTIFY (migration 0005; delivered at
commit, collapsed to one per transaction, and never for a rollback), and each indexer LISTENs on its own
connection: a change on one host wakes the indexers of all hosts at once. Elsewhere (SQLite: one
machine) this process's own commits set an event; other processes' changes are found by the round every
`interval` seconds.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from ..extensions import db

log = logging.getLogger(__name__)
CHANNEL = "kennisbank_search_changes"  # the same name as in migrations/versions/0005_search_change_log.py


class Wakeup:
    def __init__(self, app: Flask):
        self.app = app
        self._event = threading.Event()
        self._listener = None
        with app.app_context():
            self._postgres = db.engine.dialect.name == "postgresql"

    def set(self) -> None:
        """This process committed a change."""
        self._event.set()

    def wait(self, timeout: float) -> None:
        """Until a change is committed anywhere (PostgreSQL) or here, or `timeout` seconds pass."""
        if self._postgres and not self._event.is_set():
            try:
                for _ in self._listen().notifies(timeout=timeout, stop_after=1):
                    pass
            except Exception as error:  # noqa: BLE001 - a lost connection: poll now, listen again next time
                log.warning("Listening for search changes failed (%r); polling until it works again", error)
                self._close()
                self._event.wait(timeout)
        else:
            self._event.wait(timeout)
        self._event.clear()

    def _listen(self):
        if self._listener is None:
            with self.app.app_context():
                pooled = db.engine.raw_connection()
            connection = pooled.driver_connection
            pooled.detach()  # ours for as long as the indexer runs, not the pool's
            connection.rollback()
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self._listener = connection
        return self._listener

    def _close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._listener = None
