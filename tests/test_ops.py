"""Liveness and readiness: what the orchestrator (and an operator) sees, without logging in."""
from pathlib import Path

import pytest
from flask_migrate import upgrade

from kennisbank.extensions import db as _db
from kennisbank.search import indexer, replicas

from .conftest import make_app, running


def test_healthz_answers_without_database_or_login(tmp_path):
    app = make_app(tmp_path, "postgresql+psycopg://nobody@/none?host=/nonexistent")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


TOKEN = {"Authorization": "Bearer metriek-token"}


def test_readyz_checks_database_migrations_and_the_index(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url, METRICS_TOKEN="metriek-token")
    with running(app):
        client = app.test_client()
        before = client.get("/readyz", headers=TOKEN)
        assert before.status_code == 503 and before.get_json()["checks"]["migrations"]["ok"] is False
        upgrade()
        indexer.Indexer(app).round(wait=True)
        ready = client.get("/readyz", headers=TOKEN)
        body = ready.get_json()
        assert ready.status_code == 200, body
        assert body["checks"]["index"] | {"laatste_melding": None} == {
            "ok": True, "naam": replicas.replica_name(app), "achterstand": 0, "max_achterstand": 1000,
            "documenten": 0, "indexer_actief": True, "laatste_melding": None}
        assert ready.headers["Cache-Control"] == "no-store"
        from kennisbank.services.access import users

        app.config["READY_MAX_LAG"] = 1
        for n in range(2):
            users.create_user(f"wacht{n}@gemeente.example", f"Wacht {n}", "een-lang-wachtwoord")
            _db.session.commit()
            behind = client.get("/readyz", headers=TOKEN)
            assert behind.status_code == (200 if n == 0 else 503)  # at the limit is ready, past it not
            assert behind.get_json()["checks"]["index"]["achterstand"] == n + 1
            public = client.get("/readyz")  # a stranger: the same answer, without names, paths or errors
            assert public.status_code == behind.status_code
            assert public.get_json() == {"status": "ok" if n == 0 else "niet gereed", "achterstand": n + 1}


def test_readyz_after_an_index_was_damaged_rebuilds_and_is_ready_again(tmp_path):
    app = make_app(tmp_path, METRICS_TOKEN="metriek-token")
    with running(app):
        upgrade()
        worker = indexer.Indexer(app)
        worker.round(wait=True)
        generation = next(Path(app.config["INDEX_DIR"]).glob("gen-*"))
        lock = generation / "MAIN_WRITELOCK"  # a directory where Whoosh's lock file must be: unusable
        lock.unlink(missing_ok=True)
        lock.mkdir()
        from kennisbank.services.access import users

        users.create_user("nieuw@gemeente.example", "Nieuw", "een-lang-wachtwoord")
        _db.session.commit()
        assert worker.round() == 1 and not worker.error  # rebuilt into a fresh generation by itself
        body = app.test_client().get("/readyz", headers=TOKEN).get_json()
        assert body["status"] == "ok" and body["checks"]["index"]["documenten"] == 1


def test_unreachable_database_is_not_ready(tmp_path):
    app = make_app(tmp_path, "postgresql+psycopg://nobody@/none?host=/nonexistent&connect_timeout=1",
                   METRICS_TOKEN="metriek-token")
    response = app.test_client().get("/readyz", headers=TOKEN)
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False
    public = app.test_client().get("/readyz", headers={"Authorization": "Bearer fout"})
    assert public.status_code == 503 and public.get_json() == {"status": "niet gereed", "achterstand": None}
    assert "nonexistent" not in public.get_data(as_text=True)


# Production mode and the production server -------------------------------------------------------------

SECRET = "s" * 40


@pytest.mark.parametrize("overrides, message", [
    ({}, "KENNISBANK_SECRET_KEY ontbreekt"),
    ({"SECRET_KEY": "kort"}, "KENNISBANK_SECRET_KEY is te kort"),
    ({"SECRET_KEY": SECRET, "DEBUG": True}, "Debug staat aan"),
])
def test_production_refuses_to_start_saying_what_is_missing(tmp_path, monkeypatch, overrides, message):
    from kennisbank import create_app
    from kennisbank.config import ConfigurationError

    monkeypatch.delenv("KENNISBANK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        create_app({"ENV_NAME": "production", **overrides}, instance_path=str(tmp_path / "instance"))
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()  # no key was made up behind the user's back


def test_production_sets_secure_cookies_and_hsts(tmp_path):
    from kennisbank import create_app

    production = create_app({"ENV_NAME": "production", "SECRET_KEY": SECRET, "SEARCH_SYNC": "manual",
                             "IMPORT_RUNNER": False},
                            instance_path=str(tmp_path / "p"))
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    assert "max-age=31536000" in production.test_client().get("/healthz").headers["Strict-Transport-Security"]
    development = create_app({"SECRET_KEY": SECRET, "SEARCH_SYNC": "manual", "IMPORT_RUNNER": False},
                             instance_path=str(tmp_path / "d"))
    assert "Strict-Transport-Security" not in development.test_client().get("/healthz").headers


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(tmp_path, url: str, **extra) -> dict:
    import os

    from .conftest import REPO

    return dict(os.environ, KENNISBANK_DATABASE_URL=url, KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"),
                KENNISBANK_ENV="production", KENNISBANK_SECRET_KEY=SECRET, PYTHONPATH=str(REPO), **extra)


def _flask(env, *args, **kwargs):
    import subprocess
    import sys

    from .conftest import REPO

    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "kb", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, **kwargs)


