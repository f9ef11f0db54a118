"""Import of projects and lessons from spreadsheets: every rule at the service, the flow over HTTP, and
bad input — each a clear Dutch message, nothing lost, nothing half-written."""
import csv
import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from kennisbank.ground.errors import DomainError
from kennisbank.models import (ImportRun, InnovationStage, Lesson, LessonKind, Project, ProjectStatus, Revision,
                               SearchChange)
from kennisbank.services.importing import run as importing
from kennisbank.services.importing import runner, template

from .conftest import csrf_token

HEADER = ["Bron-id", "Titel", "Vraag", "Gemeente", "Status", "Startdatum", "Einddatum", "Thema's", "Fase"]


def csv_bytes(rows, header=HEADER, delimiter=";", encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, sheet="Projecten") -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    ws.write_row(0, 0, header)
    for n, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, date):
                ws.write_datetime(n, c, value, book.add_format({"num_format": "dd-mm-yyyy"}))
            elif isinstance(value, str) and value.startswith("="):
                ws.write_formula(n, c, value, None, "berekend")
            else:
                ws.write(n, c, value)
    book.close()
    return out.getvalue()


def key(reference: str) -> str:
    """The content key of an import by a user of the factories' organisation (bron-ids count per source)."""
    return f"import:Gemeente Utrecht/{reference}"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(make_user):
    return make_user(email="beheer@gemeente.example", is_admin=True)


def do_import(db, admin, content, kind="projecten", dry_run=False, name="projecten.csv", mapping=None):
    run = importing.start(kind, name, content, admin)
    if mapping:
        run.mapping = mapping
    checked = importing.execute(run, admin, dry_run=dry_run)
    db.session.commit()
    return run, checked


ROW = ["P-1", "Slimme verlichting", "Hoe besparen we energie?", "Eindhoven", "afgesloten", "01-03-2021",
       "30-06-2022", "", "pilot"]


def test_a_dutch_excel_csv_imports_with_status_dates_and_history(db, admin):
    content = csv_bytes([ROW], encoding="cp1252")
    run, _ = do_import(db, admin, content)
    project = db.session.scalars(select(Project)).one()
    assert (project.title, project.municipality_code, project.status, project.stage) == \
        ("Slimme verlichting", "GM0772", ProjectStatus.CLOSED, InnovationStage.PILOT)
    assert (project.start_date, project.end_date) == (date(2021, 3, 1), date(2022, 6, 30))
    assert project.closed_at.date() == date(2022, 6, 30) and project.import_run_id == run.id
    assert project.lead == admin and project.content_key == key("P-1")
    revision = db.session.scalars(select(Revision).where(Revision.entity_id == project.id)).one()
    assert (revision.action, revision.changes) == ("geïmporteerd (historisch)", {"bestand": [None, "projecten.csv"]})
    assert project.start_override_reason.startswith("Geïmporteerd (historisch) uit 'projecten.csv'")
    assert project.start_override_by == admin and "vóór kennisbank" in project.closure_note
    assert (run.created, run.refused, run.status) == (1, 0, "uitgevoerd")


def test_importing_the_same_file_again_updates_and_never_duplicates(db, admin):
    do_import(db, admin, csv_bytes([ROW]))
    run, _ = do_import(db, admin, csv_bytes([ROW]))
    assert (run.created, run.updated, run.unchanged) == (0, 0, 1)
    changed = list(ROW)
    changed[1] = "Slimme verlichting in de binnenstad"
    run, _ = do_import(db, admin, csv_bytes([changed]))
    assert (run.created, run.updated) == (0, 1)
    assert count(db, Project) == 1
    assert db.session.scalars(select(Project)).one().title == "Slimme verlichting in de binnenstad"
    latest = db.session.scalars(select(Revision).order_by(Revision.id.desc())).first()
    assert latest.action == "bijgewerkt door import" and latest.changes["title"][1].endswith("binnenstad")


def test_a_dry_run_reports_but_writes_nothing(db, admin):
    run, _ = do_import(db, admin, csv_bytes([ROW, ["P-2", "", "Vraag", "Utrecht", "", "", "", "", ""]]),
                       dry_run=True)
    assert (run.created, run.refused, run.status) == (1, 1, "voorbeeld")
    assert count(db, Project) == 0 and count(db, Revision) == 0
    assert importing.execute(run, admin, dry_run=False).rows[0].outcome == "aangemaakt"  # then for real
    db.session.commit()
    assert count(db, Project) == 1


def test_valid_rows_go_in_refused_rows_come_back_with_their_reason(db, admin):
    rows = [ROW, ["P-2", "Zonder vraag", "", "Utrecht", "", "", "", "", ""],
            ["P-3", "Verkeerde gemeente", "Vraag?", "Den Hag", "", "", "", "", ""],
            ["P-4", "Verkeerde datum", "Vraag?", "Utrecht", "", "31-02-2021", "", "", ""],
            ["P-1", "Dubbel", "Vraag?", "Utrecht", "", "", "", "", ""]]
    run, _ = do_import(db, admin, csv_bytes(rows))
    assert (run.created, run.refused) == (1, 4)
    messages = {(row, column): message for row, column, message in run.problems}
    assert messages[(3, "Vraag")] == "Vul vraag in."
    assert messages[(4, "Gemeente")].endswith("is geen Nederlandse gemeente volgens de CBS-lijst van 2025. "
                                              "Bedoelt u Den Haag?")
    assert "'31-02-2021' is geen datum" in messages[(5, "Startdatum")]
    assert messages[(6, "Bron-id")] == "Bron-id 'P-1' staat ook in rij 2."
    refused = list(csv.reader(io.StringIO(run.refused_csv.lstrip("\ufeff")), delimiter=";"))
    assert refused[0] == HEADER + ["Fout"] and [r[0] for r in refused[1:]] == ["P-2", "P-3", "P-4", "P-1"]
    fixed = [r[:-1] for r in refused[1:3]]
    fixed[0][2], fixed[1][3] = "Wat is de vraag?", "Den Haag"
    again, _ = do_import(db, admin, csv_bytes(fixed))  # fix the returned file and import just those
    assert (again.created, again.refused) == (2, 0)


