"""A web worker that only reads: searches, people, voortoets suggestions and "bedoelde u" in a loop
while other processes write the index. Prints one JSON line: how many succeeded, which failed.
Usage: search_loop.py SECONDS USER_EMAIL"""
import json
import sys
import time

from kennisbank import create_app
from kennisbank.search import engine
from kennisbank.services import search, users, voortoets

seconds, email = float(sys.argv[1]), sys.argv[2]
app = create_app({"SEARCH_SYNC": "manual"})
ok, failures = 0, []
with app.app_context():
    user = users.find_by_email(email)
    print("klaar om te zoeken", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for work in (lambda: search.search(user, "verlichting wijk", log_empty=False),
                     lambda: search.search(user, '"slimme verlichting"', log_empty=False),
                     lambda: search.search(user, "thema:energie OF warmte", facet_filters={"type": "lesson"},
                                           log_empty=False),
                     lambda: search.people_who_know(user, "verlichting"),
                     lambda: voortoets.similar_work("Slimme verlichting met sensoren in de wijk"),
                     lambda: engine.suggest(["verlichtnig"], engine.Visibility(None))):
            try:
                work()
                ok += 1
            except Exception as error:  # noqa: BLE001 - counted and reported to the test
                failures.append(repr(error))
print(json.dumps({"ok": ok, "failures": failures[:20], "failed": len(failures)}), flush=True)
