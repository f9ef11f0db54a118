"""Browser tests: the app runs as a real server process on 127.0.0.1 with its own temporary database,
index and demo content; Playwright drives Debian's Chromium (the machines cannot download Playwright's
own browser build). Screenshots land in test-artifacts/ (ignored by git).

Run only these: `make test-browser` (or `.venv/bin/python -m pytest -m browser`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from ..conftest import REPO
from ..local_servers import free_port

DEMO_PASSWORD = "kennisbank-demo"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    for candidate in (os.environ.get("KENNISBANK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("Chromium not found: install Debian's package 'chromium' (make test does this) "
                       "or set KENNISBANK_CHROMIUM to its path.")


# The live server's environment and home, so a test can run a `flask` command against its database.
LIVE: dict = {}


def run_live(*args: str) -> subprocess.CompletedProcess:
    """A `flask` command as a separate process against the live server's database and instance."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=LIVE["env"],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo data, served by `flask run` in its own process."""
    home = tmp_path_factory.mktemp("live")
    env = dict(os.environ, KENNISBANK_INSTANCE_DIR=str(home / "instance"), KENNISBANK_SECRET_KEY="browser-tests",
               KENNISBANK_SEARCH_SYNC="background", FLASK_APP="wsgi")
    env.pop("KENNISBANK_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    # load-content applies its own changes to the index, so the first search already sees the demo data.
    for step in (["db", "upgrade"], ["kb", "load-content", "--demo"]):
        done = subprocess.run(flask + step, cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(step)} failed: {done.stdout}{done.stderr}")
    port = free_port()
    log = open(home / "server.log", "w")
    server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port)], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    LIVE.update(env=env, instance=home / "instance")
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/inloggen", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("The app server did not start: " + (home / "server.log").read_text())
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Watched:
    """A page watched for CSP violations, script errors and failing sub-resources (a 400 page after a
    refused form is expected; a missing stylesheet or script is not)."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        text = message.text
        if "Failed to load resource" in text:
            return  # judged per request in _response, where the resource type is known
        if message.type == "error" or "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"{message.type}: {text}")

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} for {response.request.resource_type} {response.url}")


def new_context(browser: Browser, live_server: str, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(base_url=live_server, java_script_enabled=javascript, locale="nl-NL",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context


def login(page: Page, email: str) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def watched(browser, live_server):
    """A fresh logged-out browser context and page; fails the test on CSP violations or console errors."""
    context = new_context(browser, live_server)
    page = context.new_page()
    watcher = Watched(page)
    yield watcher
    context.close()
    assert watcher.problems == [], "browser console: " + " | ".join(watcher.problems)
