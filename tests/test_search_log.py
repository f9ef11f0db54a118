"""The change log and the cursor, rule by rule at their boundaries: what is recorded, read, pruned,
and when an index must rebuild itself."""
from __future__ import annotations

import gc
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kennisbank.models import SearchChange
from kennisbank.models.base import utcnow
from kennisbank.search import changes, index, indexer, schema

from .conftest import make_app, running


@pytest.fixture
def any_app(tmp_path, any_database_url):
    from flask_migrate import upgrade

    app = make_app(tmp_path, any_database_url)
    with running(app):
        upgrade()
        yield app


_people = iter(range(1, 10**6))


def new_person():
    """A change in the log (a person document), on whichever database the test's app uses."""
    from kennisbank.extensions import db
    from kennisbank.services.access import users

    n = next(_people)
    user = users.create_user(f"persoon{n}@gemeente.example", f"Persoon {n}", "een-lang-wachtwoord")
    db.session.commit()
    return user


@pytest.fixture(autouse=True)
def _collect_after_the_app():
    """Set up before `app`, so torn down after it: what a test's app leaked (Whoosh's handles on a torn
    segment) is collected in that test, under its warning filter, not in a later one."""
    yield
    gc.collect()


def log_rows(db) -> list[SearchChange]:
    db.session.expire_all()
    return list(db.session.scalars(select(SearchChange).order_by(SearchChange.xid, SearchChange.seq)))


def test_a_commit_records_its_changes_and_a_rollback_records_none(db, make_user):
    from kennisbank.models import Lesson

    author = make_user()
    before = len(log_rows(db))
    db.session.add(Lesson(title="Teruggedraaid", kind="inzicht", advice="Advies.", author=author))
    db.session.flush()
    db.session.rollback()
    assert len(log_rows(db)) == before
    db.session.add(Lesson(title="Vastgelegd", kind="inzicht", advice="Advies.", author=author))
    db.session.commit()
    assert [(row.kind) for row in log_rows(db)[before:]] == ["lesson"]


def test_reading_is_never_consuming(app, db, make_lesson):
    make_lesson(title="Twee keer gelezen")
    with Session(db.engine) as session:
        first = changes.read_after(session, changes.START, 100)
        again = changes.read_after(session, changes.START, 100)
    assert first and first == again
    indexer.catch_up(app)
    assert len(log_rows(db)) == len(first)  # applying does not delete either


def test_prune_takes_exactly_what_is_older_than_the_boundary(any_app):
    from kennisbank.extensions import db

    new_person()  # one change
    old = (log_rows(db)[-1].xid, log_rows(db)[-1].seq)
    db.session.execute(SearchChange.__table__.update().where(SearchChange.seq == old[1])
                       .values(created_at=utcnow() - timedelta(days=30, seconds=1)))
    new_person()
    young = log_rows(db)[-1].seq
    db.session.commit()
    with Session(db.engine) as session:
        assert changes.prune(session, utcnow() - timedelta(days=30)) == 1
        session.commit()
        assert changes.horizon(session) == old
        assert changes.prune(session, utcnow() - timedelta(days=30)) == 0  # nothing more: horizon stays
        session.commit()
        assert changes.horizon(session) == old
    assert [row.seq for row in log_rows(db)] == [young]


def test_a_pruned_empty_log_never_hands_out_a_number_again(any_app):
    from kennisbank.extensions import db

    new_person()
    highest = log_rows(db)[-1].seq
    with Session(db.engine) as session:
        changes.prune(session, utcnow() + timedelta(seconds=5))
        session.commit()
    assert log_rows(db) == []
    new_person()
    assert log_rows(db)[-1].seq > highest


