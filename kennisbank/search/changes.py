"""The append-only change log (`search_changes`): writing it, reading it in a safe order, pruning it.

A position is (xid, seq); every index keeps the position of the last change it applied (its cursor)
and reads the changes after it. Reading must never skip a change for good:

- PostgreSQL hands out sequence values before commit, so seq 11 can be visible while seq 10 is still
  in flight; and a transaction that took its id earlier can take its sequence value later. So rows are
  ordered by (transaction id, seq), and a reader takes only rows of transactions older than every
  running one (`xid < pg_snapshot_xmin(pg_current_snapshot())`): those are all finished, and every
  transaction still to commit has an id at or above that horizon, so it sorts after everything read.
- SQLite lets one transaction write at a time, so seq order is commit order; xid is 0 there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, literal_column, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..models import SearchChange, SearchChangeHorizon
from ..models.base import utcnow

Position = tuple[int, int]
START: Position = (0, 0)


@dataclass(frozen=True)
class Change:
    xid: int
    seq: int
    kind: str
    item_id: int
    settled: bool

    @property
    def position(self) -> Position:
        return (self.xid, self.seq)


def _is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"


# The oldest transaction still running; every transaction id below it has finished.
_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def _current_xid():
    # xid8 has no cast to bigint; through text it is exact (64-bit, never wraps around).
    return literal_column("pg_current_xact_id()::text::bigint")


def record(connection: Connection, rows: list[tuple[str, int]]) -> None:
    """Append (kind, id) rows in the caller's transaction: they commit or roll back with the change."""
    statement = insert(SearchChange)
    if _is_postgres(connection):
        statement = statement.values(xid=_current_xid())
    # On PostgreSQL a trigger on the table sends NOTIFY (migration 0005): every host's indexer wakes when,
    # and only if, this transaction commits.
    connection.execute(statement, [{"kind": kind, "item_id": item_id} for kind, item_id in rows])


def _after(position: Position):
    xid, seq = position
    return or_(SearchChange.xid > xid, and_(SearchChange.xid == xid, SearchChange.seq > seq))


def _at_or_before(position: Position):
    xid, seq = position
    return or_(SearchChange.xid < xid, and_(SearchChange.xid == xid, SearchChange.seq <= seq))


def _settled_expression(session: Session):
    """True for rows whose transaction has finished, and so sort before every change still to come."""
    if _is_postgres(session.get_bind()):
        return SearchChange.xid < literal_column(_XMIN)
    return true()


def read_after(session: Session, cursor: Position, limit: int) -> list[Change]:
    """The next committed changes after `cursor`, in log order, each marked settled or not.

    Settled rows come first (their transactions are older than every running one). A row that is
    visible but not yet settled is applied too — so a long transaction elsewhere does not hold back
    what others saved — but a cursor never moves past it: it is read (and applied, harmlessly) again
    until it settles.
    """
    settled = _settled_expression(session).label("settled")
    rows = session.execute(select(SearchChange.xid, SearchChange.seq, SearchChange.kind, SearchChange.item_id,
                                  settled).where(_after(cursor)).order_by(SearchChange.xid, SearchChange.seq)
                           .limit(limit))
    return [Change(int(r.xid), int(r.seq), r.kind, r.item_id, bool(r.settled)) for r in rows]


def advanced(cursor: Position, rows: list[Change]) -> Position:
    """The cursor after applying `rows`: the last settled one (settled rows lead the list)."""
    settled = [row.position for row in rows if row.settled]
    return settled[-1] if settled else cursor


def pending(session: Session, cursor: Position) -> int:
    """Committed changes after `cursor`, settled or not yet (what the index still has to apply)."""
    return session.scalar(select(func.count()).select_from(SearchChange).where(_after(cursor)))


def pending_keys(session: Session, cursor: Position) -> set[str]:
    rows = session.execute(select(SearchChange.kind, SearchChange.item_id).where(_after(cursor)).distinct())
    return {f"{kind}:{item_id}" for kind, item_id in rows}


def rebuild_start(session: Session) -> Position:
    """A cursor for an index about to be rebuilt from what the database holds now.

    Everything at or before it is finished and will be read by the rebuild; anything after it may or
    may not be, and is applied again afterwards (applying a change twice is harmless).
    """
    if _is_postgres(session.get_bind()):
        xmin = session.scalar(select(literal_column(_XMIN)))
        start = (int(xmin), 0)
    else:
        start = (0, int(session.scalar(select(func.coalesce(func.max(SearchChange.seq), 0)))))
    # A log pruned empty has no rows to take the position from: everything up to the horizon is settled.
    return max(start, horizon(session))


def horizon(session: Session) -> Position:
    """The newest position pruned from the log; a cursor before it has missed changes for good."""
    row = session.get(SearchChangeHorizon, 1)
    return (row.xid, row.seq) if row else START


def prune(session: Session, older_than: datetime) -> int:
    """Delete settled changes recorded before `older_than` (and any settled change ordered before
    them), and move the horizon. The caller commits."""
    old = select(SearchChange.xid, SearchChange.seq).where(SearchChange.created_at < older_than,
                                                           _settled_expression(session))
    newest = session.execute(old.order_by(SearchChange.xid.desc(), SearchChange.seq.desc()).limit(1)).first()
    if newest is None:
        return 0
    position = (int(newest.xid), int(newest.seq))
    removed = session.execute(delete(SearchChange).where(_at_or_before(position))).rowcount
    row = session.get(SearchChangeHorizon, 1)
    if row is None:
        session.add(SearchChangeHorizon(id=1, xid=position[0], seq=position[1]))
    elif (row.xid, row.seq) < position:
        row.xid, row.seq, row.pruned_at = position[0], position[1], utcnow()
    return removed
