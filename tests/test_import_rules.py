"""The import obeys every rule the forms obey (security review of the import, M1–M7 and L1–L8): each finding
is a test here that failed on the code before it."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select, update

from kennisbank.ground import csv_out
from kennisbank.ground.errors import DomainError
from kennisbank.models import ImportRun, ImportRunPart, Lesson, LessonKind, Project, ProjectStatus, Revision
from kennisbank.services.importing import columns, reading
from kennisbank.services.importing import run as importing

from .conftest import csrf_token


def csv_file(header: list[str], *rows: list[str]) -> bytes:
    lines = [";".join(header)] + [";".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def do_import(db, by, content, kind="projecten", name="lijst.csv", **choices):
    run = importing.start(kind, name, content, by)
    if choices:
        importing.choose(run, by, **choices)
    importing.execute(run, by, dry_run=False)
    db.session.commit()
    return run


def messages(run) -> list[str]:
    return [message for _, _, message in run.problems]


@pytest.fixture
def world(make_user, make_theme, make_project, make_lesson):
    """A theme owner of Energie, a colleague who leads running work in Energie and Mobiliteit, a beheerder."""
    owner = make_user(email="eigenaar@gemeente.example", name="Erik Eigenaar")
    lead = make_user(email="leider@gemeente.example", name="Lotte Leider")
    admin = make_user(email="beheer@gemeente.example", name="Bea Heer", is_admin=True)
    energy = make_theme(name="Energie", owners=[owner])
    mobility = make_theme(name="Mobiliteit")
    running = make_project(title="Warmtenet Noord", lead=lead, themes=[energy], status=ProjectStatus.STARTED,
                           goal="Het doel blijft staan.", approach="De aanpak ook.")
    other = make_project(title="Deelfietsen", lead=lead, themes=[mobility], status=ProjectStatus.STARTED)
    secret = make_project(title="Geheim concept van Lotte", lead=lead, themes=[mobility])
    lesson = make_lesson(title="Les over deelfietsen", author=lead, themes=[mobility], project=other)
    return {"owner": owner, "lead": lead, "admin": admin, "energy": energy, "mobility": mobility,
            "running": running, "other": other, "secret": secret, "lesson": lesson}


# M1 — an update writes only the file's columns, and never moves a status past a gate or a lead --------------

def test_a_status_change_by_import_is_refused_and_changes_nothing(db, world):
    running = world["running"]
    version = running.version
    run = do_import(db, world["owner"], csv_file(["Bron-id", "Titel", "Status"],
                                                 [f"kb-{running.id}", "Warmtenet Noord", "afgesloten"]))
    assert (run.updated, run.refused) == (0, 1)
    assert messages(run) == ["De status van een bestaand project verandert niet door een import: starten gaat via "
                             "de voortoets, afsluiten via de afsluitpagina van het project."]
    db.session.refresh(running)
    assert (running.status, running.closed_at, running.version) == (ProjectStatus.STARTED, None, version)


def test_an_update_leaves_the_columns_the_file_does_not_have(db, world):
    running = world["running"]
    run = do_import(db, world["owner"], csv_file(["Bron-id", "Titel"], [f"kb-{running.id}", "Warmtenet Noord-Oost"]))
    assert (run.updated, run.refused) == (1, 0)
    db.session.refresh(running)
    assert (running.title, running.goal, running.approach) == ("Warmtenet Noord-Oost", "Het doel blijft staan.",
                                                               "De aanpak ook.")
    assert (running.lead, running.status) == (world["lead"], ProjectStatus.STARTED)
    latest = db.session.scalars(select(Revision).order_by(Revision.id.desc())).first()
    assert set(latest.changes) == {"title", "bestand"}


def test_only_a_beheerder_changes_the_lead_of_an_existing_project(db, world):
    running = world["running"]
    row = [f"kb-{running.id}", "eigenaar@gemeente.example"]
    refused = do_import(db, world["owner"], csv_file(["Bron-id", "Projectleider"], row))
    assert messages(refused) == ["Alleen een beheerder wijzigt de projectleider van een bestaand project."]
    db.session.refresh(running)
    assert running.lead == world["lead"]
    done = do_import(db, world["admin"], csv_file(["Bron-id", "Projectleider"], row))
    assert (done.updated, done.refused) == (1, 0)
    db.session.refresh(running)
    assert running.lead == world["owner"]


# M2 — what the importer may not see is never named, and hidden looks exactly like missing ------------------------

def test_hidden_and_deleted_items_look_exactly_like_missing_ones(db, world, make_project):
    deleted = make_project(title="Verwijderd project van Lotte", lead=world["lead"], themes=[world["energy"]],
                           status=ProjectStatus.STARTED)
    from kennisbank.models.base import utcnow

    deleted.deleted_at = utcnow()
    db.session.commit()
    header = ["Bron-id", "Titel", "Vraag", "Gemeente", "Status", "Thema's"]
    rows = [[reference, "Nieuw", "Vraag?", "Utrecht", "gestart", "Energie"]
            for reference in (f"kb-{world['secret'].id}", f"kb-{deleted.id}", "kb-987654")]
    run = do_import(db, world["owner"], csv_file(header, *rows))
    assert (run.created, run.refused) == (3, 0)  # three times the same answer: a new item
    shown = json.dumps([run.problems, run.report, run.refused_csv], ensure_ascii=False)
    assert "Geheim" not in shown and "Verwijderd" not in shown
    db.session.refresh(world["secret"])
    assert world["secret"].title == "Geheim concept van Lotte"


def test_this_sources_item_that_became_hidden_is_unknown_without_its_title(db, world):
    header = ["Bron-id", "Titel", "Vraag", "Gemeente", "Status", "Thema's", "Projectleider"]
    do_import(db, world["admin"], csv_file(header, ["C-1", "Concept van Lotte", "Vraag?", "Utrecht", "concept",
                                                    "Mobiliteit", "leider@gemeente.example"]))
    run = do_import(db, world["owner"], csv_file(header[:2], ["C-1", "Overschreven?"]))
    assert messages(run) == ["Bron-id 'C-1' is onbekend: er is geen project met dit nummer dat u mag zien."]
    assert "Concept van Lotte" not in json.dumps([run.problems, run.report], ensure_ascii=False)


def test_a_visible_item_outside_the_importers_themes_is_left_alone_without_its_title(db, world):
    other = world["other"]
    run = do_import(db, world["owner"], csv_file(["Bron-id", "Titel"], [f"kb-{other.id}", "Overgenomen"]))
    assert messages(run) == [f"Het project met bron-id 'kb-{other.id}' valt niet onder uw thema's; het is niet "
                             "gewijzigd."]
    db.session.refresh(other)
    assert other.title == "Deelfietsen"


# M3 — a lesson goes only where the importer may add one, and is theirs unless a beheerder imports history --------

LESSON_HEADER = ["Titel", "Soort", "Advies", "Project (bron-id)", "Thema's", "Auteur"]


def test_a_lesson_goes_only_into_a_project_the_importer_may_add_lessons_to(db, world):
    secret, other, running = world["secret"], world["other"], world["running"]
    rows = [["In een geheim concept", "mislukking", "Advies.", f"kb-{secret.id}", "Energie", ""],
            ["In een ander thema", "mislukking", "Advies.", f"kb-{other.id}", "Energie", ""],
            ["In eigen thema", "mislukking", "Advies.", f"kb-{running.id}", "Energie", ""]]
    run = do_import(db, world["owner"], csv_file(LESSON_HEADER, *rows), kind="lessen")
    assert (run.created, run.refused) == (1, 2)
    assert messages(run) == [
        f"Er is geen project met bron-id 'kb-{secret.id}' dat u mag zien. Importeer de projecten eerst.",
        f"U kunt geen lessen toevoegen aan het project met bron-id 'kb-{other.id}': alleen het projectteam, de "
        "themaeigenaren en beheerders kunnen dat."]
    assert db.session.scalar(select(func.count()).select_from(Lesson).where(Lesson.project_id == secret.id)) == 0


def test_only_a_beheerder_imports_a_lesson_in_someone_elses_name(db, world):
    row = ["Namens Lotte", "inzicht", "Advies.", "", "Energie", "leider@gemeente.example"]
    refused = do_import(db, world["owner"], csv_file(LESSON_HEADER, row), kind="lessen")
    assert messages(refused) == ["Alleen een beheerder importeert lessen op naam van een ander. Laat de kolom leeg "
                                 "of vul uw eigen e-mailadres in."]
    own = do_import(db, world["owner"], csv_file(LESSON_HEADER, [*row[:5], "eigenaar@gemeente.example"]),
                    kind="lessen")
    history = do_import(db, world["admin"], csv_file(LESSON_HEADER, ["Uit Lottes logboek", *row[1:4], "Mobiliteit",
                                                                     row[5]]), kind="lessen")
    assert (own.created, history.created) == (1, 1)
    authors = dict(db.session.execute(select(Lesson.import_run_id, Lesson.author_id)).all())
    assert authors[own.id] == world["owner"].id and authors[history.id] == world["lead"].id


def test_an_existing_lesson_outside_the_importers_themes_is_left_alone(db, world):
    lesson = world["lesson"]
    run = do_import(db, world["owner"], csv_file(["Bron-id", "Titel", "Advies"],
                                                 [f"kb-{lesson.id}", "Overschreven", "Ander advies."]), kind="lessen")
    assert messages(run) == [f"De les met bron-id 'kb-{lesson.id}' valt niet onder uw thema's; het is niet gewijzigd."]
    db.session.refresh(lesson)
    assert lesson.title == "Les over deelfietsen"


# M4 — no formulas out of any CSV kennisbank writes -------------------------------------------------------------

@pytest.mark.parametrize("cell, safe", [("=1+1", "'=1+1"), ("+31 6 1234", "'+31 6 1234"), ("-5", "'-5"),
                                        ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"), ("\rCR", "'\rCR"),
                                        ("Gewoon", "Gewoon"), ("a=b", "a=b"), ("", ""), (12, 12)])
def test_a_cell_that_would_run_as_a_formula_gets_a_quote_and_the_import_takes_it_off(cell, safe):
    assert csv_out.safe_cell(cell) == safe
    if isinstance(cell, str):
        assert reading.unescape_formula(safe) == cell


def test_every_csv_kennisbank_writes_is_safe_to_open(app, db, client, auth, world, make_project):
    from kennisbank.search import indexer

    make_project(title='=HYPERLINK("http://x.example","klik")', lead=world["lead"], status=ProjectStatus.STARTED,
                 question="Slimme verlichting?")
    world["admin"].name = "@SUM(1+1)"
    db.session.commit()
    indexer.catch_up(app)
    auth.login("beheer@gemeente.example")
    listed = client.get("/projecten/?formaat=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in listed and ';=HYPERLINK' not in listed and '"=HYPERLINK' not in listed
    found = client.get("/zoeken?q=verlichting&formaat=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in found and ';=HYPERLINK' not in found
    audit = client.get("/beheer/audit.csv").get_data(as_text=True)
    assert "'@SUM(1+1)" in audit and ",@SUM" not in audit


# M7 — column choices belong to the importer and never override a name kennisbank knows ---------------------------

def test_column_choices_are_the_importers_own_and_never_override_a_known_header(db, world):
    owner, admin = world["owner"], world["admin"]
    columns.remember("projecten", {"Plaats": "municipality"}, owner.id)
    columns.remember("lessen", {"Titel": "advice", "Advies": "title"}, owner.id)  # known names: not taken
    assert columns.map_headers("projecten", ["Plaats"], user_id=owner.id) == {0: "municipality"}
    assert columns.map_headers("projecten", ["Plaats"], user_id=admin.id) == {}
    assert columns.map_headers("lessen", ["Titel", "Advies"], user_id=owner.id) == {0: "title", 1: "advice"}
    run = do_import(db, admin, csv_file(["Titel", "Soort", "Advies"], ["Titel blijft titel", "inzicht", "Advies."]),
                    kind="lessen")
    lesson = db.session.scalar(select(Lesson).where(Lesson.import_run_id == run.id))
    assert (lesson.title, lesson.advice) == ("Titel blijft titel", "Advies.")


# L1 — bounded before parsing, and the check stored, not redone per view --------------------------------------

def test_reading_stops_at_the_row_limit_before_reading_further(app, db, world):
    app.config["IMPORT_MAX_ROWS"] = 3
    huge = "x" * 200_000  # a cell beyond the limit of a cell: never reached
    content = csv_file(["Titel", "Vraag"], *[[f"P{n}", "Vraag?"] for n in range(4)], ["P5", huge])
    run = importing.start("projecten", "groot.csv", content, world["admin"])
    with pytest.raises(Exception) as refused:
        importing.execute(run, world["admin"], dry_run=True)
    assert "meer dan 3 rijen" in str(refused.value)


def test_the_report_page_shows_the_stored_check_and_never_reads_the_file_again(db, client, auth, world):
    auth.login("beheer@gemeente.example")
    content = csv_file(["Titel", "Vraag", "Gemeente", "Status"], ["Groene daken", "Hoe?", "Utrecht", "gestart"])
    url = client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": "projecten",
                                        "bestand": (io.BytesIO(content), "daken.csv")},
                      content_type="multipart/form-data").headers["Location"]
    run = db.session.scalars(select(ImportRun)).one()
    db.session.execute(update(ImportRunPart).where(ImportRunPart.run_id == run.id)
                       .values(data=b"PK\x03\x04 no longer a spreadsheet"))  # were it read again, it would be refused
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 200 and "Groene daken" in page.get_data(as_text=True)


# L2 — the forms' length limits --------------------------------------------------------------------------------

def test_the_forms_length_limits_hold_in_the_import_to_the_character(db, world):
    header = ["Titel", "Vraag", "Gemeente", "Status", "Aanpak"]
    run = do_import(db, world["admin"], csv_file(header, ["Precies", "Vraag?", "Utrecht", "gestart", "a" * 20000],
                                                 ["Te lang", "Vraag?", "Utrecht", "gestart", "a" * 20001]))
    assert (run.created, run.refused) == (1, 1)
    assert messages(run) == ["Dit is 20001 tekens lang; hoogstens 20000 past."]
    title = do_import(db, world["admin"], csv_file(header[:4], ["t" * 201, "Vraag?", "Utrecht", "gestart"]))
    assert messages(title) == ["Dit is 201 tekens lang; hoogstens 200 past."]


# L3 — every malformed file a Dutch refusal that writes nothing, over HTTP -------------------------------------

def _xlsx_with_a_dtd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e "x">]><workbook/>')
    return out.getvalue()


@pytest.mark.parametrize("content, name, message", [
    (('Titel;Vraag\r\n"' + "x" * 140_000 + '";y\r\n').encode(), "lang.csv", "cel van meer dan 131.072 tekens"),
    (b"[" * 5000 + b"]" * 5000, "diep.json", "dieper genest dan 50 niveaus"),
    (_xlsx_with_a_dtd(), "dtd.xlsx", "XML-documenttype (DTD)"),
])
def test_a_malformed_file_is_a_dutch_400_and_writes_nothing(db, client, auth, world, content, name, message):
    auth.login("beheer@gemeente.example")
    response = client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": "projecten",
                                             "bestand": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_choices_for_an_import_that_already_ran_are_a_dutch_refusal(db, client, auth, world):
    auth.login("beheer@gemeente.example")
    run = do_import(db, world["admin"], csv_file(["Titel", "Vraag", "Gemeente", "Status"],
                                                 ["Groene daken", "Hoe?", "Utrecht", "gestart"]))
    response = client.post(f"/import/{run.id}/kolommen", data={"csrf_token": csrf_token(client, "/import/"),
                                                              "standaard-status": "gestopt"})
    assert response.status_code == 400 and "al gestart of uitgevoerd" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Project)) == 3 + 1


# L8 — bron-ids count per source -------------------------------------------------------------------------------

def test_another_lists_numbers_never_update_this_lists_items(db, world, make_user):
    header = ["Nr", "Titel", "Vraag", "Gemeente", "Status"]
    utrecht = do_import(db, world["admin"], csv_file(header, *[[str(n), f"Utrecht {n}", "Vraag?", "Utrecht", "gestart"]
                                                               for n in (1, 2, 3)]))
    zeist = make_user(is_admin=True, organisation="Gemeente Zeist")
    other = do_import(db, zeist, csv_file(header, *[[str(n), f"Zeist {n}", "Vraag?", "Zeist", "gestart"]
                                                    for n in (1, 2, 3)]))
    named = do_import(db, world["admin"], csv_file(header, ["1", "Uit het subsidieregister", "Vraag?", "Utrecht",
                                                            "gestart"]), source="subsidieregister")
    assert (utrecht.created, other.created, other.updated, named.created, named.updated) == (3, 3, 0, 1, 0)
    titles = set(db.session.scalars(select(Project.title).where(Project.import_run_id.is_not(None))))
    assert {"Utrecht 1", "Utrecht 2", "Utrecht 3", "Zeist 1", "Uit het subsidieregister"} <= titles
    again = do_import(db, world["admin"], csv_file(header, ["1", "Utrecht 1", "Vraag?", "Utrecht", "gestart"]))
    assert (again.created, again.unchanged) == (0, 1)


def test_imported_lessons_of_history_keep_their_kind(db, world):
    run = do_import(db, world["admin"], csv_file(["Titel", "Soort", "Advies", "Waar tegenaan gelopen"],
                                                 ["Te laat begonnen", "mislukking", "Begin eerder.", "Vergunning"]),
                    kind="lessen")
    lesson = db.session.scalar(select(Lesson).where(Lesson.import_run_id == run.id))
    assert (lesson.kind, lesson.what_happened) == (LessonKind.FAILURE, "Vergunning")


# L1 — a large file is read and checked in the background, with progress; the page stays free ------------------

def test_a_large_upload_is_checked_in_the_background_with_progress(app, db, client, auth, world, monkeypatch):
    from kennisbank.services.importing.run import work_once

    app.config["IMPORT_BACKGROUND_KB"] = 1
    monkeypatch.setattr(importing, "PART_BYTES", 4096)  # stored in pieces, as a 25 MB file is in megabytes
    auth.login("beheer@gemeente.example")
    rows = [[f"Project {n}", "Hoe doen we dit samen met bewoners?", "Utrecht", "gestart"] for n in range(250)]
    content = csv_file(["Titel", "Vraag", "Gemeente", "Status"], *rows)
    assert len(content) > 1024
    url = client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": "projecten",
                                        "bestand": (io.BytesIO(content), "groot.csv")},
                      content_type="multipart/form-data").headers["Location"]
    run = db.session.scalars(select(ImportRun)).one()
    assert (run.status, run.rows_total, run.size) == ("controle", 0, len(content))  # the request did not read it
    pieces = db.session.scalars(select(ImportRunPart.data).where(ImportRunPart.run_id == run.id)
                                .order_by(ImportRunPart.seq)).all()
    assert len(pieces) == -(-len(content) // 4096) and b"".join(pieces) == content
    waiting = client.get(url).get_data(as_text=True)
    assert "Controle loopt" in waiting and '<meta http-equiv="refresh" content="2">' in waiting
    assert work_once().id == run.id  # what the thread of any web process does
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert (run.status, run.rows_total, run.created, run.refused) == ("voorbeeld", 250, 250, 0)
    assert db.session.scalar(select(func.count()).select_from(Project)) == 3  # the world's own: a check writes nothing
    assert "<strong>250</strong> nieuw" in client.get(url).get_data(as_text=True)
    # Choices made on the page: the large file is checked again in the background, not in the request
    chosen = client.post(url + "/kolommen", data={"csrf_token": csrf_token(client, url), "vertalingen": "",
                                                  "standaard-department": "Ruimte"}, follow_redirects=True)
    assert "de controle wordt opnieuw gedaan" in chosen.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "controle"
    assert work_once().id == run.id
    db.session.expire_all()
    assert (db.session.get(ImportRun, run.id).status, db.session.get(ImportRun, run.id).defaults) == \
        ("voorbeeld", {"department": "Ruimte"})


def test_a_large_file_that_cannot_be_read_says_so_in_dutch_after_its_check(app, db, client, auth, world):
    from kennisbank.services.importing.run import work_once

    app.config["IMPORT_BACKGROUND_KB"] = 1
    auth.login("beheer@gemeente.example")
    content = b"[" * 3000 + b"]" * 3000
    url = client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": "projecten",
                                        "bestand": (io.BytesIO(content), "diep.json")},
                      content_type="multipart/form-data").headers["Location"]
    work_once()
    page = client.get(url)
    assert page.status_code == 400 and "dieper genest dan 50 niveaus" in page.get_data(as_text=True)
    assert "Er is niets opgeslagen" in page.get_data(as_text=True)


# Uploads are not kept for good -----------------------------------------------------------------------------------

def _parts(db, run) -> int:
    return db.session.scalar(select(func.count()).select_from(ImportRunPart).where(ImportRunPart.run_id == run.id))


def test_the_uploaded_file_goes_once_the_import_is_carried_out_and_the_refused_rows_stay(db, client, auth, world):
    content = csv_file(["Titel", "Vraag", "Gemeente", "Status"], ["Groene daken", "Hoe?", "Utrecht", "gestart"],
                       ["Zonder vraag", "", "Utrecht", "gestart"])
    run = importing.start("projecten", "daken.csv", content, world["admin"])
    importing.execute(run, world["admin"], dry_run=True)
    db.session.commit()
    assert _parts(db, run) == 1  # checked, not yet carried out: the file is needed again
    importing.execute(run, world["admin"], dry_run=False)
    db.session.commit()
    assert _parts(db, run) == 0 and run.size == len(content)
    auth.login("beheer@gemeente.example")
    refused = client.get(f"/import/{run.id}/geweigerd.csv")
    assert refused.status_code == 200 and "Zonder vraag" in refused.get_data(as_text=True)


def test_a_file_never_carried_out_is_removed_after_the_keep_days_and_then_says_so(app, db, world):
    from datetime import timedelta

    from kennisbank.models.base import utcnow

    content = csv_file(["Titel", "Vraag", "Gemeente", "Status"], ["Groene daken", "Hoe?", "Utrecht", "gestart"])
    runs = []
    for _ in range(2):
        run = importing.start("projecten", "daken.csv", content, world["admin"])
        importing.execute(run, world["admin"], dry_run=True)
        runs.append(run)
    now = utcnow()
    runs[0].created_at = now - timedelta(days=14, minutes=1)
    runs[1].created_at = now - timedelta(days=13, hours=23)
    db.session.commit()
    assert app.config["IMPORT_KEEP_DAYS"] == 14
    assert importing.remove_old_files(now) == 1
    db.session.commit()
    assert (_parts(db, runs[0]), _parts(db, runs[1])) == (0, 1)
    with pytest.raises(DomainError) as gone:
        importing.execute(runs[0], world["admin"], dry_run=False)
    assert "niet meer bewaard" in gone.value.message and "Upload het opnieuw" in gone.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Project).where(Project.title == "Groene daken")) == 0
