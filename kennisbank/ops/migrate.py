"""`flask kb migrate`: bring the database to the newest revision, safely from several hosts at once.

On PostgreSQL the upgrade runs under an advisory lock held on a connection of its own, so when every host
runs it on start, one migrates and the others wait and then find nothing left to do. Running it twice
changes nothing.
"""
from __future__ import annotations

from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from ..extensions import db

LOCK_KEY = 7_245_031_112  # any constant: the same number on every host means "the kennisbank migration"


def current_revisions() -> tuple[str, ...]:
    with db.engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def migrate() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Upgrade to head; returns the revisions before and after."""
    if db.engine.dialect.name != "postgresql":
        before = current_revisions()
        upgrade()
        return before, current_revisions()
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        try:
            before = current_revisions()
            upgrade()
            return before, current_revisions()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            connection.commit()