def test_an_index_whose_cursor_was_pruned_away_rebuilds(any_app):
    from kennisbank.extensions import db

    indexer.catch_up(any_app)
    root = Path(any_app.config["INDEX_DIR"])
    generation = index.current_generation(root)
    missed = new_person()
    with Session(db.engine) as session:
        changes.prune(session, utcnow() + timedelta(seconds=5))
        session.commit()
        assert changes.horizon(session) > index.read_cursor(generation)
    indexer.catch_up(any_app)
    assert index.current_generation(root) != generation
    with index.open_index(root).searcher() as searcher:
        assert f"person:{missed.id}" in {fields["key"] for fields in searcher.all_stored_fields()}


def test_an_index_exactly_at_the_horizon_does_not_rebuild(app, db, make_user):
    make_user()
    indexer.catch_up(app)  # built: the cursor is where the rebuild began
    make_user()
    indexer.catch_up(app)  # applied: the cursor is exactly that change's position
    root = Path(app.config["INDEX_DIR"])
    generation = index.current_generation(root)
    with Session(db.engine) as session:
        changes.prune(session, utcnow() + timedelta(seconds=5))  # exactly up to what the index applied
        session.commit()
        assert changes.horizon(session) == index.read_cursor(generation)
    make_user()
    assert indexer.catch_up(app) == 1
    assert index.current_generation(root) == generation


def test_the_cursor_belongs_to_the_commit_that_is_visible(app, db, make_user):
    """A cursor written for a commit that never happened (a crash between the two) is ignored."""
    make_user()
    indexer.catch_up(app)
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    committed = index.read_cursor(generation)
    latest = index.open_generation(generation).latest_generation()
    (generation / f"{index.CURSOR_PREFIX}{latest + 1}").write_text(
        json.dumps({"xid": 0, "seq": 10**9, "schema": schema.SCHEMA_VERSION}))
    assert index.read_cursor(generation) == committed
    make_user()
    assert indexer.catch_up(app) == 1  # applied from the real cursor, not skipped past


