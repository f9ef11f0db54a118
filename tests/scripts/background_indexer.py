"""A web process's background search work on its own: the indexer thread and the attachment reader, from
the environment's settings, until it is killed."""
import time

from kennisbank import create_app

app = create_app({"SEARCH_SYNC": "background", "IMPORT_RUNNER": False})
app.extensions["kennisbank_indexer"].ensure_started()
print("klaar", flush=True)
time.sleep(600)
