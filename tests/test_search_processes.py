"""The outbox under real concurrency: separate OS processes, a shared SQLite database and index."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from kennisbank.extensions import db as _db
from kennisbank.models import Lesson, SearchOutbox
from kennisbank.search import rebuild, sync
from kennisbank.services import users

from .conftest import REPO, make_app, running

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture
def shared(tmp_path):
    """An app on a file database and index that other processes open too."""
    app = make_app(tmp_path)
    env = dict(os.environ, KENNISBANK_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               KENNISBANK_INDEX_DIR=app.config["INDEX_DIR"], KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"),
               KENNISBANK_SECRET_KEY="test", PYTHONPATH=str(REPO))
    with running(app):
        upgrade()
        users.create_user("auteur@gemeente.example", "Auteur", "een-lang-wachtwoord")
        _db.session.commit()
        sync.drain(app)
        yield app, env


def outbox_size() -> int:
    return _db.session.scalar(select(func.count()).select_from(SearchOutbox))


def test_two_processes_saving_at_once_lose_no_update(shared):
    app, env = shared
    count = 25
    processes = [subprocess.Popen([sys.executable, str(SCRIPTS / "save_lessons.py"), prefix, str(count),
                                   "auteur@gemeente.example", "4"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for prefix in ("Eerste", "Tweede")]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(Lesson)) == 2 * count
    # Both processes' own drainers wrote everything; nobody had to help.
    assert outbox_size() == 0
    assert rebuild.check(app) == {"missing": [], "extra": []}


def test_process_killed_in_the_middle_of_a_drain_loses_nothing(shared):
    app, env = shared
    author = users.find_by_email("auteur@gemeente.example")
    for n in range(150):
        _db.session.add(Lesson(title=f"Les {n}", kind="mislukking", advice="Advies.", author=author))
    _db.session.commit()
    queued = outbox_size()
    assert queued >= 150
    with subprocess.Popen([sys.executable, str(SCRIPTS / "slow_drain.py")], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().strip() == "begonnen"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    _db.session.expire_all()
    assert outbox_size() == queued  # the half-written batch was never confirmed
    drift = rebuild.check(app)
    assert drift["missing"]  # ...and is indeed not in the index yet
    assert sync.drain(app) > 0  # the index lock died with the process; the next drain completes it
    assert outbox_size() == 0
    assert rebuild.check(app) == {"missing": [], "extra": []}
