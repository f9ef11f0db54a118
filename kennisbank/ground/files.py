"""Uploaded files: what they are by their content (never by their name), zip containers that unpack to
far more than they weigh, and file names that are safe to keep and to send back."""
from __future__ import annotations

import io
import zipfile

from .errors import DomainError

MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200  # real office files compress some 5-20 times; a bomb thousands of times

# media type by what the content starts with (zip containers are told apart by their parts)
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "md": "text/markdown; charset=utf-8",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
}
KIND_OF_MEDIA_TYPE = {media_type: kind for kind, media_type in ATTACHMENT_TYPES.items()}


def refuse(message: str):
    raise DomainError(message, {"file": message})


def check_zip(content: bytes) -> None:
    """:raises DomainError: a container that unpacks to more than MAX_UNPACKED, or far more than it weighs."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except zipfile.BadZipFile:
        refuse("Dit bestand is beschadigd. Sla het opnieuw op en probeer het nog eens.")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(len(content), 1) + 10 * 1024 * 1024:
        refuse(f"Dit bestand pakt uit tot {unpacked // (1024 * 1024)} MB; dat is geen gewoon document en wordt "
               "niet gelezen.")


def zip_kind(content: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            return {"application/vnd.oasis.opendocument.text": "odt",
                    "application/vnd.oasis.opendocument.spreadsheet": "ods"}.get(mimetype)
    except (zipfile.BadZipFile, KeyError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return None


def attachment_kind(content: bytes, name: str = "") -> str:
    """:raises DomainError: anything but PDF, Word, OpenDocument, Excel, PowerPoint, text or a picture.
    The name only tells Markdown from plain text, once the content has shown it is text."""
    head = content[:8]
    kind = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        check_zip(content)
        kind = zip_kind(content)
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif content and b"\x00" not in content[:8192]:
        try:
            content[:65536].decode("utf-8")
            kind = "md" if name.lower().endswith((".md", ".markdown")) else "txt"
        except UnicodeDecodeError:
            kind = None
    if kind is None:
        refuse("Dit bestandstype wordt niet aangenomen. Voeg een PDF, Word-document (DOCX), OpenDocument (ODT, "
               "ODS), Excel-bestand (XLSX), PowerPoint (PPTX), tekst- of Markdown-bestand of afbeelding (PNG, "
               "JPEG) toe.")
    return kind


def safe_name(name: str, fallback: str = "bestand", limit: int = 150) -> str:
    """No path separators, control characters or leading dots; the extension kept when shortening."""
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable() and ch not in '/\\:*?"<>|').strip(" .")
    if len(cleaned) > limit:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = (stem[: limit - len(extension) - 1] + dot + extension) if dot and len(extension) < 10 \
            else cleaned[:limit]
    return cleaned or fallback


# The extensions each kind of file may keep; the first is the one it gets otherwise.
EXTENSIONS = {"pdf": (".pdf",), "docx": (".docx",), "xlsx": (".xlsx",), "odt": (".odt",), "ods": (".ods",),
              "pptx": (".pptx",), "md": (".md", ".markdown"), "png": (".png",), "jpeg": (".jpg", ".jpeg"),
              "txt": (".txt",)}


def stored_name(name: str, kind: str) -> str:
    """A safe name whose extension is the detected type's: a script uploaded as text and named `.hta`,
    `.bat`, `.js`, `.html` or `.svg` downloads as `.txt`, so a double-click opens it as text."""
    allowed = EXTENSIONS[kind]
    cleaned = safe_name(name, limit=150 - len(allowed[0]))
    if cleaned.lower().endswith(allowed):
        return cleaned
    stem, dot, _ = cleaned.rpartition(".")
    stem = stem if dot and stem else cleaned
    return stem if stem.lower().endswith(allowed) else stem + allowed[0]
