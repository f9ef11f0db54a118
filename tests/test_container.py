"""The container image and the compose file: built and run with a real Docker engine where one can run here.

The two-host test runs the image the way docker-compose.yml does (its environment, its one-off setup
command, a web host and an indexer per index volume), against a real PostgreSQL server on loopback, since
the compose tool and the official postgres and mailpit images cannot be pulled on these machines.
"""
from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from .conftest import REPO
from .container_engine import Engine, EngineUnavailable
from .local_servers import free_port
from .postgres_server import PostgresServer

IMAGE = "kennisbank:test"
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
pytestmark = pytest.mark.container
DEMO_USER, DEMO_PASSWORD = "noor.bakker@amsterdam.example", "kennisbank-demo"


@pytest.fixture(scope="module")
def engine():
    engine = Engine()
    try:
        engine.ensure_running()
        base = engine.ensure_base_image()
    except EngineUnavailable as reason:
        pytest.skip(f"no container engine can run here: {reason}")
    print(f"base image {base}")
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def image(engine):
    engine.docker("build", "--network", "host", "-t", IMAGE, str(REPO), timeout=1200)
    return IMAGE


def test_the_image_runs_as_uid_1000_without_compilers_with_its_files_and_a_healthcheck(engine, image):
    config = engine.docker("image", "inspect", "--format",
                           "{{.Config.User}}|{{json .Config.Cmd}}|{{json .Config.Healthcheck.Test}}", image)
    user, command, healthcheck = config.stdout.strip().split("|")
    assert (user, command) == ("1000", '["flask","kb","serve"]')
    assert healthcheck == '["CMD","python","/app/kennisbank/ops/healthcheck.py"]'
    inside = engine.docker("run", "--rm", "--entrypoint", "sh", image, "-c",
                           "id -u; for c in gcc cc g++ make; do command -v $c; done; "
                           "ls /app/kennisbank/static/favicon.svg /app/templates/base.html /app/migrations/env.py; "
                           "touch /app/x 2>/dev/null && echo writable-app || echo read-only-app")
    lines = inside.stdout.split()
    assert lines[0] == "1000"
    assert not [line for line in lines if line.startswith("/usr/") or line.endswith("/cc")], lines  # no compiler
    assert {"/app/kennisbank/static/favicon.svg", "/app/templates/base.html", "/app/migrations/env.py"} <= set(lines)
    assert lines[-1] == "read-only-app"  # the app's files belong to root; uid 1000 writes only under /data


