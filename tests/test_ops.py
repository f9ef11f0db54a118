"""Liveness and readiness: what the orchestrator (and an operator) sees, without logging in."""
from pathlib import Path

from flask_migrate import upgrade

from kennisbank.extensions import db as _db
from kennisbank.search import indexer, replicas

from .conftest import make_app, running


def test_healthz_answers_without_database_or_login(tmp_path):
    app = make_app(tmp_path, "postgresql+psycopg://nobody@/none?host=/nonexistent")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_checks_database_migrations_and_the_index(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url)
    with running(app):
        client = app.test_client()
        before = client.get("/readyz")
        assert before.status_code == 503 and before.get_json()["checks"]["migrations"]["ok"] is False
        upgrade()
        indexer.Indexer(app).round(wait=True)
        ready = client.get("/readyz")
        body = ready.get_json()
        assert ready.status_code == 200, body
        assert body["checks"]["index"] | {"laatste_melding": None} == {
            "ok": True, "naam": replicas.replica_name(app), "achterstand": 0, "documenten": 0,
            "indexer_actief": True, "laatste_melding": None}
        assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_after_an_index_was_damaged_rebuilds_and_is_ready_again(tmp_path):
    app = make_app(tmp_path)
    with running(app):
        upgrade()
        worker = indexer.Indexer(app)
        worker.round(wait=True)
        generation = next(Path(app.config["INDEX_DIR"]).glob("gen-*"))
        lock = generation / "MAIN_WRITELOCK"  # a directory where Whoosh's lock file must be: unusable
        lock.unlink(missing_ok=True)
        lock.mkdir()
        from kennisbank.services import users

        users.create_user("nieuw@gemeente.example", "Nieuw", "een-lang-wachtwoord")
        _db.session.commit()
        assert worker.round() == 1 and not worker.error  # rebuilt into a fresh generation by itself
        body = app.test_client().get("/readyz").get_json()
        assert body["status"] == "ok" and body["checks"]["index"]["documenten"] == 1


def test_unreachable_database_is_not_ready(tmp_path):
    app = make_app(tmp_path, "postgresql+psycopg://nobody@/none?host=/nonexistent&connect_timeout=1")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False
