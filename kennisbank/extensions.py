"""Flask extensions, created unbound so that create_app can attach them to any app."""
import sqlite3

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints: SQLite batch migrations and PostgreSQL need stable names to alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite (the embedded default) in write-ahead-log mode: readers never wait for a writer's commit,
    which matters once the web workers and the indexer share the file (a search during a commit waited
    for the lock). And read through a memory map: another process's commit makes SQLite drop a
    connection's own page cache, and the pages then come from the shared map instead of being read and
    copied again (under a commit per second, search p95 rose 1.3× without it). PostgreSQL needs nothing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA mmap_size=268435456")  # 256 MB of address space, not of memory


def bare_app(config: dict, instance_path: str) -> Flask:
    """Just enough of an app for a child process that only works in the database (an index builder, a
    background import): the parent's settings and the database, no blueprints and no threads."""
    app = Flask("kennisbank", instance_path=instance_path)
    app.config.update(config)
    db.init_app(app)
    return app
