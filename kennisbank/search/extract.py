"""Reading attachment text, in the indexer and never in a request: each waiting file in a child process
with a memory limit and a timeout; the text (or why there is none) is kept on the attachment, so every
host's index uses the same text and nothing is read twice."""
from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
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
KINDS = {media: kind for kind, media in files.ATTACHMENT_TYPES.items()}  # media type -> reader
TIMEOUT = 60  # seconds per file
MEMORY = 1024 * 1024 * 1024  # address space per file


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def read_text(kind: str, content: bytes) -> tuple[str, str]:
    """(state, text) for one file: 'gelezen', 'geen tekst' (a scan) or 'niet leesbaar'."""
    try:
        if content.startswith(b"PK\x03\x04"):
            files.check_zip(content)
        done = subprocess.run([sys.executable, str(WORKER), kind], input=content, capture_output=True,
                              timeout=TIMEOUT, preexec_fn=_limits)
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
        for attachment_id, media_type, content in waiting:
            state, text = read_text(KINDS.get(media_type, "txt"), content)
            attachment = session.get(Attachment, attachment_id)
            if attachment.text_state == "wacht":  # another host may have read it meanwhile: same text
                attachment.text_state, attachment.text = state, text
            session.commit()  # the change log gets the item (documents.dependents), so it is indexed again
            done += 1
    return done
