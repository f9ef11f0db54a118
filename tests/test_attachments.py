"""Attachments: who may add, see and remove them, what is refused, and that their text is read by the
indexer (in a child process, never in the request) and searched — with the file named in the snippet."""
import html
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import Attachment, AttachmentBlob, Lesson, LessonKind, ProjectStatus, Revision
from kennisbank.search import extract, indexer
from kennisbank.services.finding import search
from kennisbank.services.registry import attachments

from . import documents
from .conftest import REPO, csrf_token

REPORT_WORD = "grondwaterstandmeting"  # occurs only inside the report


@pytest.fixture
def lead(make_user):
    return make_user(email="lead@gemeente.example", name="Lotte Lead")


@pytest.fixture
def project(make_project, lead):
    return make_project(title="Klimaatbestendige kade", lead=lead, status=ProjectStatus.STARTED)


def _upload(client, project, content, name):
    return client.post(f"/bijlagen/project/{project.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, f"/projecten/{project.id}"), "bestand": (io.BytesIO(content), name)},
        follow_redirects=True)


def test_a_report_is_read_by_the_indexer_and_its_words_find_the_project(app, db, client, auth, lead, project,
                                                                        make_user):
    auth.login("lead@gemeente.example")
    page = html.unescape(_upload(client, project, documents.pdf(f"Evaluatie: de {REPORT_WORD} liep achter.",
                                                                "Pagina twee."), "Evaluatie-pilot.pdf").get_data(as_text=True))
    assert "'Evaluatie-pilot.pdf' is toegevoegd" in page and "tekst wordt gelezen" in page
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.text_state == "wacht" and attachment.text == ""  # nothing read in the request
    indexer.catch_up(app)
    db.session.refresh(attachment)
    assert attachment.text_state == "gelezen" and REPORT_WORD in attachment.text
    found = search.search(make_user(), REPORT_WORD)
    assert [hit.item.title for hit in found.hits] == ["Klimaatbestendige kade"]
    assert "in bijlage <strong>Evaluatie-pilot.pdf</strong>:" in str(found.hits[0].snippet)
    assert "tekst doorzoekbaar" in client.get(f"/projecten/{project.id}").get_data(as_text=True)


@pytest.mark.parametrize("make, name, state", [
    (lambda: documents.docx("Inleiding", f"De {REPORT_WORD} bleek onbetrouwbaar."), "verslag.docx", "gelezen"),
    (lambda: documents.odt(f"Over de {REPORT_WORD}."), "verslag.odt", "gelezen"),
    (lambda: f"Notities: {REPORT_WORD}".encode(), "notities.txt", "gelezen"),
    (lambda: f"# Verslag\n\nDe *{REPORT_WORD}*.".encode(), "verslag.md", "gelezen"),
    (lambda: documents.pptx("Titeldia", f"Resultaat van de {REPORT_WORD}"), "presentatie.pptx", "gelezen"),
    (documents.scanned_pdf, "scan.pdf", "geen tekst"),
    (lambda: documents.encrypted_pdf(f"geheime {REPORT_WORD}"), "beveiligd.pdf", "niet leesbaar"),
    (lambda: documents.pdf("Kapot")[:300], "kapot.pdf", "niet leesbaar"),
])
def test_each_kind_of_file_gets_its_text_or_says_why_not(app, db, lead, project, make, name, state):
    added = attachments.add("project", project, name, make(), lead)
    db.session.commit()
    extract.pending(app)
    db.session.refresh(added)
    assert added.text_state == state
    assert (REPORT_WORD in added.text) is (state == "gelezen")
    indexer.catch_up(app)  # search still works beside an unreadable file
    assert search.search(lead, "kade").total == 1