class _Served:
    """`flask kb serve` as a real process, and a GET that waits until the server answers."""

    def __init__(self, env: dict, port: int):
        import subprocess
        import sys

        from .conftest import REPO

        self.port = port
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "serve"], env=env,
                                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def get(self, path: str, wait: float = 0, **headers):
        """(status, headers, body); with `wait`, retried until the server is up."""
        import time
        import urllib.request

        deadline = time.monotonic() + wait
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, response.headers, response.read().decode()
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> tuple[str, str]:
        import signal

        self.process.send_signal(signal.SIGTERM)
        return self.process.communicate(timeout=30)


def _healthcheck(env):
    import subprocess
    import sys

    from .conftest import REPO

    return subprocess.run([sys.executable, str(REPO / "kennisbank" / "ops" / "healthcheck.py")], env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("bind, url", [("0.0.0.0:8000", "http://127.0.0.1:8000/healthz"),
                                       ("[::]:8080", "http://127.0.0.1:8080/healthz"),
                                       ("10.1.2.3:9000", "http://10.1.2.3:9000/healthz")])
def test_the_healthcheck_asks_the_address_the_server_listens_on(bind, url):
    from kennisbank.ops.healthcheck import health_url

    assert health_url(bind) == url


def test_serve_runs_gunicorn_workers_that_answer(tmp_path, postgres_url):
    import json

    port = _free_port()
    env = _server_env(tmp_path, postgres_url, KENNISBANK_BIND=f"127.0.0.1:{port}", KENNISBANK_WORKERS="2")
    assert _flask(env, "migrate").returncode == 0
    server = _Served(env, port)
    try:
        status, headers, _ = server.get("/readyz", wait=30, **{"X-Request-ID": "r-1"})
        assert (status, headers["Strict-Transport-Security"], headers["X-Request-ID"]) == \
            (200, "max-age=31536000; includeSubDomains", "r-1")
        assert _healthcheck(env).returncode == 0  # the image's HEALTHCHECK, on the bound address
    finally:
        out, err = server.stop()
    assert server.process.returncode == 0, err
    refused = _healthcheck(env)
    assert refused.returncode == 1 and f"127.0.0.1:{port}/healthz" in refused.stderr
    lines = [json.loads(line) for line in out.splitlines()]  # every line on stdout is one JSON object
    assert sum(line["event"].startswith("Booting worker with pid") for line in lines) == 2
    access = [line for line in lines if line["logger"] == "kennisbank.access" and line["request_id"] == "r-1"]
    assert [(line["route"], line["status"]) for line in access] == [("/readyz", 200)]


def test_serve_refuses_sqlite_behind_several_workers_unless_asked(tmp_path):
    env = _server_env(tmp_path, f"sqlite:///{tmp_path / 'k.sqlite'}", KENNISBANK_WORKERS="3",
                      KENNISBANK_BIND="127.0.0.1:1")
    refused = _flask(env, "serve")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "kennisbank start niet (productie): SQLite met meerdere workers. Gebruik PostgreSQL "
        "(KENNISBANK_DATABASE_URL), of zet KENNISBANK_ALLOW_SQLITE=true als u dit bewust wilt."]
    unsized = _flask(dict(env, KENNISBANK_WORKERS="veel"), "serve")
    assert unsized.returncode == 1 and "moeten hele getallen zijn" in unsized.stderr


def test_production_without_a_secret_key_is_one_line_and_exit_code_1(tmp_path):
    env = _server_env(tmp_path, f"sqlite:///{tmp_path / 'k.sqlite'}")
    env.pop("KENNISBANK_SECRET_KEY")
    refused = _flask(env, "migrate")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1].startswith("kennisbank start niet (productie): "
                                                               "KENNISBANK_SECRET_KEY ontbreekt")


