"""Fixtures: app (temporary SQLite + index), db, client, runner, login helper, factories, PostgreSQL."""
from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from kennisbank import create_app
from kennisbank.extensions import db as _db

from . import factories
from .postgres_server import PostgresServer

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
PASSWORD = factories.PASSWORD


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context — its own `g` and database session — as in production.

    (A request would otherwise reuse the test's app context, so flask-login's cached user and the CSRF
    token would leak from one client to another.) Afterwards the test's own session forgets what it
    cached, so assertions read what the request committed.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer:
            _db.session.expire_all()
        return response


def make_app(tmp_path: Path, database_url: str | None = None, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashes: tests create many users
        "SEARCH_SYNC": "manual",  # tests apply the search change log explicitly (indexer.catch_up)
        "IMPORT_RUNNER": False,  # and run background imports explicitly (importing.run.work_once)
    }
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    app.test_client_class = IsolatedClient
    return app


@contextmanager
def running(app):
    """An app context that closes its database connections at the end (PostgreSQL notices leaks)."""
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()
            if "kennisbank_searchers" in app.extensions:
                app.extensions["kennisbank_searchers"].close_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(tmp_path, request):
    """Every test that uses the app runs on SQLite and on the real PostgreSQL server (`-k sqlite` or
    `-k postgresql` picks one)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = make_app(tmp_path, url)
    with running(app):
        _db.create_all()
        yield app


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def assert_refused(cases) -> None:
    """Each (error class, call, message, field errors or None) is refused with exactly that Dutch text."""
    for error, call, message, fields in cases:
        with pytest.raises(error) as refused:
            call()
        assert refused.value.message == message
        if fields is not None:
            assert refused.value.field_errors == fields


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on `url`, as a browser would submit it."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token in the form on {url}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow_redirects: bool = False):
        token = csrf_token(self.client, "/inloggen")
        return self.client.post("/inloggen", data={"csrf_token": token, "email": email, "password": password},
                                follow_redirects=follow_redirects)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/uitloggen", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(db):
    return factories.UserFactory(db)


@pytest.fixture
def make_theme(db):
    return factories.ThemeFactory(db)


@pytest.fixture
def make_project(db, make_user):
    return factories.ProjectFactory(db, make_user)


@pytest.fixture
def make_lesson(db, make_user):
    return factories.LessonFactory(db, make_user)


@pytest.fixture
def make_network(db):
    return factories.NetworkFactory(db)


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


_database_names = itertools.count(1)


@pytest.fixture
def postgres_url(postgres):
    """A fresh, empty database on the throwaway server."""
    return postgres.create_database(f"kb_test_{next(_database_names)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request, tmp_path):
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.sqlite'}"
    return request.getfixturevalue("postgres_url")
