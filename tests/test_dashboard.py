"""`/mijn`: what each role sees, the theme owner's lists and pictures (service level), review in place
and the administrator's view over HTTP."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func

from kennisbank.models import (InnovationStage, LessonKind, LessonUse, LessonUseSource, ProjectStatus, ReviewState,
                               SearchLog)
from kennisbank.services.reporting import dashboard

from .conftest import csrf_token

NOW = datetime(2026, 11, 24, 12, 0)


@pytest.fixture
def owner(make_user):
    return make_user(email="eigenaar@gemeente.example", name="Thea Eigenaar")


@pytest.fixture
def theme(make_theme, owner, db):
    theme = make_theme(slug="energie", name="Energie")
    theme.owners.append(owner)
    db.session.commit()
    return theme


# Service level ----------------------------------------------------------------------------------------

def test_reviews_wait_oldest_first_without_reviewed_or_concept_lessons(db, theme, make_lesson, make_project):
    newer = make_lesson(title="Nieuwer", themes=[theme], created_at=NOW - timedelta(days=1))
    older = make_lesson(title="Ouder", themes=[theme], created_at=NOW - timedelta(days=30))
    make_lesson(title="Al getoetst", themes=[theme], review_state=ReviewState.REVIEWED)
    concept = make_project(themes=[theme])
    make_lesson(title="Uit een concept", themes=[theme], project=concept)
    make_lesson(title="Ander thema")
    assert [lesson.title for lesson in dashboard.reviews_waiting(theme)] == [older.title, newer.title]


def test_a_lesson_sent_back_waits_on_its_author_until_reworked(db, theme, owner, make_lesson, make_user):
    from kennisbank.services.registry import lessons

    author = make_user()
    lesson = make_lesson(title="Te kort", themes=[theme], author=author, advice="Doe het anders.")
    lessons.review_lesson(lesson, owner, approve=False, remark="Wat ging er precies mis?")
    db.session.commit()
    assert dashboard.reviews_waiting(theme) == [] and dashboard.sent_back(theme) == [lesson]
    reworked = lessons.LessonInput(title="Te kort", kind=lesson.kind, advice="Vraag de leverancier eerder om "
                                   "een planning.", theme_ids=[theme.id])
    lessons.update_lesson(lesson, reworked, expected_version=lesson.version, by=author)
    db.session.commit()
    assert dashboard.reviews_waiting(theme) == [lesson] and dashboard.sent_back(theme) == []


def test_empty_searches_of_the_theme_or_unassigned_in_the_last_90_days(db, theme):
    def log(query, slug="", days=1, count=0):
        db.session.add(SearchLog(query=query, result_count=count, theme_slug=slug,
                                 created_at=NOW - timedelta(days=days)))
    log("warmtepomp subsidie", "energie")
    log("Warmtepomp subsidie ", "energie", days=3)
    log("drijvende zonneparken")
    log("te oud", "energie", days=91)
    log("ander thema", "mobiliteit")
    log("met resultaat", "energie", count=4)
    db.session.commit()
    found = dashboard.empty_searches(theme, NOW)
    assert [(s.query, s.times) for s in found] == [("warmtepomp subsidie", 2), ("drijvende zonneparken", 1)]


def test_stale_lessons_are_those_nobody_reviewed_or_read_for_two_years(db, theme, make_lesson):
    old = NOW - timedelta(days=800)
    stale = make_lesson(title="Vergeten", themes=[theme], created_at=old, reviewed_at=old)
    make_lesson(title="Onlangs gelezen", themes=[theme], created_at=old, last_viewed_at=NOW - timedelta(days=10))
    make_lesson(title="Onlangs getoetst", themes=[theme], created_at=old, reviewed_at=NOW - timedelta(days=10))
    make_lesson(title="Gearchiveerd", themes=[theme], created_at=old, review_state=ReviewState.ARCHIVED)
    make_lesson(title="Jong", themes=[theme], created_at=NOW - timedelta(days=100))
    assert dashboard.stale_lessons(theme, NOW) == [stale]


def test_projects_whose_lead_left(db, theme, make_project, make_user):
    gone = make_user(name="Vertrokken", active=False)
    orphan = make_project(title="Zonder leider", lead=gone, themes=[theme], status=ProjectStatus.STARTED)
    make_project(title="Met leider", themes=[theme], status=ProjectStatus.STARTED)
    assert dashboard.projects_with_inactive_lead(theme) == [orphan]


def test_networks_without_anyone_on_behalf_of_the_municipality(db, theme, make_network, make_user):
    person, gone = make_user(), make_user(active=False)
    start = date(2020, 1, 1)
    personal = make_network(name="Persoonlijk", themes=[theme],
                            members=[dict(user=person, since=start, personal_capacity=True)])
    ended = make_network(name="Afgelopen", themes=[theme],
                         members=[dict(user=person, since=start, until=date(2021, 1, 1))])
    left = make_network(name="Vertrokken lid", themes=[theme], members=[dict(user=gone, since=start)])
    make_network(name="Goed geregeld", themes=[theme], members=[dict(user=person, since=start)])
    found = dashboard.networks_without_municipality(theme, NOW.date())
    assert [n.name for n in found] == sorted(n.name for n in (personal, ended, left))


def test_chart_of_lessons_per_kind_per_year_counts_failures(db, theme, make_lesson):
    make_lesson(themes=[theme], kind=LessonKind.FAILURE, created_at=datetime(2024, 3, 1))
    make_lesson(themes=[theme], kind=LessonKind.FAILURE, created_at=datetime(2024, 5, 1))
    make_lesson(themes=[theme], kind=LessonKind.SUCCESS, created_at=datetime(2025, 1, 1))
    chart = dashboard.lessons_per_kind_per_year(theme)
    kinds = [s.name for s in chart.series]
    table = {row.label: dict(zip(kinds, row.values)) for row in chart.rows}
    assert table["2024"]["Mislukking"] == 2 and table["2024"]["Succes"] == 0
    assert table["2025"]["Succes"] == 1
    assert "2024: 2 (mislukking 2)" in chart.description


def test_chart_of_projects_per_stage_shows_how_many_pilots_scaled(db, theme, make_project):
    make_project(themes=[theme], stage=InnovationStage.PILOT, status=ProjectStatus.CLOSED)
    make_project(themes=[theme], stage=InnovationStage.SCALE_UP, status=ProjectStatus.STARTED)
    chart = dashboard.projects_per_stage(theme)
    by_stage = {row.label: row.total for row in chart.rows}
    assert by_stage == {"Verkenning": 0, "Pilot": 1, "Opschaling": 1, "Implementatie": 0}


def test_chart_of_most_used_lessons(db, theme, make_lesson, make_project, make_user):
    user = make_user()
    popular, once = make_lesson(title="Populair", themes=[theme]), make_lesson(title="Eén keer", themes=[theme])
    for lesson, times in ((popular, 3), (once, 1)):
        for _ in range(times):
            db.session.add(LessonUse(lesson=lesson, project=make_project(), user=user,
                                     source=LessonUseSource.MANUAL))
    db.session.commit()
    chart = dashboard.most_used_lessons(theme)
    assert [(row.label, row.total) for row in chart.rows] == [("Populair", 3), ("Eén keer", 1)]
    widths = [row.segments[0].width for row in chart.rows]
    assert widths[0] == pytest.approx(3 * widths[1], rel=0.01)


def test_my_projects_say_what_they_need_to_start_or_close(db, make_project, make_user):
    lead = make_user()
    make_project(title="Concept", lead=lead)
    make_project(title="Loopt", lead=lead, status=ProjectStatus.STARTED)
    needs = {mp.project.title: (mp.needs_label, mp.needs) for mp in dashboard.my_projects(lead)}
    assert needs["Concept"][0] == "Nog nodig om te starten" and "voortoets" in needs["Concept"][1][0]
    assert needs["Loopt"][0] == "Nog nodig om af te sluiten" and "Leg minstens één les vast." in needs["Loopt"][1]


def test_leaving_soon_lists_what_they_hold(db, theme, owner, make_user, make_project):
    owner.leaves_on = date.today() + timedelta(days=20)
    make_user(leaves_on=date.today() + timedelta(days=200))
    make_project(lead=owner, status=ProjectStatus.STARTED)
    db.session.commit()
    leavers = dashboard.leaving_soon()
    assert [l.user for l in leavers] == [owner]
    assert len(leavers[0].holdings.open_projects) == 1 and leavers[0].holdings.themes == [theme]


# Over HTTP --------------------------------------------------------------------------------------------

def test_medewerker_sees_own_things_but_no_theme_dashboard(client, auth, make_user, theme):
    auth.login(make_user().email)
    html = client.get("/mijn").get_data(as_text=True)
    assert "Mijn projecten" in html and "Mijn lessen" in html and "Mijn netwerken" in html
    assert "Lessen die wachten op toetsing" not in html and "Voor beheerders" not in html


def test_lead_sees_what_each_project_still_needs(client, auth, make_user, make_project):
    lead = make_user()
    started = make_project(title="Loopt al", lead=lead, status=ProjectStatus.STARTED)
    auth.login(lead.email)
    html = client.get("/mijn").get_data(as_text=True)
    assert "Nog nodig om af te sluiten: Beschrijf het resultaat. Leg minstens één les vast." in html
    assert f'href="/projecten/{started.id}/afsluiten"' in html


def test_owner_reviews_in_place_and_sees_accessible_charts(client, auth, db, owner, theme, make_lesson):
    lesson = make_lesson(title="Warmtenet te laat aanbesteed", themes=[theme], kind=LessonKind.FAILURE)
    auth.login(owner.email)
    html = client.get("/mijn").get_data(as_text=True)
    assert "Thema Energie" in html and "Warmtenet te laat aanbesteed" in html
    assert re.search(r'<svg class="chart-svg" role="img" aria-labelledby="lessen-energie-title lessen-energie-desc"',
                     html)
    assert "<th scope=\"col\">Mislukking</th>" in html  # the table alternative
    response = client.post(f"/lessen/{lesson.id}/toetsen", data={
        "csrf_token": csrf_token(client, "/mijn"), "besluit": "goedkeuren", "terug": "/mijn#toetsen-energie"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn#toetsen-energie")
    db.session.refresh(lesson)
    assert lesson.review_state == ReviewState.REVIEWED
    assert "Geen lessen om te toetsen." in client.get("/mijn").get_data(as_text=True)


def test_sending_back_without_a_remark_keeps_the_owner_on_the_dashboard(client, auth, db, owner, theme, make_lesson):
    lesson = make_lesson(title="Te vaag", themes=[theme])
    auth.login(owner.email)
    response = client.post(f"/lessen/{lesson.id}/toetsen", data={
        "csrf_token": csrf_token(client, "/mijn"), "besluit": "terugsturen", "opmerking": "",
        "terug": "/mijn#toetsen-energie"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn#toetsen-energie")
    html = client.get("/mijn").get_data(as_text=True)
    assert "Schrijf bij het terugsturen wat de auteur moet aanpassen." in html and "Te vaag" in html
    db.session.refresh(lesson)
    assert lesson.review_state == ReviewState.UNREVIEWED and lesson.review_remark == ""


def test_what_waits_in_the_header_matches_each_list(client, auth, db, owner, theme, make_lesson, make_project,
                                                    make_user):
    """The header names each kind of waiting work with the count of its own list, and links to it."""
    for n in range(2):
        make_lesson(title=f"Te toetsen {n}", themes=[theme])
    sent_back = make_lesson(title="Teruggestuurd", themes=[theme])
    sent_back.review_remark = "Maak het advies concreter."
    make_project(title="Zonder leider", lead=make_user(active=False), themes=[theme], status=ProjectStatus.STARTED)
    db.session.commit()
    auth.login(owner.email)
    html = client.get("/mijn").get_data(as_text=True)
    assert '<a href="#toetsen-energie">2 te toetsen</a>, <a href="#leider-energie">1 project zonder projectleider</a>)' \
        in html
    assert "Lessen die wachten op toetsing (2)" in html and 'id="leider-energie">Projecten zonder actieve ' \
        'projectleider (1)' in html
    assert "netwerk zonder de gemeente" not in html  # nothing of that kind: not named


def test_closed_project_lessons_reach_the_owner_for_review(client, auth, db, owner, theme, make_lesson,
                                                           make_project):
    project = make_project(title="Zonnedaken", themes=[theme], status=ProjectStatus.CLOSED)
    make_lesson(title="Dakconstructie niet gecontroleerd", themes=[theme], project=project)
    auth.login(owner.email)
    html = client.get("/mijn").get_data(as_text=True)
    assert "Dakconstructie niet gecontroleerd" in html and "uit Zonnedaken (afgesloten)" in html


def test_administrator_sees_unowned_themes_and_leavers(client, auth, db, make_user, make_theme):
    admin = make_user(is_admin=True)
    make_theme(name="Zonder eigenaar")
    leaver = make_user(name="Vera Vertrek")
    auth.login(admin.email)
    url = f"/beheer/gebruikers/{leaver.id}/deactiveren"
    soon = (date.today() + timedelta(days=14)).isoformat()
    assert client.post(f"/beheer/gebruikers/{leaver.id}/vertrekdatum",
                       data={"csrf_token": csrf_token(client, url), "leaves_on": soon}).status_code == 302
    html = client.get("/mijn").get_data(as_text=True)
    assert "Zonder eigenaar" in html and "Vera Vertrek – vertrekt" in html


def test_invalid_departure_date_is_refused_in_dutch(client, auth, db, make_user):
    admin, leaver = make_user(is_admin=True), make_user()
    auth.login(admin.email)
    url = f"/beheer/gebruikers/{leaver.id}/deactiveren"
    response = client.post(f"/beheer/gebruikers/{leaver.id}/vertrekdatum",
                           data={"csrf_token": csrf_token(client, url), "leaves_on": "31-31-2026"},
                           follow_redirects=True)
    assert "Vul een geldige datum in" in response.get_data(as_text=True)
    db.session.refresh(leaver)
    assert leaver.leaves_on is None


def test_dashboards_closure_and_digest_on_both_databases(tmp_path, any_database_url):
    """The aggregate queries (grouping, extract, enums) on SQLite and on a real PostgreSQL server, over
    the demo data: every theme owner's dashboard, a closure of a demo project, the digest."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from kennisbank.extensions import db as _db
    from kennisbank.models import Lesson, Project, User
    from kennisbank.services.gates import closure
    from kennisbank.services.gates.closure import ClosureInput
    from kennisbank.services.reporting import digest

    from .conftest import make_app, running

    app = make_app(tmp_path, any_database_url)
    with running(app):
        upgrade()
        assert app.test_cli_runner().invoke(args=["kb", "load-content", "--demo"]).exit_code == 0
        owners = [u for u in _db.session.scalars(select(User)) if u.owned_themes]
        boards = [board for owner in owners for board in dashboard.theme_dashboards(owner)]
        assert boards and all(len(board.charts) == 3 for board in boards)
        kinds_chart = next(b.charts[0] for b in boards if b.theme.slug == "energietransitie")
        assert sum(row.total for row in kinds_chart.rows) == _db.session.scalar(
            select(func.count()).select_from(Lesson).where(Lesson.themes.any(slug="energietransitie")))
        atelier = _db.session.scalar(select(Project).where(Project.content_key == "atelier-buiksloterham"))
        closure.close_project(atelier, ClosureInput(status=ProjectStatus.CLOSED, stage=InnovationStage.PILOT,
                                                    outcome="Een energiepositieve proeftuin met lessen."),
                              by=atelier.lead)
        _db.session.commit()
        assert atelier.status == ProjectStatus.CLOSED
        assert {d.user.email for d in digest.build_digests()} >= {"femke.dewit@amsterdam.example"}