def test_a_row_that_fails_while_written_is_refused_alone_and_leaves_nothing_half_written(db, admin, monkeypatch):
    """Rows are written a group at a time; one that fails there (a fault injected half-way through its
    write) sends the group back row by row: its neighbours go in once, it comes back refused."""
    real_write = importing._write_project

    def failing_write(run, row, by, created):
        outcome = real_write(run, row, by, created)  # the project is in the session already...
        if row.values["bron_id"] == "P-3":
            raise DomainError("Deze rij kon niet worden opgeslagen.")  # ...and then the write fails
        return outcome

    monkeypatch.setattr(importing, "_write_project", failing_write)
    rows = [[f"P-{n}", f"Project {n}", "Vraag?", "Utrecht", "", "", "", "", ""] for n in range(1, 6)]
    run, checked = do_import(db, admin, csv_bytes(rows))
    assert (run.created, run.refused) == (4, 1)
    assert [row.outcome for row in checked.rows] == ["aangemaakt"] * 2 + ["geweigerd"] + ["aangemaakt"] * 2
    assert sorted(db.session.scalars(select(Project.title))) == ["Project 1", "Project 2", "Project 4", "Project 5"]
    assert count(db, Revision) == 4  # one history line per project that went in, none for the refused one
    assert run.problems == [[4, "", "Deze rij kon niet worden opgeslagen."]]


def test_imported_history_keeps_its_status_without_the_gates(db, admin):
    rows = [["P-1", "Loopt al", "Vraag?", "Utrecht", "lopend", "2020-01-15", "", "", ""],
            ["P-2", "Gestopt", "Vraag?", "Utrecht", "gestaakt", "", "", "", ""]]
    do_import(db, admin, csv_bytes(rows))
    statuses = dict(db.session.execute(select(Project.title, Project.status)).all())
    assert statuses == {"Loopt al": ProjectStatus.STARTED, "Gestopt": ProjectStatus.STOPPED}


def test_xlsx_with_real_dates_serial_numbers_and_formulas(db, admin):
    rows = [["P-1", "Met datum", "Vraag?", "Utrecht", "gestart", date(2021, 5, 4), 44561, "", ""],
            ["P-2", "=CONCAT(\"Form\",\"ule\")", "Vraag?", "Utrecht", "gestart", "04-05-2021", "", "", ""]]
    run, _ = do_import(db, admin, xlsx_bytes(rows), name="projecten.xlsx")
    assert run.refused == 0, run.problems
    found = {p.title: p for p in db.session.scalars(select(Project))}
    assert found["Met datum"].start_date == date(2021, 5, 4)
    assert found["Met datum"].end_date == date(2021, 12, 31)  # Excel serial 44561
    assert "berekend" in found  # a formula's cached value


def test_json_and_ods_are_read_too(db, admin):
    items = [{"bron-id": "J-1", "titel": "Uit JSON", "vraag": "Vraag?", "gemeente": "Utrecht",
              "thema's": [], "status": "gestart"}]
    run, _ = do_import(db, admin, json.dumps(items).encode(), name="p.json")
    assert run.created == 1
    run, _ = do_import(db, admin, template_ods(), name="p.ods")
    assert run.created == 1 and db.session.scalar(select(Project.title).where(Project.content_key == key("O-1")))


def template_ods() -> bytes:
    """A minimal ODS spreadsheet, written as the OpenDocument format prescribes."""
    cells = lambda values: "".join(f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'  # noqa: E731
                                   "</table:table-cell>" for v in values)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Projecten">'
               f'<table:table-row>{cells(["Bron-id", "Titel", "Vraag", "Gemeente", "Status"])}</table:table-row>'
               f'<table:table-row>{cells(["O-1", "Uit ODS", "Vraag?", "Utrecht", "afgesloten"])}</table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                         '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                         'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return out.getvalue()


