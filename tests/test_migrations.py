"""Migrations build the schema from nothing, and agree with the models — on SQLite and on PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from kennisbank.extensions import db

from .conftest import make_app, running


def drift(app) -> list:
    """Differences between the migrated database and the models (what `flask db check` reports)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_database_matches_models(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url)
    with running(app):
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert drift(app) == []


def test_downgrade_to_empty_and_upgrade_again(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url)
    with running(app):
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert drift(app) == []


def test_drift_check_can_fail(tmp_path):
    """The check itself works: a table the migrations do not know is reported."""
    app = make_app(tmp_path)
    with running(app):
        upgrade()
        from sqlalchemy import Column, Integer, Table

        extra = Table("not_migrated", db.metadata, Column("id", Integer, primary_key=True))
        try:
            assert any(diff[0] == "add_table" for diff in drift(app))
        finally:
            db.metadata.remove(extra)


@pytest.mark.parametrize("flavour", ["sqlite", "postgresql"])
def test_load_content_works_on_migrated_database(tmp_path, request, flavour):
    url = request.getfixturevalue("postgres_url") if flavour == "postgresql" else None
    app = make_app(tmp_path, url)
    runner = app.test_cli_runner()
    with running(app):
        upgrade()
        first = runner.invoke(args=["kb", "load-content", "--demo"])
        assert first.exit_code == 0, first.output
        assert "14 projecten" in first.output
        second = runner.invoke(args=["kb", "load-content", "--demo"])
        assert second.exit_code == 0
        assert "Aangemaakt: niets." in second.output


def test_upgrading_moves_kept_uploads_into_parts_and_chains_the_existing_audit_log(tmp_path, any_database_url):
    """Data written before 0016-0018 survives them: an import's file becomes its first part with its size,
    and the audit events already there start the chain, which the check then follows."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from kennisbank.services.access import audit

    app = make_app(tmp_path, any_database_url)
    with running(app):
        upgrade(revision="0015")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO import_runs (kind, file_name, content, mapping, defaults, "
                                    "translations, source, report, status, created, updated, unchanged, refused, "
                                    "problems, refused_csv, rows_total, rows_done, created_at) VALUES ('projecten', "
                                    "'oud.csv', :content, '{}', '{}', '{}', '', '{}', 'voorbeeld', 0, 0, 0, 0, '[]', "
                                    "'', 0, 0, '2026-01-01 10:00:00')"), {"content": b"Titel;Vraag\r\n"})
            for n in range(3):
                connection.execute(text("INSERT INTO audit_events (at, event, target, detail, remote_addr) VALUES "
                                        f"('2026-01-0{n + 1} 10:00:00', 'login', 'user:{n}', '', '')"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT size FROM import_runs")).scalar() == 13
            assert bytes(connection.execute(text("SELECT data FROM import_run_parts")).scalar()) == b"Titel;Vraag\r\n"
        check = audit.check()
        assert (check.events, check.problem) == (3, "")
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET target = 'user:9'"))
        db.session.remove()