def test_an_index_of_another_schema_version_rebuilds(app, db, make_user, monkeypatch):
    make_user()
    indexer.catch_up(app)
    root = Path(app.config["INDEX_DIR"])
    generation = index.current_generation(root)
    monkeypatch.setattr(index, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    assert index.read_cursor(generation) is None
    indexer.catch_up(app)
    assert index.current_generation(root) != generation and index.read_cursor(index.current_generation(root))


def test_idle_rounds_leave_no_files_behind(app, db, make_user):
    make_user()
    indexer.catch_up(app)
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    files = sorted(p.name for p in generation.iterdir())
    for _ in range(5):
        assert indexer.catch_up(app) == 0
    assert sorted(p.name for p in generation.iterdir()) == files


def test_postgres_reads_only_settled_changes_as_the_cursor(tmp_path, postgres_url):
    """Rows of a transaction still running are not settled; rows after them may be applied, but the
    cursor never moves past the running one."""
    from flask_migrate import upgrade

    from kennisbank.extensions import db
    from kennisbank.models import Lesson
    from kennisbank.services.access import users

    app = make_app(tmp_path, postgres_url)
    with running(app):
        upgrade()
        author = users.create_user("a@gemeente.example", "A", "een-lang-wachtwoord")
        db.session.commit()
        indexer.catch_up(app)
        cursor = index.read_cursor(index.current_generation(Path(app.config["INDEX_DIR"])))
        held = Session(db.engine)
        held.add(Lesson(title="Open", kind="inzicht", advice="Advies.", author_id=author.id))
        held.flush()
        try:
            db.session.add(Lesson(title="Dicht", kind="inzicht", advice="Advies.", author_id=author.id))
            db.session.commit()
            with Session(db.engine) as reader:
                rows = changes.read_after(reader, cursor, 100)
                assert [row.settled for row in rows] == [False]  # the held one is not visible at all
                assert changes.advanced(cursor, rows) == cursor
                with Session(db.engine) as pruner:  # unsettled rows are never pruned, however old
                    assert changes.prune(pruner, utcnow() + timedelta(days=1)) == 1  # the settled person row
                    left = pruner.scalars(select(SearchChange.seq)).all()
                    assert left == [rows[0].seq] and changes.horizon(pruner) < rows[0].position
                    pruner.rollback()
            held.commit()
            with Session(db.engine) as reader:
                rows = changes.read_after(reader, cursor, 100)
                assert [row.settled for row in rows] == [True, True]
                assert changes.advanced(cursor, rows) == rows[-1].position
                assert rows[0].position < rows[1].position and rows[0].xid < rows[1].xid
        finally:
            held.close()
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == 2


def test_postgres_wakes_every_indexer_on_commit_and_never_on_rollback(tmp_path, postgres_url):
    import threading

    from flask_migrate import upgrade

    from kennisbank.extensions import db
    from kennisbank.models import Lesson
    from kennisbank.search.wakeup import Wakeup

    app = make_app(tmp_path, postgres_url)
    with running(app):
        upgrade()
        author = new_person()
        wakeup = Wakeup(app)
        wakeup.wait(0)  # starts listening
        listener = wakeup._listener
        db.session.add(Lesson(title="Teruggedraaid", kind="inzicht", advice="Advies.", author_id=author.id))
        db.session.flush()
        db.session.rollback()
        assert list(listener.notifies(timeout=0.5, stop_after=1)) == []
        def commit_elsewhere():
            with app.app_context():
                new_person()
                db.session.remove()

        committer = threading.Thread(target=commit_elsewhere)
        committer.start()
        notes = list(listener.notifies(timeout=10, stop_after=1))
        committer.join()
        assert [note.channel for note in notes] == ["kennisbank_search_changes"]
        wakeup._close()


def test_a_round_leaves_a_rebuild_to_the_process_already_doing_it(app, db, make_user):
    """Another process of this host holds the rebuild lock: this round neither waits nor loops."""
    import subprocess
    import sys

    root = Path(app.config["INDEX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'w'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('vast', flush=True); time.sleep(60)",
                               str(root / ".rebuild.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "vast"
        make_user()
        assert indexer.catch_up(app) == 0
        assert index.read_cursor(index.current_generation(root)) is None  # not rebuilt by us
    finally:
        holder.kill()
        holder.communicate()
    assert indexer.catch_up(app) == 1 and index.read_cursor(index.current_generation(root)) is not None


def test_a_change_logs_the_item_and_what_depends_on_it_and_wakes_this_hosts_indexer(app, db, make_user,
                                                                                     make_theme, make_lesson):
    from kennisbank.search import sync

    woken = []

    class Indexer:
        def wake(self):
            woken.append(1)

    app.extensions["kennisbank_indexer"] = Indexer()
    theme = make_theme(name="Energie")
    lesson = make_lesson(themes=[theme])
    woken.clear()
    before = len(log_rows(db))
    theme.name = "Energie en warmte"  # a lesson's document shows its themes' names
    db.session.commit()
    assert {(row.kind, row.item_id) for row in log_rows(db)[before:]} >= {("theme", theme.id),
                                                                         ("lesson", lesson.id)}
    assert woken == [1]
    db.session.commit()  # nothing changed: nobody is woken
    assert woken == [1]
    sync.mark("lesson", lesson.id)
    db.session.rollback()  # a rolled-back mark wakes nobody, and a later empty commit neither
    db.session.commit()
    assert woken == [1]
    sync.mark("lesson", lesson.id)
    db.session.commit()
    assert woken == [1, 1] and (log_rows(db)[-1].kind, log_rows(db)[-1].item_id) == ("lesson", lesson.id)


@pytest.mark.parametrize("days, accepted", [("0", 0.0), ("7.5", 7.5), ("99999", 99999.0), ("100000", None),
                                            ("-0.1", None), ("", None), ("nooit", None)])
def test_the_log_retention_is_a_number_of_days_at_start(tmp_path, days, accepted):
    from kennisbank import create_app

    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k",
              "SEARCH_SYNC": "manual", "SEARCH_LOG_RETENTION_DAYS": days}
    if accepted is None:
        with pytest.raises(ValueError) as refused:
            create_app(config, instance_path=str(tmp_path / "instance"))
        assert str(refused.value) == ("KENNISBANK_SEARCH_LOG_RETENTION_DAYS moet een aantal dagen zijn (0 of meer), "
                                      f"niet '{days}'.")
    else:
        assert create_app(config, instance_path=str(tmp_path / "instance")).config[
            "SEARCH_LOG_RETENTION_DAYS"] == accepted


@pytest.mark.parametrize("mode, runs_a_thread", [("background", True), ("worker", False), ("manual", False)])
def test_only_background_mode_gives_this_process_an_indexer(tmp_path, mode, runs_a_thread):
    from kennisbank import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k",
                      "SEARCH_SYNC": mode}, instance_path=str(tmp_path / "instance"))
    assert ("kennisbank_indexer" in app.extensions) is runs_a_thread
    if not runs_a_thread:
        with pytest.raises(ValueError) as refused:
            create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.sqlite'}", "SECRET_KEY": "k",
                        "SEARCH_SYNC": mode + "x"}, instance_path=str(tmp_path / "instance"))
        assert str(refused.value) == (f"KENNISBANK_SEARCH_SYNC moet een van background, worker, manual zijn, niet "
                                      f"'{mode}x'.")


