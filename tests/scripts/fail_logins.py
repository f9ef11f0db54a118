"""A separate app process that counts failed logins for one account from one address, each in its own
transaction, as a web worker would. Usage: fail_logins.py EMAIL ADDRESS COUNT"""
import sys
import time

from kennisbank import create_app
from kennisbank.extensions import db
from kennisbank.services.access import login_throttle

email, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app({"SEARCH_SYNC": "manual"})
with app.app_context():
    start = float(sys.argv[4]) if len(sys.argv) > 4 else 0
    time.sleep(max(0.0, start - time.time()))  # both processes begin at the same moment
    for _ in range(count):
        login_throttle.failed(email, address)
        db.session.commit()
print("klaar", flush=True)
