"""The table of index replicas: every index directory reports its cursor, size, lag and last error, so
anyone (search-check, readiness, an operator with SQL) sees how far each host is behind."""
from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import IndexReplica
from ..models.base import utcnow
from . import changes, index

STALE_AFTER_SECONDS = 120  # no heartbeat for this long: the replica's indexer is not running


def replica_name(app: Flask) -> str:
    """This index's name: KENNISBANK_INDEX_NAME, or host name and index directory."""
    return app.config.get("INDEX_NAME") or f"{socket.gethostname()}:{Path(app.config['INDEX_DIR']).resolve()}"


@dataclass
class LocalState:
    """This host's index as it is now: its cursor, its documents, and the changes it still has to apply."""

    cursor: changes.Position | None
    documents: int
    lag: int


def local_state(app: Flask, session: Session) -> LocalState:
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    cursor = index.read_cursor(generation)
    try:
        documents = index.open_generation(generation).doc_count()
    except Exception:  # noqa: BLE001 - a damaged index counts as empty; the indexer rebuilds it
        documents = 0
    return LocalState(cursor, documents, changes.pending(session, cursor or changes.START))


def report(app: Flask, *, error: str) -> None:
    """Write this index's row (a heartbeat, also when nothing changed)."""
    name = replica_name(app)
    with app.app_context(), Session(db.engine) as session:
        state = local_state(app, session)
        row = session.scalar(select(IndexReplica).where(IndexReplica.name == name))
        if row is None:
            row = IndexReplica(name=name)
            session.add(row)
        row.cursor_xid, row.cursor_seq = state.cursor or changes.START
        row.documents, row.lag, row.heartbeat_at = state.documents, state.lag, utcnow()
        if error and not row.error:
            row.error_since = utcnow()
        elif not error:
            row.error_since = None
        row.error = error[:2000]
        try:
            session.commit()
        except IntegrityError:  # two processes of one host reported the same new replica at once
            session.rollback()


def all_replicas(session: Session) -> list[IndexReplica]:
    return list(session.scalars(select(IndexReplica).order_by(IndexReplica.name)))


def is_stale(replica: IndexReplica, now: datetime | None = None) -> bool:
    return ((now or utcnow()) - replica.heartbeat_at).total_seconds() > STALE_AFTER_SECONDS