def test_in_background_mode_the_first_request_starts_the_indexer_and_a_save_becomes_findable(tmp_path):
    import time

    from kennisbank import create_app
    from kennisbank.extensions import db as database
    from kennisbank.models import Lesson, LessonKind, User
    from kennisbank.services.finding import search

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.sqlite'}", "SECRET_KEY": "k",
                      "SEARCH_SYNC": "background", "INDEX_DIR": str(tmp_path / "index"),
                      "WTF_CSRF_ENABLED": False}, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        database.create_all()
    background = app.extensions["kennisbank_indexer"]
    assert background._thread is None  # importing or creating the app starts nothing
    app.test_client().get("/healthz")
    assert background._thread.is_alive() and background.indexer.app is app
    with app.app_context():
        reader = User(email="lezer@gemeente.example", name="Lezer", password_hash="x")
        database.session.add(Lesson(title="Kwallentelling in de gracht", kind=LessonKind.INSIGHT, advice="-",
                                    author=reader))
        database.session.commit()
        deadline = time.monotonic() + 20
        while not search.search(reader, "kwallentelling").total and time.monotonic() < deadline:
            time.sleep(0.2)
        assert search.search(reader, "kwallentelling").total == 1


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # Whoosh's handles on bad files
def test_an_index_whose_segments_are_damaged_is_rebuilt_within_a_few_rounds(app, db, make_user, caplog):
    import logging

    from kennisbank.search import rebuild

    # The indexer logs each failure with its traceback; a captured record would keep Whoosh's leaked file
    # handle alive into the next test.
    caplog.set_level(logging.CRITICAL, logger="kennisbank.search.indexer")
    make_user()
    worker = indexer.Indexer(app)
    worker.round(wait=True)
    root = Path(app.config["INDEX_DIR"])
    generation = index.current_generation(root)
    torn = [path for path in generation.glob("MAIN_*") if path.suffix in (".trm", ".pst", ".seg")]
    assert torn
    for segment in torn:  # a segment's terms and postings (or its compound file), torn mid-write
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    added = make_user()
    for _ in range(4):  # three failed rounds, then a rebuild
        worker.round()
    assert index.current_generation(root) != generation and not worker.error
    found = rebuild.check(app)
    assert found.lag == 0 and found.drift == [] and f"person:{added.id}" not in found.missing
    gc.collect()  # Whoosh's handles on the torn file go now, under this test's warning filter