def test_migrate_is_idempotent_and_safe_from_several_hosts_at_once(tmp_path, postgres_url):
    import subprocess
    import sys

    from .conftest import REPO

    env = _server_env(tmp_path, postgres_url)
    hosts = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "migrate"], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [host.communicate(timeout=120) for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0, 0], [err for _, err in outputs]
    head = max(path.name[:4] for path in (REPO / "migrations" / "versions").glob("0*.py"))
    said = sorted(out.strip() for out, _ in outputs)
    assert said.count(f"De database was al bij: {head}.") == 2
    assert [line for line in said if line.startswith(f"Database bijgewerkt: (leeg) → {head}")]
    assert _flask(env, "migrate").stdout.strip() == f"De database was al bij: {head}."


def test_a_database_that_goes_away_gives_a_dutch_503_and_the_app_recovers_by_itself(tmp_path):
    """A PostgreSQL server of this test's own is stopped and started again under a running app."""
    from kennisbank.services.access import users

    from .conftest import AuthActions
    from .postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        app = make_app(tmp_path, server.create_database("verdwijnt"), METRICS_TOKEN="metriek-token")
        with running(app):
            upgrade()
            users.create_user("blijft@gemeente.example", "Blijft", "correct-horse-battery")
            _db.session.commit()
            _db.session.remove()
            client = app.test_client()
            assert AuthActions(client).login("blijft@gemeente.example").status_code == 302
            assert client.get("/projecten/").status_code == 200
            server.halt()
            page = client.get("/projecten/")
            html = page.get_data(as_text=True)
            assert page.status_code == 503 and "De database is even niet bereikbaar" in html
            assert "Traceback" not in html and page.headers["Retry-After"] == "30"
            api = client.get("/api/v1/zoeken?q=x")
            assert api.status_code == 503 and "niet bereikbaar" in api.get_json()["fout"]
            assert client.get("/readyz").status_code == 503 and client.get("/healthz").status_code == 200
            server.resume()
            assert client.get("/projecten/").status_code == 200  # the same session, nothing restarted
            assert client.get("/readyz", headers=TOKEN).get_json()["checks"]["database"] == {"ok": True}
            server.halt()  # a restart while nobody asks anything: the pooled connections are dead now
            server.resume()
            assert client.get("/projecten/").status_code == 200  # not even the first request notices
    finally:
        server.stop()


# Logs ------------------------------------------------------------------------------------------------

@pytest.fixture
def json_logs(app):
    """The app's JSON log lines, as `kb serve` writes them to stdout (here: to a buffer)."""
    import io
    import json
    import logging

    from kennisbank.ground import logs

    before, buffer = list(logging.getLogger().handlers), io.StringIO()
    logs.configure("json", stream=buffer)

    def lines():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return [json.loads(line) for line in text.splitlines()]

    yield lines
    logging.getLogger().handlers = before


def test_every_request_has_a_request_id_and_one_access_line(app, client, auth, make_user, json_logs):
    user = make_user(email="log@gemeente.example")
    auth.login("log@gemeente.example")
    json_logs()
    response = client.get("/projecten/", headers={"X-Request-ID": "abc-123.X_y"})
    assert response.headers["X-Request-ID"] == "abc-123.X_y"
    lines = json_logs()
    access = [line for line in lines if line["logger"] == "kennisbank.access"]
    assert len(access) == 1
    assert access[0] | {"time": None, "duration_ms": None} == {
        "time": None, "level": "INFO", "logger": "kennisbank.access", "event": "request", "request_id": "abc-123.X_y",
        "user_id": user.id, "method": "GET", "route": "/projecten/", "status": 200, "duration_ms": None}
    assert isinstance(access[0]["duration_ms"], float)


@pytest.mark.parametrize("given", ["x" * 10_000, "a b", "<script>", "id\nX-Evil: 1", ""])
def test_an_odd_request_id_is_replaced_not_echoed(client, given, json_logs):
    response = client.get("/healthz", headers={"X-Request-ID": given} if "\n" not in given else {})
    replaced = response.headers["X-Request-ID"]
    assert replaced != given and len(replaced) == 32 and replaced.isalnum()
    assert [line["request_id"] for line in json_logs() if line["logger"] == "kennisbank.access"] == [replaced]


