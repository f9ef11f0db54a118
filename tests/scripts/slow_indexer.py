"""An indexer that is slow on purpose, so the test can kill it halfway through a batch."""
import sys
import time

from kennisbank import create_app
from kennisbank.search import documents, indexer

app = create_app({"SEARCH_SYNC": "manual"})
original = documents.write
announced = False


def slow_write(session, writer, kind, item_id):
    global announced
    original(session, writer, kind, item_id)
    if not announced:
        print("begonnen", flush=True)
        announced = True
    time.sleep(0.02)


documents.write = slow_write
indexer.catch_up(app, wait=True)
print("onverwacht klaar", flush=True)
sys.exit(3)