def test_a_project_lists_knelpunten_become_its_failure_lesson_kept_in_step_on_reimport(db, admin, make_user):
    """'Waar liepen we tegenaan' in a project list is a failure: it lands as a lesson of kind mislukking on the
    project, with the list's advice when it has one, and saying so when it has none."""
    header = ["Nr.", "Naam initiatief", "Omschrijving", "Gemeente", "Status", "Waar tegenaan gelopen",
              "Aanbevelingen"]
    rows = [["1", "Deelscooters", "Minder autoverkeer?", "Utrecht", "gestopt",
             "Vergunning liep vast;\nde aanbieder trok zich terug.", "Regel de vergunning vóór de aanbesteding."],
            ["2", "Slimme lantaarnpalen", "Energie besparen?", "Utrecht", "afgesloten", "", ""],
            ["3", "Groene daken", "Wateroverlast?", "Utrecht", "afgesloten", "Te weinig eigenaren deden mee.", ""]]
    content = csv_bytes(rows, header=header, encoding="cp1252")
    run, _ = do_import(db, admin, content)
    assert (run.created, run.refused) == (3, 0)
    lessons = {lesson.project.title: lesson for lesson in db.session.scalars(select(Lesson))}
    assert set(lessons) == {"Deelscooters", "Groene daken"}  # no knelpunten, no lesson
    scooters = lessons["Deelscooters"]
    assert (scooters.kind, scooters.title, scooters.author) == (LessonKind.FAILURE, "Knelpunten: Deelscooters", admin)
    assert scooters.what_happened == "Vergunning liep vast;\nde aanbieder trok zich terug."  # whole, line break kept
    assert scooters.advice == "Regel de vergunning vóór de aanbesteding."
    assert lessons["Groene daken"].advice.startswith("Nog geen advies")
    assert [r.action for r in db.session.scalars(select(Revision).where(Revision.entity_type == "lesson"))] == \
        ["geïmporteerd"] * 2
    again, _ = do_import(db, admin, content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    rows[2][5] = "Te weinig eigenaren deden mee; de subsidie kwam te laat."
    changed = csv_bytes(rows, header=header, encoding="cp1252")
    preview, checked = do_import(db, admin, changed, dry_run=True)
    assert [row.outcome for row in checked.rows] == ["ongewijzigd", "ongewijzigd", "bijgewerkt"]
    third, _ = do_import(db, admin, changed)
    assert (third.updated, third.unchanged) == (1, 2) and count(db, Lesson) == 2
    db.session.refresh(lessons["Groene daken"])
    assert lessons["Groene daken"].what_happened.endswith("de subsidie kwam te laat.")


def test_the_longest_bron_id_in_a_named_source_imports_and_reimports_unchanged(db, admin):
    reference = "B" * 100
    rows = [[reference, "Lange sleutel", "Vraag?", "Utrecht", "afgesloten", "", "", "", ""]]
    run = importing.start("projecten", "lang.csv", csv_bytes(rows), admin)
    run.source = "Programmabureau Klimaatadaptatie Regio Midden-Nederland en de Waterschappen"
    importing.execute(run, admin, dry_run=False)
    db.session.commit()
    assert run.created == 1
    again = importing.start("projecten", "lang.csv", csv_bytes(rows), admin)
    again.source = run.source
    importing.execute(again, admin, dry_run=False)
    assert (again.created, again.unchanged) == (0, 1)


def test_lessons_import_with_kind_words_and_a_project_by_bron_id(db, admin, make_user):
    do_import(db, admin, csv_bytes([ROW]))
    author = make_user(email="auteur@gemeente.example")
    header = ["Bron-id", "Titel", "Soort", "Advies", "Project (bron-id)", "Auteur"]
    rows = [["L-1", "Te laat betrokken", "wat ging mis", "Begin eerder.", "P-1", "auteur@gemeente.example"],
            ["L-2", "Onbekend project", "inzicht", "Advies.", "P-99", ""],
            ["L-3", "Geen soort", "", "Advies.", "", ""]]
    run, _ = do_import(db, admin, csv_bytes(rows, header=header), kind="lessen")
    lesson = db.session.scalars(select(Lesson)).one()
    assert (lesson.kind, lesson.author, lesson.project.title) == (LessonKind.FAILURE, author, "Slimme verlichting")
    messages = {row: message for row, _, message in run.problems}
    assert messages[3] == "Er is geen project met bron-id 'P-99' dat u mag zien. Importeer de projecten eerst."
    assert messages[4] == "Vul soort in (succes, mislukking, verbeterpunt of inzicht)."


def test_other_headers_are_mapped_once_and_remembered(db, admin):
    header = ["Code", "Projectnaam", "Omschrijving", "Plaats", "Status"]
    content = csv_bytes([["X-1", "Eigen kolommen", "Vraag?", "Utrecht", "gestart"]], header=header)
    run, _ = do_import(db, admin, content, dry_run=True)
    assert run.refused == 1  # 'Plaats' is unknown and so the row has no gemeente
    from kennisbank.services.importing import columns

    columns.remember("projecten", {"Plaats": "municipality", "Code": "bron_id"}, admin.id)
    run, _ = do_import(db, admin, content)
    assert run.created == 1
    assert db.session.scalar(select(Project.content_key)) == key("X-1")


@pytest.mark.parametrize("content, message", [
    (b"", "Het bestand is leeg."),
    (csv_bytes([]), "alleen een kopregel"),
    (b"MZ\x90\x00" + b"\x00" * 100, "kan niet worden geïmporteerd"),
    (b"%PDF-1.7\n...", "kan niet worden geïmporteerd"),
    (b"[1, 2, 3]", "lijst van objecten"),
    (b"{\"projecten\": [", "niet geldig"),
    (b"PK\x03\x04rommel", "beschadigd"),
])
def test_bad_files_are_refused_in_dutch_and_write_nothing(db, admin, content, message):
    with pytest.raises(DomainError, match=message):
        do_import(db, admin, content)
    db.session.rollback()
    assert count(db, Project) == 0


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_parsing(db, admin):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    with pytest.raises(DomainError, match="pakt uit tot 300 MB"):
        do_import(db, admin, out.getvalue(), name="bom.xlsx")


def test_more_rows_than_the_limit_are_refused_naming_the_limit(app, db, admin):
    app.config["IMPORT_MAX_ROWS"] = 3
    with pytest.raises(DomainError, match="hoogstens 3 tegelijk"):
        do_import(db, admin, csv_bytes([ROW] * 4))
    assert do_import(db, admin, csv_bytes([[f"P-{n}", *ROW[1:]] for n in range(3)]))[0].created == 3


def test_a_medewerker_may_not_import(db, make_user):
    from kennisbank.ground.errors import NotAllowed

    with pytest.raises(NotAllowed, match="beheerders en themaeigenaren"):
        importing.start("projecten", "x.csv", csv_bytes([ROW]), make_user())


def test_a_theme_owner_imports_for_their_own_themes_only(db, admin, make_user, make_theme):
    owner = make_user(email="eigenaar@gemeente.example")
    make_theme(name="Energie", owners=[owner])
    make_theme(name="Mobiliteit")
    do_import(db, admin, csv_bytes([["P-9", "Van de beheerder", "Vraag?", "Utrecht", "gestart", "", "", "Mobiliteit",
                                     ""]]))
    rows = [["P-1", "Eigen thema", "Vraag?", "Utrecht", "gestart", "", "", "Energie", ""],
            ["P-2", "Ander thema", "Vraag?", "Utrecht", "gestart", "", "", "Mobiliteit", ""],
            ["P-3", "Geen thema", "Vraag?", "Utrecht", "gestart", "", "", "", ""],
            ["P-9", "Overschreven?", "Vraag?", "Utrecht", "gestart", "", "", "Energie, Mobiliteit", ""]]
    run, _ = do_import(db, owner, csv_bytes(rows))
    assert (run.created, run.refused) == (1, 3)
    messages = {row: message for row, _, message in run.problems}
    assert messages[3] == messages[4] == "Kies minstens één thema waarvan u eigenaar bent (Energie)."
    assert messages[5] == "Het project met bron-id 'P-9' valt niet onder uw thema's; het is niet gewijzigd."
    assert not any("Van de beheerder" in message for _, _, message in run.problems)  # never another's title
    assert db.session.scalar(select(Project.title).where(Project.content_key == key("P-9"))) == "Van de beheerder"
    from kennisbank.ground.errors import NotAllowed
    from kennisbank.services.importing import exporting

    with pytest.raises(NotAllowed):  # taking everything out stays with administrators
        exporting.workbook(owner)


def test_the_template_has_the_headers_an_example_and_the_valid_choices(db, admin):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(template.workbook()))
    assert book.sheet_names == ["Projecten", "Lessen", "Keuzelijsten"]
    projects = book.get_sheet_by_name("Projecten").to_python()
    assert projects[0][:4] == ["Bron-id", "Titel", "Vraag", "Gemeente"] and projects[1][0] == "P-2021-014"
    choices = book.get_sheet_by_name("Keuzelijsten").to_python()
    assert choices[0] == ["Thema's", "Status", "Fase", "Soort les", "Gemeente"]
    assert len([r for r in choices[1:] if r[4]]) == 342
    run, _ = do_import(db, admin, template.workbook(), name="sjabloon.xlsx")  # the example row itself imports
    assert run.created == 1, run.problems


# Over HTTP and on the command line -------------------------------------------------------------------------

