"""Reads the text of one document: bytes on stdin, its kind as the argument, JSON on stdout.

Run as a file in a child process by search/extract.py, with a memory limit and a timeout, so that a
malicious or broken file (a PDF bomb, a deeply nested document) costs at most that child. Permissive
libraries only: pypdf, python-docx, odfdo (not PyMuPDF, which is AGPL).
"""
import io
import json
import sys

MAX_CHARS = 2_000_000  # what one file may add to the index
MAX_PAGES = 2_000  # pages of a PDF read (a report has tens or hundreds; a bomb has hundreds of thousands)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):  # only files with an empty user password can be read
                raise ValueError("versleuteld")
        except Exception as error:  # noqa: BLE001 - any failure to decrypt: not readable
            raise ValueError("versleuteld") from error
    parts, length = [], 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES:
            break
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length > MAX_CHARS:
            break
    return "\n".join(parts)


def docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def odf_text(content: bytes) -> str:
    from odfdo import Document

    return Document(io.BytesIO(content)).get_formatted_text()


def sheet_text(content: bytes) -> str:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    lines = []
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=True):
            lines.append(" ".join(str(cell) for cell in row if cell not in ("", None)))
    return "\n".join(lines)


def pptx_text(content: bytes) -> str:
    """The text runs of every slide, in slide order (the XML read by defusedxml: a document type anywhere in
    the file is refused, not only in its first bytes)."""
    import re
    import zipfile

    from defusedxml.ElementTree import fromstring

    archive = zipfile.ZipFile(io.BytesIO(content))
    slides = sorted((name for name in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)),
                    key=lambda name: int(re.search(r"\d+", name).group()))
    parts = []
    for name in slides:
        root = fromstring(archive.read(name), forbid_dtd=True)  # DTDForbidden: the child says "niet leesbaar"
        parts.append(" ".join(node.text or "" for node in root.iter() if node.tag.endswith("}t")))
    return "\n".join(parts)


READERS = {"pdf": pdf_text, "docx": docx_text, "odt": odf_text, "ods": sheet_text, "xlsx": sheet_text,
           "pptx": pptx_text, "txt": lambda content: content.decode("utf-8", "replace"),
           "md": lambda content: content.decode("utf-8", "replace")}


ZIP_KINDS = {"docx", "odt", "ods", "xlsx", "pptx"}


def refuse_document_types(content: bytes) -> None:
    """Office files are zips of XML: none of their parts may declare a document type or entities, wherever
    in the part (python-docx, odfdo and calamine parse them with their own parsers; this is the same guard
    for all of them). :raises ValueError: a part that does."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as part:
                    tail = b""
                    while chunk := part.read(1 << 20):
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise ValueError(f"XML-documenttype in {info.filename}")
                        tail = chunk[-16:]


def main() -> None:
    kind = sys.argv[1]
    content = sys.stdin.buffer.read()
    try:
        if kind in ZIP_KINDS:
            refuse_document_types(content)
        text = READERS[kind](content)
    except Exception as error:  # noqa: BLE001 - whatever the file does wrong, the answer is "not readable"
        json.dump({"state": "niet leesbaar", "text": "", "reason": f"{type(error).__name__}: {error}"[:300]},
                  sys.stdout)
        return
    text = " ".join(text.split())[:MAX_CHARS]
    json.dump({"state": "gelezen" if text.strip() else "geen tekst", "text": text}, sys.stdout)


if __name__ == "__main__":
    main()