@pytest.mark.parametrize("content, message", [
    (b"MZ\x90\x00\x03" + b"\x00" * 200, "wordt niet aangenomen"),  # a program renamed to .pdf
    (b"\x7fELF" + b"\x00" * 100, "wordt niet aangenomen"),
    (b"", "Het bestand is leeg."),
])
def test_refused_files_change_nothing(db, lead, project, content, message):
    with pytest.raises(DomainError, match=message):
        attachments.add("project", project, "rapport.pdf", content, lead)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def _zip(parts: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("parts", [
    {"setup.exe": b"MZ\x90\x00" + b"\x00" * 200},  # a plain zip holding a program, named .docx
    {"[Content_Types].xml": b"<Types/>", "word/evil.js": b"alert(1)"},  # Office-like, but no Word document
    {"mimetype": b"application/x-shockwave-flash", "content.xml": b"<x/>"},  # a mimetype no ODF has
])
def test_a_zip_that_is_no_office_document_is_refused_whatever_its_name(db, lead, project, parts):
    with pytest.raises(DomainError, match="wordt niet aangenomen"):
        attachments.add("project", project, "verslag.docx", _zip(parts), lead)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_zip_bomb_disguised_as_docx_is_refused(db, lead, project):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" * (250 * 1024 * 1024))
    with pytest.raises(DomainError, match="pakt uit tot 250 MB"):
        attachments.add("project", project, "rapport.docx", out.getvalue(), lead)


def test_markdown_is_told_from_text_by_its_name_once_the_content_is_text(db, lead, project):
    assert attachments.add("project", project, "LEESMIJ.md", b"# Kop", lead).media_type.startswith("text/markdown")
    assert attachments.add("project", project, "notitie.txt", b"# Kop", lead).media_type.startswith("text/plain")
    with pytest.raises(DomainError):  # a name does not make a program a Markdown file
        attachments.add("project", project, "virus.md", b"MZ\x90\x00" + b"\x00" * 64, lead)


def test_the_type_comes_from_the_content_and_the_name_is_made_safe(db, lead, project):
    added = attachments.add("project", project, "../../etc/rapport\r\n.docx.pdf", documents.docx("x"), lead)
    assert added.media_type.endswith("wordprocessingml.document")
    assert added.file_name == "etcrapport.docx"  # the extension is the content's, not the name's
    assert added.file_name == "".join(ch for ch in added.file_name if ch not in "/\\\r\n")


@pytest.mark.parametrize("name, content, stored", [
    ("opstarten.hta", b"<script>alert(1)</script>", "opstarten.txt"),
    ("start.bat", b"del /q *.*", "start.txt"),
    ("app.js", b"window.location = 'x'", "app.txt"),
    ("pagina.html", b"<html><body>hallo</body></html>", "pagina.txt"),
    ("tekening.svg", b"<svg onload='alert(1)'/>", "tekening.txt"),
    ("leesmij", b"Gewone tekst", "leesmij.txt"),
    ("Notities.MD", b"# Kop", "Notities.MD"),
    ("verslag.markdown", b"# Kop", "verslag.markdown"),
    ("notitie.txt", b"Gewone tekst", "notitie.txt"),
    ("foto.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "foto.jpeg"),
    ("foto.png", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "foto.jpg"),
    (".hta", b"tekst", "hta.txt"),  # a leading dot never stays (a hidden file)
])
def test_the_stored_name_ends_in_the_detected_type(db, lead, project, name, content, stored):
    """A script uploaded as text never keeps an extension Windows would run on a double-click."""
    assert attachments.add("project", project, name, content, lead).file_name == stored


def test_a_pdf_named_as_a_web_page_downloads_as_pdf(db, client, auth, lead, make_project):
    public = make_project(title="Openbaar", lead=lead, status=ProjectStatus.STARTED)
    added = attachments.add("project", public, "rapport.html", documents.pdf("rapport"), lead)
    db.session.commit()
    auth.login(lead.email)
    response = client.get(f"/bijlagen/{added.id}/{added.file_name}")
    assert added.file_name == "rapport.pdf" and 'filename=rapport.pdf' in response.headers["Content-Disposition"]
    older = attachments.add("project", public, "oud.txt", b"echo oud", lead)
    older.file_name = "oud.hta"  # stored before names followed the type
    db.session.commit()
    text = client.get(f"/bijlagen/{older.id}/oud.hta")
    assert "filename=oud.txt" in text.headers["Content-Disposition"]
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"  # one charset, not two


def test_the_same_file_twice_is_stored_once(db, lead, project, make_project):
    content = documents.pdf("Een rapport")
    attachments.add("project", project, "a.pdf", content, lead)
    attachments.add("project", make_project(lead=lead), "b.pdf", content, lead)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_only_those_who_may_edit_add_or_remove(db, lead, project, make_user):
    colleague = make_user()
    with pytest.raises(NotAllowed):
        attachments.add("project", project, "a.pdf", documents.pdf("x"), colleague)
    added = attachments.add("project", project, "a.pdf", documents.pdf("x"), lead)
    with pytest.raises(NotAllowed):
        attachments.remove(added, colleague)


def test_download_is_an_attachment_with_its_type_and_the_rules_of_the_item(app, db, client, auth, lead,
                                                                         make_project, make_user):
    make_user(email="collega@gemeente.example")
    concept = make_project(title="Concept", lead=lead)
    public = make_project(title="Openbaar", lead=lead, status=ProjectStatus.STARTED)
    secret = attachments.add("project", concept, "plan.pdf", documents.pdf("plan"), lead)
    shared = attachments.add("project", public, "Eind rapport.pdf", documents.pdf("rapport"), lead)
    db.session.commit()
    auth.login("collega@gemeente.example")
    response = client.get(f"/bijlagen/{shared.id}/Eind%20rapport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.data.startswith(b"%PDF")
    assert client.get(f"/bijlagen/{secret.id}/plan.pdf").status_code == 404  # someone else's concept
    refused = client.post(f"/bijlagen/project/{public.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, f"/projecten/{public.id}"), "bestand": (io.BytesIO(b"x"), "x.txt")})
    assert refused.status_code == 403


def test_removal_is_soft_recorded_and_the_words_leave_the_index(app, db, client, auth, lead, project, make_user):
    added = attachments.add("project", project, "rapport.pdf", documents.pdf(f"Over {REPORT_WORD}"), lead)
    db.session.commit()
    indexer.catch_up(app)
    assert search.search(make_user(), REPORT_WORD).total == 1
    auth.login("lead@gemeente.example")
    client.post(f"/bijlagen/{added.id}/verwijderen", data={"csrf_token": csrf_token(client, f"/projecten/{project.id}")})
    db.session.expire_all()
    assert db.session.get(Attachment, added.id).deleted_at is not None
    actions = db.session.scalars(select(Revision.action).where(Revision.entity_id == project.id)).all()
    assert "bijlage toegevoegd" in actions and "bijlage verwijderd" in actions
    indexer.catch_up(app)
    assert search.search(make_user(), REPORT_WORD).total == 0
    assert client.get(f"/bijlagen/{added.id}/rapport.pdf").status_code == 404


def test_an_upload_without_a_file_or_over_the_limit_is_told_in_dutch(app, db, client, auth, lead, project):
    auth.login("lead@gemeente.example")
    empty = client.post(f"/bijlagen/project/{project.id}", follow_redirects=True,
                        data={"csrf_token": csrf_token(client, f"/projecten/{project.id}")})
    assert "Kies een bestand om toe te voegen." in empty.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    too_big = _upload(client, project, b"%PDF-" + b"x" * 5000, "groot.pdf")
    assert too_big.status_code == 413 and "groter dan" in too_big.get_data(as_text=True)


def test_the_voortoets_finds_earlier_work_by_its_report(app, db, lead, project, make_project):
    from kennisbank.services.gates import voortoets

    for title in ("Deelauto's in de wijk", "Groene daken", "Slimme lantaarnpalen", "Afval scheiden", "Wijkbus",
                  "Warmtenet in de binnenstad"):  # others in the index, so that words can be distinctive
        make_project(title=title, lead=lead, status=ProjectStatus.STARTED)
    attachments.add("project", project, "rapport.pdf",
                    documents.pdf(f"De {REPORT_WORD} met peilbuizen bij de kademuur gaf vroeg signaal."), lead)
    db.session.commit()
    indexer.catch_up(app)
    suggestions = voortoets.similar_work(f"Peilbuizen en {REPORT_WORD} bij kademuren", theme_ids=[])
    assert "Klimaatbestendige kade" in [s.item.title for s in suggestions if hasattr(s.item, "title")]


def test_an_xml_bomb_in_a_docx_is_read_within_its_limits(app, db, lead, project):
    """A 'billion laughs' document: the child process reads it without expanding the entities (or gives
    up within its limits); the file is kept either way and search goes on."""
    import time

    bomb = documents.with_xml_bomb(documents.docx("Gewone tekst"), "word/document.xml", b"Gewone tekst")
    added = attachments.add("project", project, "bom.docx", bomb, lead)
    db.session.commit()
    started = time.monotonic()
    extract.pending(app)
    db.session.refresh(added)
    assert time.monotonic() - started < 30
    assert added.text_state in ("niet leesbaar", "geen tekst", "gelezen") and len(added.text) < 10_000
    assert "lollol" not in added.text


def test_several_files_at_once_each_taken_or_refused_on_its_own(db, client, auth, lead, project):
    auth.login("lead@gemeente.example")
    response = client.post(f"/bijlagen/project/{project.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, f"/projecten/{project.id}"),
        "bestand": [(io.BytesIO(documents.pdf("Een")), "een.pdf"), (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "twee.pdf"),
                    (io.BytesIO(documents.docx("Drie")), "drie.docx")]}, follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert "'een.pdf' is toegevoegd" in page and "'drie.docx' is toegevoegd" in page
    assert "'twee.pdf': Dit bestandstype wordt niet aangenomen" in page
    assert sorted(a.file_name for a in attachments.of_item("project", project.id)) == ["drie.docx", "een.pdf"]


def _extract_children(parent: int) -> list[int]:
    """Pids of the attachment readers (extract_worker.py) that `parent` started."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == parent and b"extract_worker.py" in command:
            found.append(int(status.parent.name))
    return found


def test_a_change_saved_while_a_slow_pdf_is_read_is_findable_within_5_seconds(app, db, lead, project, make_user,
                                                                              tmp_path):
    """Reading attachment text no longer holds up the indexer's rounds: while a real background process
    reads a pathological PDF, a lesson saved elsewhere is findable within 5 s. The reading child dies with
    that process, and a file that cannot be read in time is marked once, never tried again."""
    indexer.catch_up(app)
    slow = attachments.add("project", project, "traag.pdf", documents.slow_pdf(), lead)
    db.session.commit()
    env = dict(os.environ, KENNISBANK_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               KENNISBANK_SECRET_KEY="test", KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"),
               KENNISBANK_INDEX_DIR=app.config["INDEX_DIR"], KENNISBANK_ATTACHMENT_READ_SECONDS="120",
               PYTHONPATH=str(REPO))
    background = subprocess.Popen([sys.executable, str(REPO / "tests" / "scripts" / "background_indexer.py")],
                                  env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert background.stdout.readline().strip() == "klaar"
        deadline = time.monotonic() + 20
        while not _extract_children(background.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        [reading] = _extract_children(background.pid)  # the PDF is being read now
        viewer = make_user(email="kijker@gemeente.example")
        db.session.add(Lesson(title="Kwallentelling in de gracht", kind=LessonKind.INSIGHT, advice="Tel vaker.",
                              author=lead))
        db.session.commit()
        saved = time.monotonic()
        while not search.search(viewer, "kwallentelling").total and time.monotonic() - saved < 10:
            time.sleep(0.1)
        waited = time.monotonic() - saved
        assert search.search(viewer, "kwallentelling").total == 1 and waited <= 5, waited
        assert Path(f"/proc/{reading}").exists()  # still reading the PDF all the while
    finally:
        background.send_signal(signal.SIGKILL)
        background.wait(timeout=30)
        background.stdout.close()
    db.session.commit()  # end the test's own transaction: the reader below writes from its own session
    deadline = time.monotonic() + 5
    while Path(f"/proc/{reading}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{reading}").exists() or "Z" in Path(f"/proc/{reading}/stat").read_text().split()[2]
    db.session.refresh(slow)
    assert slow.text_state == "wacht"  # its reader died with the process: another one reads it
    app.config["ATTACHMENT_READ_SECONDS"] = 2
    started = time.monotonic()
    assert extract.pending(app) == 1
    assert time.monotonic() - started < 10  # stopped at its limit, not after half a minute
    db.session.refresh(slow)
    assert slow.text_state == "niet leesbaar"
    assert extract.pending(app) == 0  # marked once: never read again each round


def test_one_person_adds_at_most_the_hourly_number_of_files_on_every_host(app, db, lead, project, make_user):
    from datetime import timedelta

    from kennisbank.models.base import utcnow

    app.config["UPLOADS_PER_HOUR"] = 3
    first = attachments.add("project", project, "a.txt", b"een", lead)
    attachments.add("project", project, "b.txt", b"twee", lead)
    attachments.remove(first, lead)  # a removed file still counts: removing makes no room
    attachments.add("project", project, "c.txt", b"drie", lead)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        attachments.add("project", project, "d.txt", b"vier", lead)
    assert refused.value.message.startswith("U heeft het afgelopen uur al 3 bestanden toegevoegd; meer dan 3 per uur")
    db.session.rollback()
    first.created_at = utcnow() - timedelta(hours=1, seconds=1)  # an upload of more than an hour ago
    db.session.commit()
    assert attachments.add("project", project, "d.txt", b"vier", lead).file_name == "d.txt"
    colleague = make_user(email="collega@gemeente.example", is_admin=True)
    assert attachments.add("project", project, "e.txt", b"vijf", colleague)  # counted per person


def test_a_slide_with_a_document_type_past_its_first_bytes_is_not_read(app, db, lead, project):
    """The slides' XML is parsed by defusedxml: a DTD is refused wherever it stands (the sniff of the first
    2,000 bytes let this one through, and its entity was expanded)."""
    content = documents.with_late_entity(documents.pptx("Titeldia", "Gewoon"), "ppt/slides/slide2.xml", b"Gewoon",
                                         b"Binnengesmokkeld")
    added = attachments.add("project", project, "dia.pptx", content, lead)
    db.session.commit()
    extract.pending(app)
    db.session.refresh(added)
    assert added.text_state == "niet leesbaar" and "Binnengesmokkeld" not in added.text


@pytest.mark.parametrize("make, part, name", [
    (lambda: documents.docx("Gewoon"), "word/document.xml", "verslag.docx"),
    (lambda: documents.odt("Gewoon"), "content.xml", "verslag.odt"),
])
def test_no_part_of_an_office_file_may_declare_a_document_type(app, db, lead, project, make, part, name):
    """The same guard for every XML the reader meets: a DTD in any part, however far in, and the file is not
    read (odfdo's parser would have expanded this entity)."""
    content = documents.with_late_entity(make(), part, b"Gewoon", b"Binnengesmokkeld")
    added = attachments.add("project", project, name, content, lead)
    db.session.commit()
    extract.pending(app)
    db.session.refresh(added)
    assert added.text_state == "niet leesbaar" and "Binnengesmokkeld" not in added.text