def _upload(client, content, name="projecten.csv", kind="projecten"):
    return client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": kind,
                                               "bestand": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_check_then_import_over_http(db, client, auth, admin):
    auth.login("beheer@gemeente.example")
    bad = ["P-2", "Tweede", "Vraag?", "Den Hag", "", "", "", "", ""]
    checked = _upload(client, csv_bytes([ROW, bad]))
    assert checked.status_code == 302
    report = client.get(checked.headers["Location"]).get_data(as_text=True)
    assert "er is nog niets opgeslagen" in report and "Bedoelt u Den Haag?" in report
    assert count(db, Project) == 0
    run = db.session.scalars(select(ImportRun)).one()
    refused = client.get(f"/import/{run.id}/geweigerd.csv")
    assert refused.mimetype == "text/csv" and "Den Hag" in refused.get_data(as_text=True)
    done = client.post(f"/import/{run.id}/uitvoeren", data={"csrf_token": csrf_token(client, "/import/")},
                       follow_redirects=True)
    assert "Geïmporteerd: 1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 geweigerd." in done.get_data(as_text=True)
    assert count(db, Project) == 1
    again = client.post(f"/import/{run.id}/uitvoeren", data={"csrf_token": csrf_token(client, "/import/")},
                        follow_redirects=True)
    assert "al uitgevoerd" in again.get_data(as_text=True) and count(db, Project) == 1


def test_unknown_columns_are_assigned_on_the_page_and_remembered(db, client, auth, admin):
    auth.login("beheer@gemeente.example")
    content = csv_bytes([["X-1", "Eigen kolommen", "Vraag?", "Utrecht", "gestart"]],
                        header=["Nummer", "Titel", "Vraag", "Plaats", "Status"])
    report_url = _upload(client, content).headers["Location"]
    page = client.get(report_url).get_data(as_text=True)
    assert "Kolommen die kennisbank niet herkent" in page and 'name="kolom-Plaats"' in page
    run = db.session.scalars(select(ImportRun)).one()
    client.post(f"/import/{run.id}/kolommen", data={"csrf_token": csrf_token(client, report_url),
                                                           "kolom-Plaats": "municipality"})
    db.session.expire_all()
    assert (db.session.get(ImportRun, run.id).created, db.session.get(ImportRun, run.id).refused) == (1, 0)
    second = _upload(client, content).headers["Location"]  # a new upload with the same headers maps itself
    assert "Kolommen die kennisbank niet herkent" not in client.get(second).get_data(as_text=True)


@pytest.mark.parametrize("content, name, message", [
    (b"", "leeg.csv", "Het bestand is leeg."),
    (b"MZ\x90\x00" + b"\x00" * 64, "rapport.pdf", "kan niet worden geïmporteerd"),
])
def test_a_bad_upload_is_a_dutch_400_and_keeps_the_choice(db, client, auth, admin, content, name, message):
    auth.login("beheer@gemeente.example")
    response = _upload(client, content, name=name, kind="lessen")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="lessen" checked' in page
    assert count(db, ImportRun) == 0


