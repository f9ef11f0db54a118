"""A separate app process that saves lessons, each in its own transaction, with the background drainer
on (as a real web worker would). Usage: save_lessons.py PREFIX COUNT AUTHOR_EMAIL LINGER_SECONDS"""
import sys
import time

from kennisbank import create_app
from kennisbank.extensions import db
from kennisbank.models import LessonKind
from kennisbank.services import lessons, users

prefix, count, email, linger = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
app = create_app({"SEARCH_SYNC": "background", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
with app.app_context():
    author = users.find_by_email(email)
    for n in range(count):
        lessons.create_lesson(lessons.LessonInput(title=f"{prefix} les {n}", kind=LessonKind.FAILURE,
                                                  advice="Advies."), author)
        db.session.commit()
time.sleep(linger)  # let this process's drainer work, competing with the other process for the index
print("klaar", flush=True)
