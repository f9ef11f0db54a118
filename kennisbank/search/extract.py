"""Reading attachment text, apart from the indexer's rounds and never in a request: each waiting file in a
child process with a memory limit and a timeout; the text (or why there is none) is kept on the attachment,
so every host's index uses the same text and nothing is read twice."""
from __future__ import annotations

import ctypes
import json
import logging
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..ground import files
from ..ground.errors import DomainError
from ..models import Attachment, AttachmentBlob

log = logging.getLogger(__name__)
WORKER = Path(__file__).with_name("extract_worker.py")
TIMEOUT = 60  # seconds per file, unless ATTACHMENT_READ_SECONDS says otherwise
MEMORY = 1024 * 1024 * 1024  # address space per file
PR_SET_PDEATHSIG = 1


def _limits(seconds: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))  # the processor, besides the clock
        try:  # Linux: the child is killed when the process that started it dies
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    return apply


def read_text(kind: str, content: bytes, seconds: int = TIMEOUT) -> tuple[str, str]:
    """(state, text) for one file: 'gelezen', 'geen tekst' (a scan) or 'niet leesbaar' — also for a file
    that could not be read within `seconds` (it is not tried again)."""
    try:
        if content.startswith(b"PK\x03\x04"):
            files.check_zip(content)
        done = subprocess.run([sys.executable, str(WORKER), kind], input=content, capture_output=True,
                              timeout=seconds, preexec_fn=_limits(seconds))
        answer = json.loads(done.stdout or b"{}")
    except (subprocess.TimeoutExpired, ValueError, OSError, DomainError) as error:  # a bomb, a child that died
        log.warning("attachment text not readable: %s", type(error).__name__)
        return "niet leesbaar", ""
    if answer.get("reason"):
        log.info("attachment text not readable: %s", answer["reason"])
    return answer.get("state", "niet leesbaar"), answer.get("text", "")


def pending(app: Flask, limit: int = 20) -> int:
    """Read the text of up to `limit` waiting attachments; each saved in its own transaction (so the
    item is indexed again through the change log). Returns how many were read."""
    done = 0
    with app.app_context(), Session(db.engine) as session:
        waiting = session.execute(select(Attachment.id, Attachment.media_type, AttachmentBlob.content)
                                  .join(AttachmentBlob, Attachment.blob_id == AttachmentBlob.id)
                                  .where(Attachment.text_state == "wacht", Attachment.deleted_at.is_(None))
                                  .order_by(Attachment.id).limit(limit)).all()
        seconds = int(app.config.get("ATTACHMENT_READ_SECONDS", TIMEOUT))
        for attachment_id, media_type, content in waiting:
            state, text = read_text(files.KIND_OF_MEDIA_TYPE.get(media_type, "txt"), content, seconds)
            attachment = session.get(Attachment, attachment_id)
            if attachment.text_state == "wacht":  # another host may have read it meanwhile: same text
                attachment.text_state, attachment.text = state, text
            session.commit()  # the change log gets the item (documents.dependents), so it is indexed again
            done += 1
    return done


class Reader:
    """The thread that reads attachment text apart from the indexer's rounds: one slow file never holds up
    the changes everyone else saves. Each text read is committed on its own, so the item is indexed again
    through the change log as soon as its text arrives."""

    def __init__(self, app: Flask, interval: float = 2.0):
        self.app = app
        self.interval = interval
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_logged = 0.0

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kennisbank-attachments", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                if pending(self.app, limit=1):
                    continue  # the next waiting file at once
            except Exception:  # noqa: BLE001 - a database that is away: logged once a minute, tried again
                if time.monotonic() - self._last_logged > 60:
                    self._last_logged = time.monotonic()
                    log.exception("reading attachment text failed (logged at most once a minute)")
            time.sleep(self.interval)