class _Browser:
    """A client that keeps the session cookie itself (it is Secure, and the hosts speak plain HTTP here)."""

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Cookie": self.cookie} if self.cookie else {})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def csrf(self, url: str) -> str:
        status, _, html = self.request(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait_ready(url: str, seconds: float = 120) -> int:
    deadline = time.monotonic() + seconds
    status = 0
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            pass
        time.sleep(1)
    return status


def _compose_environment(database_url: str, service: str) -> list[str]:
    """The environment docker-compose.yml gives `service`, with the database on this host's loopback."""
    environment = dict(COMPOSE["services"][service]["environment"])
    environment["KENNISBANK_SECRET_KEY"] = "container-test-" + "k" * 32
    environment["KENNISBANK_METRICS_TOKEN"] = ""
    environment["KENNISBANK_DATABASE_URL"] = database_url
    environment.pop("KENNISBANK_SMTP_HOST")  # no mail catcher in this test: e-mail goes to /data/outbox
    return [item for key, value in environment.items() for item in ("-e", f"{key}={value}")]


def test_two_web_hosts_each_with_their_own_index_serve_what_either_saved(engine, image, tmp_path):
    postgres = PostgresServer(tcp_port=free_port()).start()
    run = f"kb-test-{os.getpid()}"
    containers, volumes = [], []
    try:
        postgres.create_database("kennisbank")
        database_url = postgres.tcp_url("kennisbank")
        setup = COMPOSE["services"]["setup"]
        engine.docker("run", "--rm", "--network", "host", *_compose_environment(database_url, "setup"), image,
                      *setup["command"], timeout=300)
        urls = {}
        for host in ("a", "b"):
            volume = f"{run}-index-{host}"
            volumes.append(engine.docker("volume", "create", volume).stdout.strip())
            port = free_port()
            urls[host] = f"http://127.0.0.1:{port}"
            for service, extra in ((f"web-{host}", ["-e", f"KENNISBANK_BIND=127.0.0.1:{port}"]),
                                   (f"indexer-{host}", [])):
                command = COMPOSE["services"][service].get("command", [])
                containers.append(engine.docker(
                    "run", "-d", "--name", f"{run}-{service}", "--network", "host", "-v", f"{volume}:/data",
                    *_compose_environment(database_url, service), *extra, image, *command).stdout.strip())
        assert [_wait_ready(urls["a"]), _wait_ready(urls["b"])] == [200, 200]

        browser = _Browser()  # logged in on host a, the same cookie works on host b (one secret key)
        status, location, _ = browser.request(urls["a"] + "/inloggen", {
            "csrf_token": browser.csrf(urls["a"] + "/inloggen"), "email": DEMO_USER, "password": DEMO_PASSWORD})
        assert (status, location) == (302, "/")
        status, location, _ = browser.request(urls["a"] + "/lessen/nieuw", {
            "csrf_token": browser.csrf(urls["a"] + "/lessen/nieuw"), "title": "Containerproef kademuurherstel",
            "kind": "mislukking", "advice": "Begin met een proefvak.", "version": "0"})
        assert status == 302 and re.fullmatch(r"/lessen/\d+", location), (status, location)

        found = {}
        for host, url in urls.items():  # each host's own indexer brings its own index up to date
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not found.get(host):
                found[host] = "Containerproef kademuurherstel" in browser.request(
                    url + "/zoeken?q=kademuurherstel")[2]
                time.sleep(0.5)
        assert found == {"a": True, "b": True}

        healthcheck = engine.docker("image", "inspect", "--format", "{{join .Config.Healthcheck.Test \"\\x00\"}}",
                                    image).stdout.rstrip("\n").split("\x00")
        assert healthcheck[0] == "CMD"
        assert engine.docker("exec", f"{run}-web-b", *healthcheck[1:], check=False).returncode == 0
        logs = engine.docker("logs", f"{run}-web-a").stdout.splitlines()
        assert any('"route": "/lessen/nieuw"' in line and '"status": 302' in line for line in logs), logs[-5:]
    finally:
        for container in containers:
            engine.docker("rm", "-f", container, check=False)
        for volume in volumes:
            engine.docker("volume", "rm", "-f", volume, check=False)
        postgres.stop()


def test_the_compose_file_gives_each_web_host_its_own_index_and_indexer():
    services = COMPOSE["services"]
    assert set(services) == {"db", "setup", "web-a", "indexer-a", "web-b", "indexer-b", "notifier", "mail"}
    assert services["notifier"]["command"] == ["flask", "kb", "notify", "--elke", "60"]
    assert services["notifier"]["environment"]["KENNISBANK_SMTP_HOST"] == "mail"
    mounts = {name: service.get("volumes", []) for name, service in services.items()}
    assert mounts["web-a"] == mounts["indexer-a"] == ["index-a:/data"]
    assert mounts["web-b"] == mounts["indexer-b"] == ["index-b:/data"]
    for host in ("a", "b"):  # the indexer's heartbeat is what the web host's /readyz reads: same index name
        web, indexer = services[f"web-{host}"], services[f"indexer-{host}"]
        assert web["environment"]["KENNISBANK_INDEX_NAME"] == indexer["environment"]["KENNISBANK_INDEX_NAME"]
        assert web["environment"]["KENNISBANK_SEARCH_SYNC"] == "worker"
        assert indexer["command"] == ["flask", "kb", "index-worker"]
        assert web["depends_on"] == {"setup": {"condition": "service_completed_successfully"}}
    assert services["setup"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["web-a"]["environment"]["KENNISBANK_ENV"] == "production"
    assert services["web-a"]["environment"]["KENNISBANK_SMTP_HOST"] == "mail"
    assert "${KENNISBANK_SECRET_KEY:?" in (REPO / "docker-compose.yml").read_text()  # no default secret


@pytest.mark.skipif(not Path("/usr/bin/docker-compose").exists(), reason="Debian's docker-compose not installed")
def test_the_compose_tool_accepts_the_file():
    import subprocess

    result = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
                            env=dict(os.environ, KENNISBANK_SECRET_KEY="x" * 40), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    missing = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
                             env={k: v for k, v in os.environ.items() if k != "KENNISBANK_SECRET_KEY"},
                             capture_output=True, text=True)
    assert missing.returncode != 0 and "KENNISBANK_SECRET_KEY" in missing.stderr
