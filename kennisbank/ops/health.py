"""Health checks: is the process alive, and can it serve (database, migrations, this host's index)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from ..config import REPO_ROOT
from ..extensions import db
from ..models import IndexReplica
from ..search import replicas


@dataclass
class Readiness:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_json(self) -> dict:
        return {"status": "ok" if self.ready else "niet gereed", "checks": self.checks}

    def public_json(self) -> dict:
        """For anyone: ready or not, and how far this host's index is behind — no host or index names, no
        paths, no error texts (those go to a caller with the metrics token)."""
        return {"status": "ok" if self.ready else "niet gereed",
                "achterstand": self.checks.get("index", {}).get("achterstand")}


@cache
def _migration_heads() -> tuple[str, ...]:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def _current_revisions(connection) -> tuple[str, ...]:
    """Read straight from Alembic's table (its MigrationContext logs a line on every call)."""
    if not inspect(connection).has_table("alembic_version"):
        return ()
    return tuple(sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()))


def readiness(app: Flask) -> Readiness:
    """Database reachable, migrations at head, and this host's index neither failing nor further behind
    than READY_MAX_LAG changes (a host still building its index does not take traffic yet)."""
    report = Readiness()
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = _current_revisions(connection)
    except Exception as error:  # noqa: BLE001 - whatever it is, the database cannot be used
        report.checks["database"] = {"ok": False, "fout": f"{type(error).__name__}: {error}"[:300]}
        return report
    report.checks["database"] = {"ok": True}
    heads = _migration_heads()
    report.checks["migrations"] = {"ok": current == heads, "huidig": list(current), "verwacht": list(heads)}
    if current == heads:  # before that, the index's tables may not even exist
        report.checks["index"] = _index(app)
    return report


def _index(app: Flask) -> dict:
    name = replicas.replica_name(app)
    with Session(db.engine) as session:
        try:
            state = replicas.local_state(app, session)
        except Exception as error:  # noqa: BLE001 - an unreadable index directory
            return {"ok": False, "naam": name, "fout": f"{type(error).__name__}: {error}"[:300]}
        row = session.scalar(select(IndexReplica).where(IndexReplica.name == name))
        limit = int(app.config["READY_MAX_LAG"])
        found = {"ok": not (row and row.error) and state.lag <= limit, "naam": name, "achterstand": state.lag,
                 "max_achterstand": limit, "documenten": state.documents}
        if row is not None:
            found["laatste_melding"] = row.heartbeat_at.isoformat() + "Z"
            found["indexer_actief"] = not replicas.is_stale(row)
            if row.error:
                found["fout"] = row.error
                found["fout_sinds"] = row.error_since.isoformat() + "Z" if row.error_since else None
    return found
