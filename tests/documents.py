"""Real documents for the attachment tests, made the way office programs make them: PDF (written by
hand to the PDF 1.4 syntax, then passed through pypdf), DOCX (python-docx) and ODT (odfdo)."""
from __future__ import annotations

import io


def pdf(*pages: str) -> bytes:
    """A PDF with one text line per page (Helvetica), normalised by pypdf."""
    from pypdf import PdfReader, PdfWriter

    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [{}] /Count {} >>".format(
                   " ".join(f"{4 + 2 * n} 0 R" for n in range(len(pages))), len(pages)),
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for n, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * n} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1", "replace"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    normalised = io.BytesIO()
    writer.write(normalised)
    return normalised.getvalue()


def slow_pdf(operators: int = 1_500_000) -> bytes:
    """A few kilobytes of valid PDF that take pypdf half a minute to read: one page whose compressed content
    stream repeats a text operator a million and a half times (the shape of the review's 5.6 kB file)."""
    import zlib

    stream = zlib.compress(b"BT /F1 12 Tf " + b"(a) Tj " * operators + b"ET", 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf(text: str, password: str = "geheim") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(text))))
    writer.encrypt(user_password=password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """Pages without any text, as a scanner delivers them (the image left out)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(*paragraphs: str) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt(*paragraphs: str) -> bytes:
    from odfdo import Document, Paragraph

    document = Document("text")
    for paragraph in paragraphs:
        document.body.append(Paragraph(paragraph))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                            for n in range(1, 10))
                  + ']>')


def with_xml_bomb(office_file: bytes, part: str, word: bytes) -> bytes:
    """The office file with a 'billion laughs' DTD in one XML part, and `word` replaced by its entity."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(office_file)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = re.sub(rb"^<\?xml[^>]*\?>", BILLION_LAUGHS.encode(), content).replace(word, b"&lol9;")
                assert b"<!DOCTYPE lolz" in content and b"&lol9;" in content  # the bomb is really in
            target.writestr(item, content)
    return out.getvalue()


def with_late_entity(office_file: bytes, part: str, word: bytes, hidden: bytes) -> bytes:
    """The office file with a document type after 3,000 bytes of comment in one XML part (past any sniff of
    the first bytes), whose entity puts `hidden` where `word` stood."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(office_file)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                late = (b'<?xml version="1.0"?><!--' + b" " * 3000 + b'--><!DOCTYPE p:sld [<!ENTITY w "' + hidden
                        + b'">]>')
                content = re.sub(rb"^<\?xml[^>]*\?>", late, content).replace(word, b"&w;")
                assert content.index(b"<!DOCTYPE") > 3000 and b"&w;" in content
            target.writestr(item, content)
    return out.getvalue()


def pptx(*slides: str) -> bytes:
    """The parts of a PowerPoint file that carry its text (content types, presentation, one XML per slide)."""
    import zipfile

    out = io.BytesIO()
    ns = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' \
         'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("ppt/presentation.xml", f'<?xml version="1.0"?><p:presentation {ns}/>')
        for number, text in enumerate(slides, start=1):
            archive.writestr(f"ppt/slides/slide{number}.xml",
                             f'<?xml version="1.0"?><p:sld {ns}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r>'
                             f'<a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    return out.getvalue()