def test_an_upload_over_the_limit_is_a_dutch_413(app, db, client, auth, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login("beheer@gemeente.example")
    response = _upload(client, b"x;y\n" * 1000)
    assert response.status_code == 413 and "groter dan" in response.get_data(as_text=True)


def test_file_names_lose_path_separators_and_control_characters(db, admin):
    run = importing.start("projecten", "../../etc/\x00pass\nwd.csv", csv_bytes([ROW]), admin)
    assert run.file_name == "etcpasswd.csv"


def test_the_template_downloads(client, auth, admin):
    auth.login("beheer@gemeente.example")
    response = client.get("/import/sjabloon.xlsx")
    assert response.status_code == 200 and response.data.startswith(b"PK\x03\x04")


def test_the_command_line_import_says_what_it_did_and_exits_by_the_outcome(app, db, runner, admin, tmp_path):
    source = tmp_path / "projecten.csv"
    source.write_bytes(csv_bytes([ROW, ["P-2", "", "Vraag?", "Utrecht", "gestart", "", "", "", ""]]))
    door = ["--door", "beheer@gemeente.example"]
    dry = runner.invoke(args=["kb", "import", str(source), "--proef", *door])
    lines = dry.output.strip().splitlines()
    assert dry.exit_code == 3 and "1 rij (3), kolom Titel: Vul titel in." in lines
    assert lines[-1] == f"1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 geweigerd (geweigerde rijen: " \
                        f"{tmp_path / 'projecten-geweigerd.csv'})"
    assert "Proef: er is niets opgeslagen." in lines and count(db, Project) == 0
    refused = tmp_path / "eigen.csv"
    real = runner.invoke(args=["kb", "import", str(source), *door, "--geweigerd", str(refused)])
    assert real.exit_code == 3, real.output
    assert real.output.strip().splitlines()[-1] == f"1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 geweigerd " \
                                                  f"(geweigerde rijen: {refused})"
    assert count(db, Project) == 1 and "Vul titel in." in refused.read_text(encoding="utf-8")
    source.write_bytes(csv_bytes([ROW]))
    again = runner.invoke(args=["kb", "import", str(source), *door])
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == \
        "0 nieuw, 0 bijgewerkt, 1 ongewijzigd, 0 geweigerd"
    nobody = runner.invoke(args=["kb", "import", str(source), "--door", "niemand@gemeente.example"])
    assert nobody.exit_code == 1 and "geen actieve beheerder of themaeigenaar" in nobody.output
    anonymous = runner.invoke(args=["kb", "import", str(source)])
    assert anonymous.exit_code == 2 and "--door" in anonymous.output  # who imports is never left unsaid
    missing = runner.invoke(args=["kb", "import", str(tmp_path / "bestaat-niet.csv"), *door])
    assert missing.exit_code == 1 and "kan niet worden gelezen" in missing.output
    broken = tmp_path / "kapot.xlsx"
    broken.write_bytes(b"PK\x03\x04rommel")
    unreadable = runner.invoke(args=["kb", "import", str(broken), *door])
    assert unreadable.exit_code == 1 and "Er is niets geïmporteerd." in unreadable.output
    assert count(db, Project) == 1


def test_the_command_line_takes_whole_file_values_and_translations(app, db, runner, admin, tmp_path):
    source = tmp_path / "initiatieven.csv"
    source.write_bytes(csv_bytes([["Warmte in de wijk", "Hoe gaan we van het gas af?", "Realisatie"],
                                  ["Slimme lantaarnpalen", "Hoe besparen we energie?", "Idee"]],
                                 header=["Naam initiatief", "Omschrijving", "Fase"]))
    result = runner.invoke(args=["kb", "import", str(source), "--door", "beheer@gemeente.example",
                                 "--standaard", "Gemeente=Utrecht", "--standaard", "Status=gestart",
                                 "--vertaal", "Fase:Realisatie=pilot", "--vertaal", "Fase:Idee=verkenning"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 geweigerd"
    stages = dict(db.session.execute(select(Project.title, Project.stage)).all())
    assert stages == {"Warmte in de wijk": InnovationStage.PILOT, "Slimme lantaarnpalen": InnovationStage.EXPLORATION}
    wrong = runner.invoke(args=["kb", "import", str(source), "--door", "beheer@gemeente.example",
                                "--standaard", "Status=lopende zaak"])
    assert wrong.exit_code == 1 and "Status: 'lopende zaak' is geen status" in wrong.output
    odd = runner.invoke(args=["kb", "import", str(source), "--door", "beheer@gemeente.example", "--vertaal", "Fase"])
    assert odd.exit_code == 1 and "--vertaal 'Fase' is niet te lezen: schrijf VELD:VAN=NAAR." in odd.output


def test_the_theme_dashboard_lists_imported_projects_without_lessons(db, client, auth, admin, make_theme,
                                                                    make_lesson):
    theme = make_theme(name="Energie", owners=[admin])
    rows = [["P-1", "Zonder les", "Vraag?", "Utrecht", "afgesloten", "", "", "Energie", ""],
            ["P-2", "Met les", "Vraag?", "Utrecht", "afgesloten", "", "", "Energie", ""]]
    do_import(db, admin, csv_bytes(rows))
    with_lesson = db.session.scalar(select(Project).where(Project.content_key == key("P-2")))
    make_lesson(project=with_lesson, themes=[theme])
    from kennisbank.services.reporting import dashboard

    assert [p.title for p in dashboard.imported_without_lessons(theme)] == ["Zonder les"]
    auth.login("beheer@gemeente.example")
    page = client.get("/mijn").get_data(as_text=True)
    assert "Geïmporteerde projecten zonder lessen" in page and "Zonder les" in page


def test_an_export_imported_again_changes_nothing_and_fills_another_kennisbank(app, db, admin, make_project,
                                                                                make_lesson, make_theme, tmp_path):
    from kennisbank.services.content import loading
    from kennisbank.services.importing import exporting

    from .conftest import REPO, make_app, running

    loading.load_content(REPO / "content", demo=True, demo_password="demo-wachtwoord")
    db.session.commit()
    before = (count(db, Project), count(db, Lesson))
    exported = exporting.workbook(admin)
    db.session.commit()
    for kind in ("projecten", "lessen"):
        run, _ = do_import(db, admin, exported, kind=kind, name="export.xlsx")
        changed = [r.changes for r in db.session.scalars(select(Revision).where(Revision.action != "geïmporteerd"))
                   if "bestand" in r.changes]
        assert (run.created, run.updated, run.refused) == (0, 0, 0), (run.problems[:3], changed[:3])
        assert run.unchanged == before[0 if kind == "projecten" else 1]
    assert (count(db, Project), count(db, Lesson)) == before
    titles = sorted(db.session.scalars(select(Project.title)))

    elsewhere = make_app(tmp_path / "elders")  # another kennisbank with the same themes and people
    with running(elsewhere):
        db.create_all()
        loading.load_content(REPO / "content", demo=False, demo_password="x")
        from kennisbank.services.access import users

        other_admin = users.create_user("beheer@elders.example", "Beheer", "lang-genoeg-wachtwoord", is_admin=True)
        db.session.commit()
        projects_run = importing.start("projecten", "export.xlsx", exported, other_admin)
        importing.execute(projects_run, other_admin, dry_run=False)
        db.session.commit()
        # The demo's project leads do not exist there: those rows say so, the others arrive.
        assert projects_run.created + projects_run.refused == before[0]
        assert all("geen medewerker in kennisbank" in message for _, _, message in projects_run.problems)
    assert titles


def test_a_colleague_who_left_may_lead_history_but_not_running_work(db, admin, make_user):
    make_user(email="weg@gemeente.example", name="Wim Weg", active=False)
    header = HEADER + ["Projectleider"]
    rows = [["P-1", "Afgerond", "Vraag?", "Utrecht", "afgesloten", "", "", "", "", "weg@gemeente.example"],
            ["P-2", "Lopend", "Vraag?", "Utrecht", "gestart", "", "", "", "", "weg@gemeente.example"]]
    run, _ = do_import(db, admin, csv_bytes(rows, header=header))
    assert (run.created, run.refused) == (1, 1)
    assert run.problems == [[3, "Projectleider", "Wim Weg is uit dienst; een lopend project heeft een actieve "
                                                 "projectleider."]]


# Large imports in the background ---------------------------------------------------------------------------

def _rows(n: int) -> list[list[str]]:
    return [[f"P-{i}", f"Project {i}", "Vraag?", "Utrecht", "afgesloten", "", "", "", ""] for i in range(n)]


def test_a_large_import_waits_for_a_process_and_shows_its_progress(app, db, client, auth, admin):
    app.config["IMPORT_BACKGROUND_ROWS"] = 150
    auth.login("beheer@gemeente.example")
    report = _upload(client, csv_bytes(_rows(250))).headers["Location"]
    run = db.session.scalars(select(ImportRun)).one()
    assert run.rows_total == 250 and importing.in_background(run)
    queued = client.post(f"/import/{run.id}/uitvoeren", data={"csrf_token": csrf_token(client, report)},
                         follow_redirects=True)
    page = queued.get_data(as_text=True)
    assert "loopt op de achtergrond" in page and '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="voortgang" max="250" value="0">' in page and count(db, Project) == 0
    assert importing.has_work()
    assert runner.run_in_child(app) == 0  # what the thread of any web process does: a child process writes
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert (run.status, run.created, run.rows_done, count(db, Project)) == ("uitgevoerd", 250, 250, 250)
    assert "Uitgevoerd" in client.get(report).get_data(as_text=True)
    assert not importing.has_work() and importing.work_once() is None  # nothing left
    logged = db.session.scalars(select(SearchChange.item_id).where(SearchChange.kind == "project")).all()
    assert set(logged) == set(db.session.scalars(select(Project.id)))  # the child told the indexes too


def test_a_small_import_is_carried_out_at_once(app, db, admin):
    app.config["IMPORT_BACKGROUND_ROWS"] = 150
    run, _ = do_import(db, admin, csv_bytes(_rows(150)))
    assert not importing.in_background(run) and run.status == "uitgevoerd"


def test_an_import_whose_process_was_killed_is_taken_over_and_nothing_doubles(app, db, admin, tmp_path):
    """A real process runs the import and is SIGKILLed half-way; another takes over after its heartbeat
    stopped. Every row arrives once."""
    import os
    import signal
    import subprocess
    import sys
    from datetime import timedelta

    from .conftest import REPO

    run = importing.start("projecten", "groot.csv", csv_bytes(_rows(400)), admin)
    importing.execute(run, admin, dry_run=True)
    importing.queue(run, admin)
    db.session.commit()
    env = dict(os.environ, KENNISBANK_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               KENNISBANK_SECRET_KEY="test", KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"),
               KENNISBANK_INDEX_DIR=app.config["INDEX_DIR"], PYTHONPATH=str(REPO))
    worker = subprocess.Popen([sys.executable, str(REPO / "tests" / "scripts" / "run_import.py")], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert worker.stdout.readline().strip() == "voortgang 100"  # 100 rows written and committed
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "bezig" and 100 <= count(db, Project) < 400
    assert importing.work_once(stale_after=timedelta(seconds=30)) is None  # still beating: not taken
    taken = importing.work_once(stale_after=timedelta(0))  # its heartbeat stopped: taken over
    assert taken.id == run.id and taken.status == "uitgevoerd"
    assert count(db, Project) == 400
    assert taken.created + taken.unchanged == 400 and taken.unchanged >= 100
    keys = db.session.scalars(select(Project.content_key)).all()
    assert len(keys) == len(set(keys)) == 400


def test_an_xml_bomb_inside_a_spreadsheet_is_not_expanded(db, admin):
    """The entities of a 'billion laughs' sheet are never expanded: refused or read as they stand."""
    import time

    from . import documents

    bomb = documents.with_xml_bomb(xlsx_bytes([["P-1", "Gewoon", "Vraag?", "Utrecht", "", "", "", "", ""]]),
                                   "xl/sharedStrings.xml", b"Gewoon")
    started = time.monotonic()
    try:
        run, _ = do_import(db, admin, bomb, name="bom.xlsx")
    except DomainError as refused:
        assert "XML-documenttype (DTD)" in refused.message
    else:
        titles = db.session.scalars(select(Project.title)).all()
        assert all(len(title) < 1000 for title in titles)
    assert time.monotonic() - started < 10


def test_merged_cells_and_an_unknown_theme_with_a_suggestion(db, admin, make_theme):
    import xlsxwriter

    make_theme(name="Energietransitie")
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Projecten")
    sheet.write_row(0, 0, ["Bron-id", "Titel", "Vraag", "Gemeente", "Thema's", "Status"])
    sheet.write_row(1, 0, ["P-1", "Samengevoegd", "Vraag?", "Utrecht", "Energietransitie", "gestart"])
    sheet.merge_range(2, 1, 2, 2, "Titel over twee cellen")  # the value sits in the first cell only
    sheet.write(2, 0, "P-2")
    sheet.write(2, 3, "Utrecht")
    sheet.write(2, 4, "Energietransisie")
    sheet.write(2, 5, "gestart")
    book.close()
    run, _ = do_import(db, admin, out.getvalue(), name="samengevoegd.xlsx")
    messages = {(row, column): message for row, column, message in run.problems}
    assert run.created == 1
    assert messages[(3, "Vraag")] == "Vul vraag in."
    assert "is geen thema. Bedoelt u het thema energietransitie?" in messages[(3, "Thema's")]


def test_followers_hear_of_imported_and_updated_items_once_each_and_the_importer_never(db, admin, make_user,
                                                                                         make_theme):
    from kennisbank.models import Notification
    from kennisbank.services.notifying import follows

    theme = make_theme(name="Energietransitie")
    colleague, other = make_user(email="volger@gemeente.example"), make_user(email="ander@gemeente.example")
    follows.follow(colleague, "theme", theme.id)
    follows.follow(admin, "theme", theme.id)
    rows = [["P-1", "Warmtenet", "Vraag?", "Utrecht", "Energietransitie", "concept", "", "", ""],
            ["P-2", "Zonnedaken", "Vraag?", "Utrecht", "Energietransitie", "concept", "", "", ""],
            ["P-3", "Buiten het thema", "Vraag?", "Utrecht", "", "afgesloten", "", "", ""],
            ["P-4", "Historie", "Vraag?", "Utrecht", "Energietransitie", "afgesloten", "", "", ""]]
    header = ["Bron-id", "Titel", "Vraag", "Gemeente", "Thema's", "Status", "Einddatum", "Trefwoorden", "Fase"]
    do_import(db, admin, csv_bytes(rows, header=header))
    told = db.session.execute(select(Notification.user_id, Notification.via_type)).all()
    # New work in the theme is news (never to the importer); history that already ran is not news
    assert sorted(told) == [(colleague.id, "theme")] * 2
    third = db.session.scalars(select(Project).where(Project.title == "Buiten het thema")).one()
    follows.follow(other, "project", third.id)
    db.session.commit()
    rows[2][1] = "Buiten het thema (hernoemd)"
    run, _ = do_import(db, admin, csv_bytes(rows, header=header))
    assert (run.updated, run.unchanged) == (1, 3)
    assert db.session.scalars(select(Notification.user_id).where(Notification.via_type == "project")).all() == \
        [other.id]


# The whole knowledge base as an archive ---------------------------------------------------------------------

def test_an_archive_fills_an_empty_kennisbank_and_exporting_it_again_gives_the_same(app, db, tmp_path, request):
    """export → import into an empty instance → export: equal (demo data, with an attachment, a deleted
    lesson and a lesson used)."""
    from kennisbank.services.access import users
    from kennisbank.services.content import loading
    from kennisbank.services.importing import archive
    from kennisbank.services.registry import attachments
    from kennisbank.services.registry.editing import soft_delete

    from . import documents
    from .conftest import REPO, make_app, running

    loading.load_content(REPO / "content", demo=True, demo_password="demo-wachtwoord")
    admin = users.find_by_email("beheerder@kennisbank.example")
    project = db.session.scalars(select(Project).order_by(Project.id)).first()
    attachments.add("project", project, "evaluatie.pdf", documents.pdf("Evaluatie van de pilot"), admin)
    soft_delete(db.session.scalars(select(Lesson).order_by(Lesson.id)).first(), admin)
    db.session.commit()
    before = archive.snapshot()
    assert before["gebruik"] and before["bijlagen"] and any(le["verwijderd"] for le in before["lessen"])
    exported = archive.export_zip(admin)
    db.session.commit()

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):  # another, empty database
        other_url = request.getfixturevalue("postgres").create_database("kb_archief_elders")
    else:
        other_url = f"sqlite:///{tmp_path / 'elders.sqlite'}"
    elsewhere = make_app(tmp_path / "elders", other_url)
    with running(elsewhere):
        db.create_all()
        counts = archive.import_zip(exported)
        db.session.commit()
        assert counts["projecten"] == len(before["projecten"]) and counts["bijlagen"] == 1
        assert archive.snapshot() == before
        with pytest.raises(DomainError, match="alleen in een lege kennisbank"):
            archive.import_zip(exported)
        db.session.rollback()
        db.drop_all()


@pytest.mark.parametrize("content, message", [
    (b"geen zip", "geen kennisbank-archief"),
    (xlsx_bytes([["P-1", "x", "y", "Utrecht", "", "", "", "", ""]]), "geen leesbaar kennisbank.json"),
])
def test_a_wrong_file_is_not_an_archive(app, db, content, message):
    from kennisbank.services.importing import archive

    with pytest.raises(DomainError, match=message):
        archive.import_zip(content)


def test_the_archive_commands(app, db, runner, admin, tmp_path, make_project):
    target = tmp_path / "archief.zip"
    assert runner.invoke(args=["kb", "export-archive", str(target), "--door", "niemand@x.example"]).exit_code == 1
    done = runner.invoke(args=["kb", "export-archive", str(target), "--door", "beheer@gemeente.example"])
    assert done.exit_code == 0 and target.read_bytes().startswith(b"PK")
    again = runner.invoke(args=["kb", "import-archive", str(target)])  # no projects yet: it may be read in
    assert again.exit_code == 0 and "Ingelezen: 1 mensen" in again.output, again.output
    make_project()
    refused = runner.invoke(args=["kb", "import-archive", str(target)])
    assert refused.exit_code == 1 and "alleen in een lege kennisbank" in refused.output


# One cell at a time: the value it becomes, or the Dutch message it gets ----------------------------------

from datetime import datetime  # noqa: E402

from kennisbank.services.importing import values  # noqa: E402

EXCEL_DAY = date(2021, 3, 12)  # serial 44267


@pytest.mark.parametrize("cell, expected", [
    ("", None), (None, None), (datetime(2021, 3, 12, 9, 30), EXCEL_DAY), (EXCEL_DAY, EXCEL_DAY),
    (44267, EXCEL_DAY), (44267.0, EXCEL_DAY), (1, date(1899, 12, 31)), ("44267", EXCEL_DAY), ("44267.00", EXCEL_DAY),
    ("2021-03-12", EXCEL_DAY), ("12-03-2021", EXCEL_DAY), ("12/3/2021", EXCEL_DAY), ("12.03.2021", EXCEL_DAY),
    ("2021-03-12 09:30:00", EXCEL_DAY), ("12-03-21", EXCEL_DAY), (" 12-03-2021 ", EXCEL_DAY),
    (2958465, date(9999, 12, 31)),
])
def test_a_date_cell_in_every_form_people_use(cell, expected):
    assert values.a_date(cell) == expected


@pytest.mark.parametrize("cell, message", [
    ("volgende week", "'volgende week' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021."),
    (0, "'0' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021."),
    (2958466, "'2958466' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021."),
    ("x" * 50, f"'{'x' * 40}' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021."),
    ("32-01-2021", "'32-01-2021' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021."),
])
def test_a_cell_that_is_no_date_says_how_to_write_one(cell, message):
    with pytest.raises(values.CellProblem) as problem:
        values.a_date(cell)
    assert str(problem.value) == message


@pytest.mark.parametrize("call, cell, expected", [
    (values.status, "", ProjectStatus.CONCEPT), (values.status, " Lopend ", ProjectStatus.STARTED),
    (values.status, "Beëindigd", ProjectStatus.STOPPED), (values.status, "afgerond", ProjectStatus.CLOSED),
    (values.stage, "", None), (values.stage, "Proef", InnovationStage.PILOT),
    (values.lesson_kind, "wat ging mis", LessonKind.FAILURE), (values.lesson_kind, "GOED", LessonKind.SUCCESS),
    (values.text, 12.0, "12"), (values.text, 12.5, "12.5"), (values.text, date(2021, 3, 12), "2021-03-12"),
    (values.text, "  tekst  ", "tekst"), (values.municipality, " ", None), (values.municipality, "Den Haag", "GM0518"),
    (values.split, "a, b;c\n d ,, ", ["a", "b", "c", "d"]), (values.tags, "Energie, energie; Warmte", ["Energie", "Warmte"]),
])
def test_a_word_cell_becomes_its_value(call, cell, expected):
    assert call(cell) == expected


@pytest.mark.parametrize("call, cell, message", [
    (values.status, "bezig", "'bezig' is geen status: kies uit afgesloten, concept, gestart, gestopt."),
    (values.status, "gestartt", "'gestartt' is geen status: kies uit afgesloten, concept, gestart, gestopt. "
                                "Bedoelt u gestart?"),
    (values.stage, "pilott", "'pilott' is geen fase: kies uit implementatie, opschaling, pilot, verkenning. Bedoelt u pilot?"),
    (values.lesson_kind, "", "Vul de soort les in: succes, mislukking, verbeterpunt of inzicht."),
    (values.lesson_kind, "raar", "'raar' is geen soort les: kies uit inzicht, mislukking, succes, verbeterpunt."),
    (values.municipality, "Atlantis", "'Atlantis' is geen Nederlandse gemeente volgens de CBS-lijst van 2025. "
                                      "Controleer de spelling, of vul bij 'Organisatie' een provincie, partner of "
                                      "kennisinstelling in."),
])
def test_a_word_cell_that_fits_no_choice_names_the_choices(call, cell, message):
    with pytest.raises(values.CellProblem) as problem:
        call(cell)
    assert str(problem.value) == message


def test_text_longer_than_its_field_is_refused_with_both_lengths():
    assert values.text("abc", limit=3) == "abc"
    with pytest.raises(values.CellProblem) as problem:
        values.text("abcd", limit=3)
    assert str(problem.value) == "Dit is 4 tekens lang; hoogstens 3 past."


def test_themes_colleagues_and_projects_by_reference(db, make_theme, make_user, make_project):
    energie, afval = make_theme(name="Energie", slug="energie"), make_theme(name="Afval", slug="afval-en-grondstoffen")
    assert values.themes("") == []
    assert values.themes("energie; AFVAL-EN-GRONDSTOFFEN, Energie") == [afval, energie]
    with pytest.raises(values.CellProblem) as unknown:
        values.themes("Energi, Onbekend")
    assert str(unknown.value) == ("'Energi' is geen thema. Bedoelt u het thema energie? Maak het eerst aan (Beheer) "
                                  "of laat het weg.")
    with pytest.raises(values.CellProblem) as far:
        values.themes("Zwembaden")
    assert str(far.value) == "'Zwembaden' is geen thema. Maak het eerst aan (Beheer) of laat het weg."
    person, fallback = make_user(email="a@gemeente.example"), make_user()
    assert values.colleague(" a@gemeente.example ", fallback) == person and values.colleague("", fallback) == fallback
    with pytest.raises(values.CellProblem) as nobody:
        values.colleague("b@gemeente.example", fallback)
    assert str(nobody.value) == ("'b@gemeente.example' is geen medewerker in kennisbank (gebruik een e-mailadres of "
                                 "de volledige naam).")
    named = make_user(email="c@gemeente.example", name="Jan de Vries")
    assert values.colleague("jan  de vries", fallback) == named  # as a list writes it: by full name
    make_user(email="d@gemeente.example", name="Jan de Vries")
    with pytest.raises(values.CellProblem, match="meerdere medewerkers met de naam 'Jan de Vries'"):
        values.colleague("Jan de Vries", fallback)
    admin = make_user(is_admin=True)
    imported, exported = make_project(content_key=importing.content_key("Bron", "P-7")), make_project()
    find = importing._project_for_lesson
    assert find("P-7", admin, "Bron") == imported and find("", admin, "Bron") is None
    assert find(f"kb-{exported.id}", admin, "Bron") == exported
    for reference, scope in (("P-8", "Bron"), ("kb-987654", "Bron"), ("kb-12x", "Bron"), ("P-7", "Andere bron")):
        with pytest.raises(values.CellProblem) as missing:
            find(reference, admin, scope)
        assert str(missing.value) == (f"Er is geen project met bron-id '{reference}' dat u mag zien. Importeer de "
                                      "projecten eerst.")


from kennisbank.services.importing import columns  # noqa: E402


@pytest.mark.parametrize("header, key", [("Thema’s *", "themas"), ("thema's", "themas"), ("THEMAS", "themas"),
                                         ("  Bron-id ", "bron id"), ("Één`s", "eens"), ("Wat gebeurde er?", "wat gebeurde er")])
def test_header_keys_fold_quotes_case_accents_and_punctuation(header, key):
    assert columns.header_key(header) == key


def test_headers_map_by_template_name_synonym_choice_and_memory(db, make_user):
    importer, colleague = make_user(), make_user()
    header = ["Titel", "Naam", "Omschrijving", "Kolom X", "projectstatus", "Onbekend", "Titel"]
    assert columns.map_headers("projecten", header) == {0: "title", 2: "question", 4: "status"}
    chosen = {"Kolom X": "goal", "Omschrijving": "", "Onbekend": "geen_veld"}
    assert columns.map_headers("projecten", header, chosen) == {0: "title", 3: "goal", 4: "status"}
    columns.remember("projecten", {"Kolom X": "goal", "  ": "goal", "Onbekend": "geen_veld"}, importer.id)
    columns.remember("projecten", {"kolom x": "area"}, importer.id)  # chosen again: the new choice wins
    assert columns.map_headers("projecten", header, user_id=importer.id) == \
        {0: "title", 2: "question", 3: "area", 4: "status"}
    assert columns.map_headers("lessen", header, user_id=importer.id) == {0: "title"}  # per kind of import
    assert columns.map_headers("projecten", header, user_id=colleague.id) == {0: "title", 2: "question", 4: "status"}
    assert columns.field("lessen", "kind").header == "Soort"


def test_cell_messages_quote_at_most_so_many_characters(db):
    with pytest.raises(values.CellProblem) as long_status:
        values.status("x" * 41)
    assert str(long_status.value).startswith(f"'{'x' * 40}' is geen status")
    with pytest.raises(values.CellProblem) as far:
        values.status("gest")  # like 'gestart', but not enough to guess
    assert str(far.value) == "'gest' is geen status: kies uit afgesloten, concept, gestart, gestopt."
    with pytest.raises(values.CellProblem) as nobody:
        values.colleague("y" * 81, None)
    assert str(nobody.value).startswith(f"'{'y' * 80}' is geen medewerker")
    with pytest.raises(values.CellProblem) as theme:
        values.themes("q" * 61)
    assert str(theme.value).startswith(f"'{'q' * 60}' is geen thema.")
    assert values.text(datetime(2021, 3, 12, 9, 30)) == "2021-03-12T09:30:00"


def test_remembered_headers_are_kept_per_kind_only_when_valid_and_cut_to_the_column(db, make_user):
    from kennisbank.models import ImportColumnAlias

    importer = make_user()
    columns.remember("lessen", {"Opmerking": "context"}, importer.id)
    columns.remember("projecten", {"  ": "goal", "Onzin": "geen_veld", "Opmerking": "goal", "h" * 250: "area",
                                   "Titel": "goal", "Omschrijving": "area"}, importer.id)  # built-in names: never
    rows = {(row.user_id, row.kind, row.header_key, row.field) for row in db.session.scalars(select(ImportColumnAlias))}
    assert rows == {(importer.id, "lessen", "opmerking", "context"), (importer.id, "projecten", "opmerking", "goal"),
                    (importer.id, "projecten", "h" * 200, "area")}


def test_long_titles_that_begin_alike_without_bron_ids_stay_two_projects(db, admin):
    """A list without bron-ids: each row is known by title and place, however long the title."""
    shared = "Onderzoek naar de haalbaarheid van een wijkgerichte aanpak voor energiebesparing in naoorlogse " \
             "huurwoningen in de"
    header = ["Titel", "Vraag", "Gemeente", "Status"]
    rows = [[f"{shared} Vogelwijk", "Vraag?", "Utrecht", "afgesloten"],
            [f"{shared} Rivierenwijk", "Vraag?", "Utrecht", "afgesloten"]]
    run, _ = do_import(db, admin, csv_bytes(rows, header=header))
    assert (run.created, run.refused) == (2, 0)
    again, _ = do_import(db, admin, csv_bytes(rows, header=header))
    assert (again.created, again.unchanged) == (0, 2)
    assert all(len(key) <= 240 for key in db.session.scalars(select(Project.content_key)))