def test_security_events_are_logged_by_name_without_secrets(app, db, client, auth, make_user, json_logs):
    from kennisbank.services.access import api_tokens

    user = make_user(email="geheim@gemeente.example", is_admin=True)
    auth.login("geheim@gemeente.example", "fout-wachtwoord-123")
    auth.login("geheim@gemeente.example")
    _, token = api_tokens.create_token("Intranet", user, by=user)
    db.session.commit()
    client.get("/api/v1/zoeken?q=x", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/zoeken?q=y", headers={"Authorization": f"Bearer {token}"})  # the day's first use only
    client.get("/api/v1/zoeken?q=x", headers={"Authorization": "Bearer kb_onzin"})
    lines = json_logs()
    events = [(line["event"], line.get("user_id")) for line in lines if line["logger"] == "kennisbank.security"]
    assert events == [("login_failed", None), ("login", user.id), ("token_created", user.id),
                      ("token_used", user.id), ("token_refused", None)]
    text = "\n".join(map(str, lines))
    assert "geheim@gemeente.example" not in text and "fout-wachtwoord" not in text and token not in text
    assert all(line.get("remote_addr") == "127.0.0.1" for line in lines  # the token was made outside a request
               if line["logger"] == "kennisbank.security" and line["event"] != "token_created")


def test_a_refusal_is_a_security_event(app, client, auth, make_user, json_logs):
    make_user(email="gewoon@gemeente.example")
    auth.login("gewoon@gemeente.example")
    json_logs()
    assert client.get("/beheer/").status_code == 403
    assert [line["event"] for line in json_logs() if line["logger"] == "kennisbank.security"] == ["forbidden"]


# Metrics ---------------------------------------------------------------------------------------------

def _metric(text: str, name: str, **labels) -> float:
    """The value of one series in Prometheus text format (0 when absent)."""
    import re

    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" ([0-9.e+-]+)$"
    found = [float(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE)]
    return sum(found)


def test_metrics_need_their_token(app, client):
    assert client.get("/metrics").status_code == 401  # no token configured: nobody
    app.config["METRICS_TOKEN"] = "meet-token-123"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer fout"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer meet-token-123"})
    assert ok.status_code == 200 and ok.content_type.startswith("text/plain")


def test_metrics_count_requests_searches_and_the_index(app, db, client, auth, make_user, make_lesson):
    from kennisbank.services.finding import search

    app.config["METRICS_TOKEN"] = "t"
    scrape = lambda: client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)  # noqa: E731
    user = make_user(email="meet@gemeente.example")
    make_lesson(title="Verlichting")
    indexer.catch_up(app)
    before = scrape()
    auth.login("meet@gemeente.example")
    client.get("/projecten/")
    search.search(user, "verlichting")
    search.search(user, "onvindbaarwoord")
    after = scrape()
    route = {"method": "GET", "route": "/projecten/", "status": "200"}
    assert _metric(after, "kennisbank_http_requests_total", **route) - \
        _metric(before, "kennisbank_http_requests_total", **route) == 1
    assert _metric(after, "kennisbank_search_duration_seconds_count", source="zoeken") - \
        _metric(before, "kennisbank_search_duration_seconds_count", source="zoeken") == 2
    assert _metric(after, "kennisbank_search_zero_results_total", source="zoeken") - \
        _metric(before, "kennisbank_search_zero_results_total", source="zoeken") == 1
    assert _metric(after, "kennisbank_index_lag") == 0 and _metric(after, "kennisbank_index_documents") == 3
    make_user()  # one change, not yet applied
    assert _metric(scrape(), "kennisbank_index_lag") == 1
    indexer.catch_up(app)
    indexed = scrape()
    assert _metric(indexed, "kennisbank_index_lag") == 0 and _metric(indexed, "kennisbank_index_documents") == 4
    assert _metric(indexed, "kennisbank_search_changes") == 4


def test_metrics_under_gunicorn_add_up_every_worker(tmp_path, postgres_url):
    import json
    import os
    import signal
    from concurrent.futures import ThreadPoolExecutor

    port = _free_port()
    env = _server_env(tmp_path, postgres_url, KENNISBANK_BIND=f"127.0.0.1:{port}", KENNISBANK_WORKERS="3",
                      KENNISBANK_METRICS_TOKEN="t", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    assert _flask(env, "migrate").returncode == 0
    server = _Served(env, port)
    try:
        server.get("/healthz", wait=30)
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: json.loads(server.get("/healthz")[2]), range(30)))
        counting = sorted(int(p.stem.split("_")[1]) for p in (tmp_path / "metrics").glob("counter_*.db"))
        assert counting  # the workers that served them keep their counts in files
        for pid in counting:  # those workers die: whoever answers the scrape has served none of them
            os.kill(pid, signal.SIGKILL)
        text = server.get("/metrics", wait=30, Authorization="Bearer t")[2]
    finally:
        server.stop()
    assert _metric(text, "kennisbank_http_requests_total", method="GET", route="/healthz", status="200") >= 31
    assert "kennisbank_index_lag" in text
