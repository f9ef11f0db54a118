"""Spreadsheets as people's programs save them — Dutch Excel's semicolon CSV in Windows-1252 with quoted cells,
"Unicode-tekst" (UTF-16), a title row above the header, XLSX with date serials and merged cells, an ODS shaped
like LibreOffice's — each made here byte by byte or with a third-party writer, never with kennisbank's own
export. Every cell must arrive whole: compared with what Python's csv module and python-calamine read from
the same bytes."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from kennisbank.models import ImportRun, InnovationStage, Project, ProjectStatus, Revision
from kennisbank.search import indexer
from kennisbank.services.importing import reading
from kennisbank.services.importing import run as importing

from .conftest import csrf_token

PHASES = ["Idee", "Initiatie", "Realisatie", "Doorontwikkeling en beheer"]
TRANSLATIONS = [("Fase", "Idee", "verkenning"), ("Fase", "Initiatie", "verkenning"), ("Fase", "Realisatie", "pilot"),
                ("Fase", "Doorontwikkeling en beheer", "implementatie")]
TREKKERS = ["Fatima El Amrani", "Joost van Dijk", "Sanne de Boer"]
SUBJECTS = ["Warmtenet", "Deelauto's", "Groene daken", "Slimme lantaarnpalen", "Buurtbatterij", "Wadi's",
            "Zonnepanelen op scholen", "Laadpleinen", "Afvalscheiding", "Participatie via app"]


def excel_cell(value: str) -> str:
    """A cell as Excel's "CSV (puntkomma gescheiden)" writes it: quoted only when it must be."""
    if any(ch in value for ch in ';"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def excel_csv(rows: list[list[str]], *, title: str | None = None, width: int = 6) -> bytes:
    lines = []
    if title is not None:
        lines.append(";".join([excel_cell(title)] + [""] * (width - 1)))  # Excel pads a title row
    lines += [";".join(excel_cell(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def initiatives(n: int = 80) -> list[list[str]]:
    rows = [["Naam initiatief", "Omschrijving", "Fase", "Trekker", "Afdeling", "Startdatum"]]
    for i in range(n):
        subject = SUBJECTS[i % len(SUBJECTS)]
        rows.append([f"{subject} in wijk {i + 1}", f"Bewoners en gemeente werken samen aan {subject.lower()}; "
                     f"stap {i % 3 + 1} van de aanpak.", PHASES[i % 4], TREKKERS[i % 3], "Ruimte & Duurzaamheid",
                     f"{(i % 28) + 1:02d}-0{(i % 9) + 1}-2023"])
    if n >= 7:
        rows[5][0] = 'Warmte "samen"; de wijkaanpak'  # a doubled quote and a semicolon in one cell
        rows[6][1] = "Eerste regel van de toelichting.\nTweede regel; met puntkomma.\nDerde regel: 12 € per woning."
        rows[7][0] = "Café-overleg in Hoograven"
    return rows


@pytest.fixture
def people(make_user):
    admin = make_user(email="beheer@gemeente.example", name="Bea Heer", is_admin=True)
    for name in TREKKERS:
        make_user(name=name)
    return admin


def import_file(db, by, content, *, name="initiatieven.csv", defaults=None, translations=None, source=None):
    run = importing.start("projecten", name, content, by)
    importing.choose(run, by, defaults=defaults or {}, translations=translations or [], source=source)
    importing.execute(run, by, dry_run=False)
    db.session.commit()
    return run


WHOLE_FILE = {"municipality": "Utrecht", "status": "gestart"}


def test_a_dutch_excel_list_arrives_whole_cell_for_cell(db, people):
    rows = initiatives()
    content = excel_csv(rows, title="Overzicht innovatieve initiatieven 2023")
    run = import_file(db, people, content, defaults=WHOLE_FILE, translations=TRANSLATIONS)
    assert (run.created, run.refused) == (80, 0), run.problems[:3]
    expected = list(csv.reader(io.StringIO(content.decode("cp1252"), newline=""), delimiter=";"))[2:]
    stored = {p.title: p for p in db.session.scalars(select(Project))}
    for title, question, phase, trekker, department, start in expected:
        project = stored[title]  # the whole title: nothing split off into another column
        assert project.question == question.replace("\r\n", "\n")
        assert project.lead.name == trekker and project.department == department
        assert project.start_date == date(2023, int(start[4]), int(start[:2]))
        assert project.stage == {"Idee": InnovationStage.EXPLORATION, "Initiatie": InnovationStage.EXPLORATION,
                                 "Realisatie": InnovationStage.PILOT,
                                 "Doorontwikkeling en beheer": InnovationStage.IMPLEMENTATION}[phase]
        assert (project.status, project.municipality_code) == (ProjectStatus.STARTED, "GM0344")
    assert 'Warmte "samen"; de wijkaanpak' in stored and "Café-overleg in Hoograven" in stored
    assert "12 € per woning" in stored[rows[6][0]].question
    assert run.report["header_row"] == 2
    assert run.report["notes"] == ["De kopregel staat in rij 2; rij 1 erboven is een titel en is overgeslagen."]


def test_the_same_list_again_is_only_unchanged_and_moves_nobody(db, people, make_user):
    content = excel_csv(initiatives(), title="Overzicht")
    import_file(db, people, content, defaults=WHOLE_FILE, translations=TRANSLATIONS)
    leads = dict(db.session.execute(select(Project.id, Project.lead_id)).all())
    revisions = db.session.scalar(select(func.count()).select_from(Revision))
    other_admin = make_user(is_admin=True)  # the same organisation, so the same bron-ids
    again = import_file(db, other_admin, content, defaults=WHOLE_FILE, translations=TRANSLATIONS)
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 80, 0)
    assert dict(db.session.execute(select(Project.id, Project.lead_id)).all()) == leads
    assert db.session.scalar(select(func.count()).select_from(Revision)) == revisions


def test_unicode_text_from_excel_is_utf16_with_tabs(db, people):
    text = "Lijst van initiatieven\t\t\r\nNaam\tOmschrijving\tStatus\r\nÉén loket\t\"Zo; of \"\"zo\"\"\"\tafgerond\r\n"
    content = text.encode("utf-16")  # with its byte order mark, as Excel writes it
    run = import_file(db, people, content, defaults={"municipality": "Utrecht"})
    assert (run.created, run.refused) == (1, 0), run.problems
    project = db.session.scalars(select(Project)).one()
    assert (project.title, project.question, project.status) == ("Één loket", 'Zo; of "zo"', ProjectStatus.CLOSED)


def test_utf8_with_and_without_a_byte_order_mark_read_alike():
    text = "Titel,Vraag\r\n\"Kade, brug en sluis\",Wat kost onderhoud?\r\n"
    with_mark = reading.read("\ufeff".encode() + text.encode(), max_rows=5)
    without = reading.read(text.encode(), max_rows=5)
    assert with_mark.rows == without.rows == [["Kade, brug en sluis", "Wat kost onderhoud?"]]
    assert with_mark.header == ["Titel", "Vraag"]


def test_the_delimiter_is_taken_from_the_header_line_not_guessed_from_the_content():
    # Sniffing the content would take the comma: the cells are full of them.
    text = ("Overzicht, stand januari\r\nTitel;Vraag;Partners\r\n"
            "Fietsroute;Hoe, waar, wanneer?;Provincie, ProRail, fietsersbond\r\n")
    table = reading.read(text.encode("cp1252"), max_rows=5)
    assert table.header == ["Titel", "Vraag", "Partners"]
    assert table.rows == [["Fietsroute", "Hoe, waar, wanneer?", "Provincie, ProRail, fietsersbond"]]


def test_a_row_longer_than_the_header_loses_nothing_and_is_reported():
    text = 'Titel;Vraag\r\nA;B;"extra; tekst"\r\nC;D\r\n'
    table = reading.read(text.encode(), max_rows=5)
    assert table.header == ["Titel", "Vraag", "Kolom C"] and table.rows[0] == ["A", "B", "extra; tekst"]
    assert table.notes == ["Rij 2 heeft meer cellen dan de kopregel; die staan in de kolommen zonder naam (Kolom …), "
                           "niets is weggelaten."]


def xlsx_with_dates_merges_and_a_formula() -> bytes:
    import xlsxwriter  # a third-party writer, as other programs write XLSX

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Projecten")
    dated = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write(0, 0, "Innovatieprojecten Ruimte")  # a title row
    sheet.write_row(2, 0, ["Projectnaam", "Toelichting", "Thema", "Begindatum", "Einddatum", "Status"])
    sheet.write_row(3, 0, ["Groene schoolpleinen", "Hoe houden we regenwater vast?"])
    sheet.write_row(4, 0, ["Regenton-actie", "Hoe helpen bewoners mee?"])
    sheet.write_row(5, 0, ["Wadi in het park", "Waar laten we het water?"])
    sheet.merge_range(3, 2, 5, 2, "Klimaatadaptatie")  # one theme for three projects
    sheet.write_datetime(3, 3, __import__("datetime").datetime(2022, 3, 14), dated)
    sheet.write_number(4, 3, 44927)  # a date as its serial number in a General cell: 1-1-2023
    sheet.write_string(5, 3, "01-06-2023")
    sheet.write_formula(3, 4, "=D4+365", dated, 45000)  # the cached value counts
    for row in (3, 4, 5):
        sheet.write_string(row, 5, "afgerond")
    book.close()
    return out.getvalue()


def test_an_xlsx_with_a_title_row_date_serials_merged_cells_and_a_formula(db, people, make_theme):
    make_theme(name="Klimaatadaptatie")
    content = xlsx_with_dates_merges_and_a_formula()
    run = import_file(db, people, content, name="projecten.xlsx", defaults={"municipality": "Utrecht"})
    assert (run.created, run.refused) == (3, 0), run.problems
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Projecten").to_python()
    projects = {p.title: p for p in db.session.scalars(select(Project))}
    for row in calamine[3:6]:
        project = projects[row[0]]
        assert project.question == row[1] and [t.name for t in project.themes] == ["Klimaatadaptatie"]
    assert projects["Groene schoolpleinen"].start_date == date(2022, 3, 14)
    assert projects["Regenton-actie"].start_date == date(2023, 1, 1)
    assert projects["Wadi in het park"].start_date == date(2023, 6, 1)
    assert projects["Groene schoolpleinen"].end_date == date(2023, 3, 15)  # serial 45000, the formula's value


def libreoffice_ods() -> bytes:
    """An ODS as LibreOffice Calc saves it: repeated empty columns, typed dates, a cell spanning two rows
    (the second holds a covered cell), and the trailing repeated rows LibreOffice adds."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')

    SPANNED = ' table:number-rows-spanned="2"'  # noqa: N806

    def text(value, extra=""):
        return f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p></table:table-cell>'

    def day(iso, shown):
        return (f'<table:table-cell office:value-type="date" office:date-value="{iso}">'
                f'<text:p>{shown}</text:p></table:table-cell>')

    body = (
        f'<table:table-row>{text("Naam project")}{text("Omschrijving")}{text("Gemeente")}{text("Startdatum")}'
        f'{text("Status")}<table:table-cell table:number-columns-repeated="1019"/></table:table-row>'
        f'<table:table-row>{text("Bibliotheek als huiskamer")}{text("Hoe bereiken we eenzame ouderen &amp; jongeren?")}'
        f'{text("Zwolle", SPANNED)}{day("2021-09-01", "01-09-21")}{text("gestopt")}'
        '<table:table-cell table:number-columns-repeated="1019"/></table:table-row>'
        f'<table:table-row>{text("Taalcafé")}{text("Hoe oefenen nieuwkomers Nederlands?")}<table:covered-table-cell/>'
        f'{day("2022-02-15", "15-02-22")}{text("gestart")}<table:table-cell table:number-columns-repeated="1019"/>'
        '</table:table-row>'
        '<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/>'
        '</table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3">'
               f'<office:body><office:spreadsheet><table:table table:name="Blad1">{body}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                         '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                         'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return out.getvalue()


def test_an_ods_as_libreoffice_saves_it(db, people):
    run = import_file(db, people, libreoffice_ods(), name="lijst.ods")
    assert (run.created, run.refused) == (2, 0), run.problems
    projects = {p.title: p for p in db.session.scalars(select(Project))}
    library = projects["Bibliotheek als huiskamer"]
    assert library.question == "Hoe bereiken we eenzame ouderen & jongeren?"
    assert (library.status, library.start_date) == (ProjectStatus.STOPPED, date(2021, 9, 1))
    assert projects["Taalcafé"].municipality_code == library.municipality_code  # the spanned cell holds for both
    assert projects["Taalcafé"].start_date == date(2022, 2, 15)


@pytest.mark.parametrize("header, field", [
    ("Naam", "title"), ("Naam project", "title"), ("Naam initiatief", "title"), ("Projectnaam", "title"),
    ("Omschrijving", "question"), ("Beschrijving", "question"), ("Toelichting", "question"), ("Doel", "goal"),
    ("Fase", "stage"), ("Status", "status"), ("Projectleider", "lead"), ("Trekker", "lead"),
    ("Contactpersoon", "lead"), ("Gemeente", "municipality"), ("Organisatie", "organisation"),
    ("Afdeling", "department"), ("Thema", "themes"), ("Startdatum", "start_date"), ("Einddatum", "end_date"),
    ("NAAM  INITIATIEF:", "title"), ("Thema’s", "themes"),
])
def test_dutch_header_variants_are_recognised(header, field):
    from kennisbank.services.importing import columns

    assert columns.map_headers("projecten", [header]) == {0: field}


def test_knelpunten_in_a_lessons_list_are_what_happened(db):
    from kennisbank.services.importing import columns

    assert columns.map_headers("lessen", ["Waar tegenaan gelopen", "Knelpunten"]) == {0: "what_happened"}


def _upload(client, content, name="initiatieven.csv"):
    return client.post("/import/", data={"csrf_token": csrf_token(client, "/import/"), "soort": "projecten",
                                         "bestand": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_three_steps_in_the_browser_and_a_colleague_finds_it_at_once(app, db, client, auth, people, make_user):
    """Upload, set what is left for the whole file, import: then a medewerker finds it in search, the list
    and the API. Each problem is said once, with its count, next to the control that fixes it."""
    make_user(email="collega@gemeente.example", name="Cor Collega")
    auth.login("beheer@gemeente.example")
    content = excel_csv(initiatives(), title="Overzicht innovatieve initiatieven 2023")
    report_url = _upload(client, content).headers["Location"]
    page = client.get(report_url).get_data(as_text=True)
    assert page.count("Vul een gemeente in") == 1 and page.count("Geef de status") == 1
    assert "80: 3, 4, 5" in page and 'name="standaard-status"' in page and 'name="vertalingen"' in page
    assert "De kopregel staat in rij 2" in page
    run = db.session.scalars(select(ImportRun)).one()
    chosen = client.post(f"/import/{run.id}/kolommen", data={
        "csrf_token": csrf_token(client, report_url), "standaard-municipality": "Utrecht",
        "standaard-status": "gestart", "vertalingen": "\n".join(f"{f}: {a} = {b}" for f, a, b in TRANSLATIONS)})
    assert chosen.status_code == 302
    page = client.get(report_url).get_data(as_text=True)
    assert "<strong>80</strong> nieuw" in page and "<strong>0</strong> geweigerd" in page
    assert "Wie ziet wat" in page  # before importing, the page says who will see what
    assert 'Titel<br><span class="hint">kolom "Naam initiatief"</span>' in page  # each column's field
    done = client.post(f"/import/{run.id}/uitvoeren", data={"csrf_token": csrf_token(client, report_url)},
                       follow_redirects=True)
    assert "Geïmporteerd: 80 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 geweigerd." in done.get_data(as_text=True)
    indexer.catch_up(app)
    auth.logout()
    auth.login("collega@gemeente.example")
    assert "Café-overleg in Hoograven" in client.get("/zoeken?q=Hoograven").get_data(as_text=True)
    listed = client.get("/projecten/?status=gestart").get_data(as_text=True)
    assert "80 projecten" in listed or ">80<" in listed, listed[listed.find("<main"):][:1500]
    api = client.get("/api/v1/zoeken?q=Hoograven").get_json()
    assert [hit["title"] for hit in api["hits"]] == ["Café-overleg in Hoograven"]
    project = db.session.scalar(select(Project).where(Project.title == "Café-overleg in Hoograven"))
    shown = client.get(f"/projecten/{project.id}").get_data(as_text=True)
    assert "Geïmporteerd (historisch) uit" in shown
    auth.logout()
    auth.login(project.lead.email)  # the trekker leads it: running work, no voortoets asked of history
    mine = client.get("/mijn").get_data(as_text=True)
    assert project.title.replace("é", "&#233;") in mine or project.title in mine
    assert "voortoets" not in mine.lower()


def test_a_wrong_whole_file_value_is_refused_at_its_field_and_kept(db, client, auth, people):
    auth.login("beheer@gemeente.example")
    report_url = _upload(client, excel_csv(initiatives(3))).headers["Location"]
    run = db.session.scalars(select(ImportRun)).one()
    refused = client.post(f"/import/{run.id}/kolommen", data={
        "csrf_token": csrf_token(client, report_url), "standaard-status": "bijna klaar",
        "standaard-municipality": "Utrecht", "vertalingen": "Fase: Idee = verkenning"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Status: &#39;bijna klaar&#39; is geen status" in page
    assert 'value="bijna klaar"' in page and 'value="Utrecht"' in page and "Fase: Idee = verkenning" in page
    unreadable = client.post(f"/import/{run.id}/kolommen", data={
        "csrf_token": csrf_token(client, report_url), "vertalingen": "Fase Idee verkenning"})
    assert unreadable.status_code == 400 and "Regel 1 van de vertalingen is niet te lezen" in \
        unreadable.get_data(as_text=True)


def test_the_refused_rows_file_has_the_files_own_columns_and_imports_again(db, people):
    rows = initiatives(4)
    rows[0].append("Gemeente")
    for row, place in zip(rows[1:], ["Utrecht", "Den Hag", "Zeist", "=1+1"]):
        row.append(place)
    rows[4][0] = "-Min of meer"  # a cell a spreadsheet would run as a formula
    content = excel_csv(rows, width=7)
    run = import_file(db, people, content, defaults={"status": "gestart"}, translations=TRANSLATIONS)
    assert (run.created, run.refused) == (2, 2)
    refused = list(csv.reader(io.StringIO(run.refused_csv.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert refused[0] == rows[0] + ["Fout"]
    assert [r[:-1] for r in refused[1:]] == [rows[2], ["'-Min of meer", *rows[4][1:6], "'=1+1"]]
    again = import_file(db, people, run.refused_csv.encode("utf-8"), name="geweigerd.csv",
                        defaults={"status": "gestart"}, translations=TRANSLATIONS)
    assert (again.created, again.refused) == (0, 2)  # read as it was written: the same two reasons
    assert [message for _, _, message in again.problems] == [message for _, _, message in run.problems]
    assert again.report["unmapped"] == ["Fout"]
    fixed = [row[:-1] for row in refused[1:]]
    fixed[0][6], fixed[1][6] = "Den Haag", "Zwolle"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([rows[0], *fixed])
    last = import_file(db, people, out.getvalue().encode("cp1252"), name="verbeterd.csv",
                       defaults={"status": "gestart"}, translations=TRANSLATIONS)
    assert (last.created, last.refused) == (2, 0)
    assert db.session.scalar(select(Project.title).where(Project.title.like("%Min of meer"))) == "-Min of meer"
