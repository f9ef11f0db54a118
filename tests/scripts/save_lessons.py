"""A separate app process that saves lessons, each in its own transaction, with the background indexer
on (as a real web worker's first request starts it). Prints a line after each commit, so a test can
kill it in the middle of the next save. Usage: save_lessons.py PREFIX COUNT AUTHOR_EMAIL LINGER_SECONDS"""
import sys
import time

from kennisbank import create_app
from kennisbank.extensions import db
from kennisbank.models import LessonKind
from kennisbank.services.access import users
from kennisbank.services.registry import lessons

prefix, count, email, linger = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
app = create_app({"SEARCH_SYNC": "background", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
app.extensions["kennisbank_indexer"].ensure_started()
with app.app_context():
    author = users.find_by_email(email)
    for n in range(count):
        lessons.create_lesson(lessons.LessonInput(title=f"{prefix} les {n}", kind=LessonKind.FAILURE,
                                                  advice="Advies."), author)
        db.session.commit()
        print(f"opgeslagen {n}", flush=True)
time.sleep(linger)  # let this process's indexer work, competing with the other process for the index
print("klaar", flush=True)
