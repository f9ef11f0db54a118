"""Lists and search results as CSV, XLSX and JSON: every page of the filtered list, only what the user may
see (never someone else's concept), recorded in the audit log; the lessons report as a spreadsheet."""
import csv
import io
import json

import pytest
from sqlalchemy import select

from kennisbank.models import AuditEvent, LessonKind, ProjectStatus
from kennisbank.search import indexer


@pytest.fixture
def world(app, db, make_user, make_project, make_lesson, make_theme):
    reader = make_user(email="lezer@gemeente.example")
    other = make_user(email="ander@gemeente.example", name="Anna Ander")
    theme = make_theme(name="Water")
    for n in range(25):  # more than one page
        make_project(title=f"Kademuur {n:02d}", lead=other, themes=[theme], status=ProjectStatus.STARTED)
    secret = make_project(title="Kademuur geheim concept", lead=other, themes=[theme])
    make_lesson(title="Kademuur-les uit het concept", project=secret, author=other, kind=LessonKind.FAILURE)
    make_lesson(title="Kademuur-les openbaar", author=other, kind=LessonKind.FAILURE, themes=[theme])
    indexer.catch_up(app)
    return theme


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_the_project_list_exports_every_page_with_its_filters_and_no_concepts(db, client, auth, world):
    auth.login("lezer@gemeente.example")
    response = client.get(f"/projecten/?thema={world.slug}&formaat=csv&pagina=2")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert "kennisbank-projecten.csv" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["Titel", "Gemeente", "Organisatie"]
    titles = [row[0] for row in rows[1:]]
    assert len(titles) == 25 and "Kademuur geheim concept" not in titles
    assert rows[1][-1].startswith("http://localhost/projecten/")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "list_exported")).one()
    assert json.loads(event.detail) == {"format": "csv", "rows": 25}


def test_the_lesson_list_as_json_and_xlsx(client, auth, world):
    from python_calamine import CalamineWorkbook

    auth.login("lezer@gemeente.example")
    data = json.loads(client.get("/lessen/?formaat=json").get_data(as_text=True))
    assert [item["titel"] for item in data["items"]] == ["Kademuur-les openbaar"] and data["afgekapt"] is False
    assert data["items"][0]["soort"] == "Mislukking" and data["items"][0]["auteur"] == "Anna Ander"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/lessen/?formaat=xlsx").data))
    assert sheet.get_sheet_by_index(0).to_python()[1][0] == "Kademuur-les openbaar"


def test_search_results_export_all_hits_visible_to_the_user(client, auth, world):
    auth.login("lezer@gemeente.example")
    rows = _rows(client.get("/zoeken?q=kademuur&formaat=csv"))
    titles = [row[1] for row in rows[1:]]
    assert len(titles) == 26 and not any("concept" in t for t in titles)  # 25 projects and the public lesson
    assert "formaat=csv" in client.get("/zoeken?q=kademuur").get_data(as_text=True)  # offered on the page


def test_an_unknown_format_is_just_the_page(client, auth, world):
    auth.login("lezer@gemeente.example")
    response = client.get("/projecten/?formaat=exe")
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_the_lessons_report_as_a_spreadsheet_without_lessons_the_reader_may_not_see(
        app, db, client, auth, make_user, make_project, make_lesson):
    from python_calamine import CalamineWorkbook

    from kennisbank.models import LessonUse, LessonUseSource

    lead = make_user(email="lead@gemeente.example")
    make_user(email="lezer@gemeente.example")
    project = make_project(title="Afgerond", lead=lead, status=ProjectStatus.CLOSED)
    make_lesson(title="Eigen les", project=project, author=lead)
    concept = make_project(title="Concept van een ander", lead=make_user())
    hidden = make_lesson(title="Les van een concept", project=concept)
    public = make_lesson(title="Openbare les")
    for lesson in (hidden, public):
        db.session.add(LessonUse(lesson=lesson, project=project, user=lead, source=LessonUseSource.PRIOR_WORK_CHECK))
    db.session.commit()
    auth.login("lezer@gemeente.example")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(client.get(f"/projecten/{project.id}/lessenrapport.xlsx").data)) \
        .get_sheet_by_index(0).to_python()
    assert [(row[0], row[1]) for row in rows[1:]] == [("eigen les", "Eigen les"),
                                                      ("gebruikt uit eerder werk", "Openbare les")]
    assert "Les van een concept" not in client.get(f"/projecten/{project.id}/lessenrapport").get_data(as_text=True)
