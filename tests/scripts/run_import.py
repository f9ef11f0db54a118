"""A separate web process's import thread: take the queued import and carry it out, printing a line at
each progress commit and slowing down there, so a test can SIGKILL it half-way."""
import time
from datetime import timedelta

from kennisbank import create_app
from kennisbank.extensions import db
from kennisbank.services.importing import run as importing

app = create_app({"SEARCH_SYNC": "manual", "IMPORT_RUNNER": False})
with app.app_context():
    real_execute = importing.execute

    def slow_execute(run, by, *, dry_run, progress=None):
        def beat(current):
            progress(current)
            print(f"voortgang {current.rows_done}", flush=True)
            time.sleep(1)
        return real_execute(run, by, dry_run=dry_run, progress=beat)

    importing.execute = slow_execute
    importing.work_once(stale_after=timedelta(seconds=30))
    db.session.remove()
print("klaar", flush=True)
