"""A web worker that only reads: searches, people, voortoets suggestions and "bedoelde u" in a loop
while other processes write the index, until STOP_FILE exists and it has done at least MINIMUM searches
(or, at the latest, after 300 s, so that it always ends by itself). Prints one JSON line: how many
succeeded, which failed. Usage: search_loop.py STOP_FILE MINIMUM USER_EMAIL"""
import json
import sys
import time
from pathlib import Path

from kennisbank import create_app
from kennisbank.search import engine
from kennisbank.services.access import users
from kennisbank.services.finding import search
from kennisbank.services.gates import voortoets

stop_file, minimum, email = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = create_app({"SEARCH_SYNC": "manual"})
ok, failures = 0, []
with app.app_context():
    user = users.find_by_email(email)
    print("klaar om te zoeken", flush=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (stop_file.exists() and ok + len(failures) >= minimum):
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
