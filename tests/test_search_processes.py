"""The index under real concurrency and faults: separate OS processes (and SIGKILL), a shared database
(SQLite file and the real PostgreSQL server), one or two index directories."""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from kennisbank.extensions import db as _db
from kennisbank.models import Lesson, LessonKind, Project
from kennisbank.search import index, indexer, rebuild, source
from kennisbank.services.access import users
from kennisbank.services.finding import search
from kennisbank.services.registry import lessons

from .conftest import REPO, csrf_token, make_app, running

SCRIPTS = Path(__file__).parent / "scripts"
AUTHOR = "auteur@gemeente.example"


@dataclass
class Shared:
    app: object
    env: dict
    tmp_path: Path
    database_url: str

    def spawn(self, script: str, *args: str, index_dir: Path | None = None, **extra_env) -> subprocess.Popen:
        env = dict(self.env, **extra_env)
        if index_dir is not None:
            env["KENNISBANK_INDEX_DIR"] = str(index_dir)
        command = [sys.executable, str(SCRIPTS / script), *args] if script.endswith(".py") else \
            [sys.executable, "-m", "flask", "--app", "wsgi", *script.split(), *args]
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)


def _environment(app, tmp_path: Path) -> dict:
    return dict(os.environ, KENNISBANK_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                KENNISBANK_INDEX_DIR=app.config["INDEX_DIR"], KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"),
                KENNISBANK_SECRET_KEY="test", PYTHONPATH=str(REPO))


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request, tmp_path):
    """An app on a database and index that other processes open too."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = make_app(tmp_path, url)
    with running(app):
        upgrade()
        users.create_user(AUTHOR, "Auteur", "een-lang-wachtwoord")
        _db.session.commit()
        indexer.catch_up(app)
        yield Shared(app, _environment(app, tmp_path), tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture
def on_postgres(request, tmp_path):
    """Like `shared`, on PostgreSQL only (what several hosts share)."""
    app = make_app(tmp_path, request.getfixturevalue("postgres_url"))
    with running(app):
        upgrade()
        users.create_user(AUTHOR, "Auteur", "een-lang-wachtwoord")
        _db.session.commit()
        yield Shared(app, _environment(app, tmp_path), tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])


@contextmanager
def other_host(shared: Shared, name: str):
    """A second app with its own index directory over the same database (in this process)."""
    app = make_app(shared.tmp_path / name, shared.database_url, INDEX_DIR=str(shared.tmp_path / f"host-{name}"))
    try:
        yield app
    finally:
        with app.app_context():
            _db.engine.dispose()


def author():
    return users.find_by_email(AUTHOR)


def save_lessons(prefix: str, count: int) -> list[Lesson]:
    saved = []
    for n in range(count):
        saved.append(lessons.create_lesson(lessons.LessonInput(title=f"{prefix} {n}", kind=LessonKind.INSIGHT,
                                                               advice="Advies."), author()))
        _db.session.commit()
    return saved


def lesson_count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(Lesson))


def documents_in(index_dir: Path) -> set[str]:
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(index.current_generation(index_dir)).searcher() as searcher:
        return {fields["key"] for fields in searcher.all_stored_fields()}


def expected_keys() -> set[str]:
    _db.session.expire_all()
    found = {f"lesson:{i}" for i in _db.session.scalars(select(Lesson.id))}
    from kennisbank.models import User

    return found | {f"person:{i}" for i in _db.session.scalars(select(User.id))}


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> tuple[str, str]:
    process.send_signal(sig)
    return process.communicate(timeout=30)


# Searchers that heal -----------------------------------------------------------------------------------

def test_searches_never_fail_while_another_process_commits_merges_and_rebuilds(shared, tmp_path):
    """Driven by counts, not by the clock: the searchers run from before the first commit until after the
    last rebuild, however slow the machine is."""
    save_lessons("Slimme verlichting", 20)
    indexer.catch_up(shared.app)
    stop = tmp_path / "stop"
    searchers = [shared.spawn("search_loop.py", str(stop), "60", AUTHOR) for _ in range(3)]
    for process in searchers:
        assert process.stdout.readline().strip() == "klaar om te zoeken", process.stderr.read()
    churn = shared.spawn("churn_index.py", "6", AUTHOR)
    churned, errors = churn.communicate(timeout=600)
    stop.touch()
    assert churn.returncode == 0, errors
    assert json.loads(churned) == {"commits": 6, "merges": 60, "rebuilds": 2}  # the faults really happened
    for process in searchers:
        out, err = process.communicate(timeout=360)
        assert process.returncode == 0, err
        result = json.loads(out)
        assert result["failed"] == 0, result["failures"]
        assert result["ok"] >= 60


def test_a_second_failure_is_a_dutch_503_and_the_worker_recovers(app, db, client, auth, make_user, make_lesson):
    from kennisbank.search import index as search_index

    make_user(email="zoeker@gemeente.example")
    make_lesson(title="Verlichting in de wijk")
    indexer.catch_up(app)
    auth.login("zoeker@gemeente.example")
    root = Path(app.config["INDEX_DIR"])
    working = search_index.current_generation(root)
    search_index.set_current(root, root / "gen-99")  # a generation that vanished: every open fails
    page = client.get("/zoeken?q=verlichting")
    assert page.status_code == 503 and "Zoeken is even niet beschikbaar" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "30"
    api = client.get("/api/v1/zoeken?q=verlichting")
    assert api.status_code == 503 and "Zoeken is even niet beschikbaar" in api.get_json()["fout"]
    assert client.get("/mensen/?q=verlichting").status_code == 503
    panel = client.get("/projecten/vergelijkbaar?titel=Slimme+verlichting&vraag=Hoe+verlichten+we+de+wijk")
    assert panel.status_code == 200 and "Zoeken is even niet beschikbaar" in panel.get_data(as_text=True)
    typed = {"csrf_token": csrf_token(client, "/projecten/nieuw"), "title": "Slimme verlichting in Zwolle",
             "question": "Hoe verlichten we de wijk zuiniger?", "municipality": "Zwolle", "stage": "verkenning",
             "version": "0"}
    refused = client.post("/projecten/nieuw", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "het concept is nog niet opgeslagen" in html.lower()
    assert "Slimme verlichting in Zwolle" in html and "Hoe verlichten we de wijk zuiniger?" in html
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0
    search_index.set_current(root, working)
    assert "Verlichting in de wijk" in client.get("/zoeken?q=verlichting").get_data(as_text=True)


def test_a_searcher_broken_by_another_process_is_dropped_and_reopened(app, db, make_user, make_lesson, tmp_path):
    """One failure (here: the searcher's readers were closed under it) costs a retry, not an error."""
    viewer = make_user()
    make_lesson(title="Verlichting in de wijk")
    indexer.catch_up(app)
    from kennisbank.search import engine

    broken = engine.searchers().get()
    broken.close()  # what a failed refresh leaves behind: ReaderClosed on every use
    assert search.search(viewer, "verlichting").total == 1
    assert engine.searchers().get() is not broken


# Nothing lost when a process dies ---------------------------------------------------------------------

def test_indexer_killed_in_the_middle_of_a_batch_loses_nothing(shared):
    app = shared.app
    for n in range(150):
        _db.session.add(Lesson(title=f"Les {n}", kind="mislukking", advice="Advies.", author=author()))
    _db.session.commit()
    root = Path(app.config["INDEX_DIR"])
    cursor_before = index.read_cursor(index.current_generation(root))
    with shared.spawn("slow_indexer.py") as process:
        assert process.stdout.readline().strip() == "begonnen"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert index.read_cursor(index.current_generation(root)) == cursor_before  # the batch never committed
    assert rebuild.check(app).lag >= 150
    assert indexer.catch_up(app, wait=True) >= 150  # the lock died with the process; the next round completes
    found = rebuild.check(app)
    assert found.lag == 0 and found.drift == []
    assert search.search(author(), "les", facet_filters={"type": "lesson"}).total == 150


def test_web_worker_killed_in_the_middle_of_saving_loses_nothing(shared):
    with shared.spawn("save_lessons.py", "Gered", "100000", AUTHOR, "0") as worker:
        for _ in range(40):
            assert worker.stdout.readline().startswith("opgeslagen")
        worker.send_signal(signal.SIGKILL)  # somewhere in the next save, or in its own indexer
        worker.communicate(timeout=30)
    saved = lesson_count()
    assert saved >= 40
    indexer.catch_up(shared.app, wait=True)
    assert documents_in(Path(shared.app.config["INDEX_DIR"])) == expected_keys()
    assert search.search(author(), "gered", facet_filters={"type": "lesson"}).total == saved


def test_two_processes_saving_at_once_lose_no_update(shared):
    processes = [shared.spawn("save_lessons.py", prefix, "25", AUTHOR, "4") for prefix in ("Eerste", "Tweede")]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert lesson_count() == 50
    # Both processes' own background indexers applied everything; nobody had to help.
    found = rebuild.check(shared.app)
    assert found.lag == 0 and found.drift == [], found


# Several hosts ---------------------------------------------------------------------------------------

def test_two_indexes_each_reach_every_change_and_a_stopped_one_catches_up(on_postgres):
    host_a, host_b = on_postgres.tmp_path / "host-a", on_postgres.tmp_path / "host-b"
    workers = {name: on_postgres.spawn("kb index-worker", "--interval", "0.2", index_dir=path,
                                       KENNISBANK_INDEX_NAME=name) for name, path in (("a", host_a), ("b", host_b))}
    try:
        save_lessons("Gedeeld", 30)
        for path in (host_a, host_b):
            assert wait_for(lambda path=path: documents_in(path) == expected_keys()), path
        stop(workers.pop("b"))
        save_lessons("Terwijl b uit stond", 200)
        assert wait_for(lambda: documents_in(host_a) == expected_keys())
        assert len(documents_in(host_b)) < len(expected_keys())  # b really missed them
        workers["b"] = on_postgres.spawn("kb index-worker", "--interval", "0.2", index_dir=host_b,
                                         KENNISBANK_INDEX_NAME="b")
        assert wait_for(lambda: documents_in(host_b) == expected_keys())
        assert wait_for(lambda: {r.name: r.lag for r in _replicas()} == {"a": 0, "b": 0})
    finally:
        for process in workers.values():
            stop(process)


def test_a_host_whose_cursor_was_pruned_away_rebuilds_by_itself(on_postgres):
    host_a, host_b = on_postgres.tmp_path / "host-a", on_postgres.tmp_path / "host-b"
    save_lessons("Oud", 5)
    with other_host(on_postgres, "b") as app_b:
        indexer.catch_up(app_b, wait=True)
    generation_before = index.current_generation(host_b)
    save_lessons("Gemist", 200)
    # Host a keeps the log for no time at all: its indexer prunes what b never saw.
    worker_a = on_postgres.spawn("kb index-worker", "--once", index_dir=host_a,
                                 KENNISBANK_SEARCH_LOG_RETENTION_DAYS="0")
    out, err = worker_a.communicate(timeout=60)
    assert worker_a.returncode == 0, err
    from kennisbank.search import changes

    assert changes.horizon(_db.session) > index.read_cursor(generation_before)
    worker_b = on_postgres.spawn("kb index-worker", "--once", index_dir=host_b)
    out, err = worker_b.communicate(timeout=60)
    assert worker_b.returncode == 0, err
    assert index.current_generation(host_b) != generation_before  # a fresh generation, not patched up
    assert documents_in(host_b) == expected_keys()


def test_a_transaction_held_open_while_later_ones_commit_still_reaches_every_index(on_postgres):
    """PostgreSQL hands out sequence values before commit: the held transaction's change has a lower
    seq than the ones that commit first, and must not be skipped by any index."""
    with other_host(on_postgres, "b") as app_b:
        _held_open_transaction(on_postgres, app_b)


def _held_open_transaction(on_postgres: Shared, app_b) -> None:
    from sqlalchemy.orm import Session

    for app in (on_postgres.app, app_b):
        indexer.catch_up(app, wait=True)
    held = Session(_db.engine)
    held.add(Lesson(title="Lang open gehouden", kind="inzicht", advice="Advies.", author_id=author().id))
    held.flush()  # its change row and sequence value exist now, uncommitted
    try:
        save_lessons("Later vastgelegd", 3)
        for app in (on_postgres.app, app_b):
            indexer.catch_up(app, wait=True)  # what others saved is not held back by the open transaction
            assert len(documents_in(Path(app.config["INDEX_DIR"]))) == len(expected_keys())
        held.commit()
    finally:
        held.close()
    for app in (on_postgres.app, app_b):
        path = Path(app.config["INDEX_DIR"])
        indexer.catch_up(app, wait=True)
        assert documents_in(path) == expected_keys(), path
    assert search.search(author(), "lang open gehouden").total == 1


def _replicas():
    from sqlalchemy.orm import Session

    from kennisbank.search import replicas

    with Session(_db.engine) as session:
        rows = replicas.all_replicas(session)
        session.expunge_all()
    return rows


# Bad input and faults ----------------------------------------------------------------------------------

def test_log_rows_for_unknown_kinds_or_deleted_items_remove_documents(app, db, make_lesson):
    from kennisbank.search import changes

    lesson = make_lesson(title="Verdwijnt")
    indexer.catch_up(app)
    db.session.delete(lesson)
    changes.record(db.session.connection(), [("onbekend", 1), ("lesson", 999_999)])
    db.session.commit()
    indexer.catch_up(app)
    assert f"lesson:{lesson.id}" not in documents_in(Path(app.config["INDEX_DIR"]))
    assert rebuild.check(app).lag == 0


# Whoosh leaves the file handle of a TOC it cannot unpickle open (its bug, not ours to close).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_corrupt_index_directory_is_rebuilt(app, db, make_user, make_lesson):
    viewer = make_user()
    make_lesson(title="Verlichting na herstel")
    indexer.catch_up(app)
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    for toc in generation.glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00kapot" * 50)
    make_lesson(title="Nog een les")
    indexer.catch_up(app)
    assert index.current_generation(Path(app.config["INDEX_DIR"])) != generation
    assert search.search(viewer, "verlichting").total == 1 and rebuild.check(app).drift == []
    gc.collect()  # Whoosh's handles on the garbage TOC go now, under this test's warning filter


def test_an_indexer_that_cannot_write_reports_it_and_keeps_its_cursor(on_postgres):
    """A full disk, simulated for real: the worker process may not write files larger than 0 bytes."""
    host = on_postgres.tmp_path / "host-vol"
    with other_host(on_postgres, "vol") as app:
        indexer.catch_up(app, wait=True)
    cursor = index.read_cursor(index.current_generation(host))
    save_lessons("Past niet", 5)
    full = subprocess.Popen(
        [sys.executable, "-c", "import resource, signal, runpy, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
         "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)); sys.argv = ['flask', '--app', 'wsgi', 'kb', "
         "'index-worker', '--interval', '0.2']; runpy.run_module('flask', run_name='__main__')"],
        env=dict(on_postgres.env, KENNISBANK_INDEX_DIR=str(host), KENNISBANK_INDEX_NAME="vol"), cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: any(r.name == "vol" and r.error for r in _replicas()))
        with other_host(on_postgres, "vol") as app:
            app.config.update(INDEX_NAME="vol", METRICS_TOKEN="metriek-token")
            ready = app.test_client().get("/readyz", headers={"Authorization": "Bearer metriek-token"})
        assert ready.status_code == 503 and "File too large" in ready.get_json()["checks"]["index"]["fout"]
    finally:
        out, err = stop(full)
    row = next(r for r in _replicas() if r.name == "vol")
    assert "File too large" in row.error and row.error_since is not None
    assert err.count("Search indexer cannot apply changes") == 1  # once a minute, not once a round
    assert index.read_cursor(index.current_generation(host)) == cursor
    recovered = on_postgres.spawn("kb index-worker", "--interval", "0.2", index_dir=host, KENNISBANK_INDEX_NAME="vol")
    try:
        assert wait_for(lambda: any(r.name == "vol" and not r.error and r.lag == 0 for r in _replicas()))
    finally:
        stop(recovered)
    assert documents_in(host) == expected_keys()


# Rebuilding in several processes ------------------------------------------------------------------------

def _index_contents(index_dir: Path) -> dict[str, str]:
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(index.current_generation(index_dir)).searcher() as searcher:
        return {fields["key"]: fields["digest"] for fields in searcher.all_stored_fields()}


def test_a_rebuild_in_worker_processes_writes_what_one_process_writes(app, db, make_user, make_lesson, make_project,
                                                                     monkeypatch):
    """Two worker processes, each reading its own chunks of rows: the same documents, the same results in
    the same order, and a progress count of every row."""
    monkeypatch.setattr(source, "CHUNK", 7)  # many chunks, so both workers get several
    viewer = make_user()
    for n in range(30):
        make_lesson(title=f"Verlichting les {n}", advice="Slimme verlichting in de wijk " * (n % 4 + 1))
    make_project(title="Verlichting als project")
    root = Path(app.config["INDEX_DIR"])
    assert rebuild.reindex(app) == rebuild.count_all(app)
    alone = _index_contents(root)
    def ranked():  # equal scores may come in another order (their docnums differ): compare by score
        hits = search.search(viewer, "slimme verlichting", per_page=100).hits
        return sorted((-round(h.score, 9), h.kind, h.item.id) for h in hits)

    before = ranked()
    counted = []
    assert rebuild.reindex(app, procs=2, progress=counted.append) == len(alone)
    assert sum(counted) == rebuild.count_all(app)
    assert _index_contents(root) == alone
    assert ranked() == before and len(before) == 30
    with index.open_index(root).reader() as reader:
        # A segment per worker that got rows: under load one worker may take every chunk before the other
        # has started (seen with the machine busy), so one segment is right too.
        assert 1 <= len(reader.leaf_readers()) <= 2


def test_a_worker_killed_during_a_rebuild_fails_it_and_the_old_index_stays(app, db, make_user, make_lesson):
    import multiprocessing
    import threading

    viewer = make_user()
    for n in range(20):
        make_lesson(title=f"Verlichting les {n}")
    rebuild.reindex(app)
    root = Path(app.config["INDEX_DIR"])
    before = index.current_generation(root)
    killed = []

    def kill_a_worker():  # as soon as one exists (it needs about a second to start)
        while not killed:
            for child in multiprocessing.active_children():
                if child.name.startswith("kennisbank-reindex") and child.pid:
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break
            time.sleep(0.005)

    threading.Thread(target=kill_a_worker, daemon=True).start()
    with pytest.raises(RuntimeError, match="Herbouwen mislukt: een indexeerproces stopte onverwacht"):
        rebuild.reindex(app, procs=2)
    assert killed and index.current_generation(root) == before
    assert search.search(viewer, "verlichting").total == 20
    assert rebuild.reindex(app, procs=2) == rebuild.count_all(app)


def test_a_searcher_from_before_a_merge_still_reads_the_replaced_segment(app, db, make_lesson, monkeypatch):
    """Segment files are opened when first needed (a column at the first facet count): a merge must not
    delete them under a searcher opened before it, only after SEGMENT_FILE_GRACE."""
    for n in range(3):
        make_lesson(title=f"Verlichting {n}")
        indexer.catch_up(app)
    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    old = index.open_generation(generation).searcher()
    try:
        writer = index.open_writer(generation, wait=True)
        writer.commit(optimize=True)  # one new segment; the three old ones are no longer listed
        with index.open_generation(generation).reader() as reader:
            assert len(reader.leaf_readers()) == 1
        assert sum(f["kind"] == "lesson" for f in old.all_stored_fields()) == 3  # that column is opened only now
        monkeypatch.setattr(index, "SEGMENT_FILE_GRACE", 0.0)
        before = set(p.name for p in generation.iterdir())
        index.open_writer(generation, wait=True).commit(optimize=True)
        gone = before - set(p.name for p in generation.iterdir())
        old_segments = {reader.segment().segment_id() for reader, _ in old.reader().leaf_readers()}
        with index.open_generation(generation).reader() as reader:
            current = {r.segment().segment_id() for r, _ in reader.leaf_readers()}
        gone_segments = {name.split(".")[0] for name in gone if name.startswith("MAIN_")}
        assert old_segments <= gone_segments and not current & gone_segments
    finally:
        old.close()
