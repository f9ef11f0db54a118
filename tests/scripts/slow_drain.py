"""A drainer that is slow on purpose, so the test can kill it halfway through a batch."""
import sys
import time

from kennisbank import create_app
from kennisbank.search import sync

app = create_app({"SEARCH_SYNC": "manual"})
original = sync._write_one
announced = False


def slow_write(writer, kind, item_id):
    global announced
    original(writer, kind, item_id)
    if not announced:
        print("begonnen", flush=True)
        announced = True
    time.sleep(0.02)


sync._write_one = slow_write
sync.drain(app)
print("onverwacht klaar", flush=True)
sys.exit(3)
