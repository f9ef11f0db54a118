"""A small HTTP load client for kennisbank (standard library only): logged-in users who search, open the
voortoets panel and the people finder, and write lessons. Used by the index benchmarks and for trying a
production server by hand:

    python bench/http_load.py http://127.0.0.1:8000 --seconds 30 --clients 12

Prints the counts of answers per status code, per kind of request.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

DEMO_USERS = ["noor.bakker@amsterdam.example", "daan.visser@rotterdam.example", "femke.dewit@amsterdam.example"]
PASSWORD = "kennisbank-demo"
QUERIES = ["verlichting", "warmtenet", "mislukking", "energie wijk", '"slimme verlichting"', "circulair",
           "sensoren OF data", "thema:energietransitie", "buurt -warmte", "lantaarnpaal"]
_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client:
    def __init__(self, base: str, email: str, timeout: float = 10.0):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.email = email

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return 0, ""  # connection refused or reset: a worker died under us

    def token(self, path: str) -> str:
        status, html = self.request(path)
        match = _TOKEN.search(html)
        return match.group(1) if match else ""

    def login(self) -> bool:
        status, html = self.request("/inloggen", {"csrf_token": self.token("/inloggen"), "email": self.email,
                                                  "password": PASSWORD})
        return status == 200 and "Uitloggen" in html

    def save_lesson(self, title: str) -> int:
        token = self.token("/lessen/nieuw")
        if not token:  # the form itself did not arrive (a killed worker): nothing was sent
            return 0
        status, _ = self.request("/lessen/nieuw", {"csrf_token": token, "title": title, "kind": "mislukking",
                                                   "advice": "Begin klein en meet vanaf de eerste dag.",
                                                   "context": "Een wijk met veel verlichting.", "version": "0"})
        return status

    def finds(self, words: str) -> bool:
        status, html = self.request("/api/v1/zoeken?" + urllib.parse.urlencode({"q": words}))
        return status == 200 and json.loads(html).get("total", 0) > 0


def run(base: str, seconds: float, clients: int, write_every: int = 5) -> dict[str, Counter]:
    """Each client: search, panel, people; every `write_every`-th round a lesson. Returns status counts."""
    counts: dict[str, Counter] = {"zoeken": Counter(), "paneel": Counter(), "mensen": Counter(), "opslaan": Counter()}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one(n: int) -> None:
        client = Client(base, DEMO_USERS[n % len(DEMO_USERS)])
        while not client.login():
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        rng, round_ = random.Random(n), 0
        while time.monotonic() < deadline:
            round_ += 1
            query = rng.choice(QUERIES)
            answers = [("zoeken", client.request("/zoeken?" + urllib.parse.urlencode({"q": query}))[0]),
                       ("paneel", client.request("/projecten/vergelijkbaar?" + urllib.parse.urlencode(
                           {"titel": "Slimme verlichting", "vraag": f"Hoe {query} in de wijk?"}))[0]),
                       ("mensen", client.request("/mensen/?" + urllib.parse.urlencode({"q": query}))[0])]
            if round_ % write_every == 0:
                answers.append(("opslaan", client.save_lesson(f"Belasting {n}.{round_} verlichting")))
            with lock:
                for kind, status in answers:
                    counts[kind][status] += 1
            if answers and any(status == 0 for _, status in answers):
                client.login()  # the worker that held our connection died; the session cookie stays valid

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=12)
    args = parser.parse_args()
    for kind, counter in run(args.base, args.seconds, args.clients).items():
        print(kind, dict(sorted(counter.items())))


if __name__ == "__main__":
    main()
