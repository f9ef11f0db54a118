"""Lessons: logging, review, archive, visibility; the edit conflict between two people."""
from datetime import date

import pytest
from sqlalchemy import func, select

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import Lesson, LessonKind, ProjectStatus, ReviewState, Revision
from kennisbank.services.registry import lessons
from kennisbank.services.registry.lessons import LessonFilters, LessonInput

from .conftest import csrf_token


def lesson_input(**kw) -> LessonInput:
    data = dict(title="Betrek de netbeheerder vroeg", kind=LessonKind.FAILURE,
                advice="Nodig de netbeheerder uit in de ontwerpfase.", context="Oude wijk, krap net.")
    data.update(kw)
    return LessonInput(**data)


def lesson_count(db):
    return db.session.scalar(select(func.count()).select_from(Lesson))


def test_lead_logs_lesson_on_project_with_its_themes(db, make_project, make_theme):
    theme = make_theme()
    project = make_project(themes=[theme])
    lesson = lessons.create_lesson(lesson_input(), project.lead, project=project)
    assert lesson.review_state == ReviewState.UNREVIEWED
    assert lesson.themes == [theme] and lesson.project == project


def test_stranger_cannot_log_on_someone_elses_project(db, make_user, make_project):
    with pytest.raises(NotAllowed):
        lessons.create_lesson(lesson_input(), make_user(), project=make_project())


def test_network_lessons_need_a_current_membership(db, make_user, make_network):
    member, former = make_user(), make_user()
    network = make_network(members=[{"user": member, "since": date(2020, 1, 1)},
                                    {"user": former, "since": date(2019, 1, 1), "until": date(2020, 1, 1)}])
    assert lessons.create_lesson(lesson_input(), member, network=network).network == network
    with pytest.raises(NotAllowed):
        lessons.create_lesson(lesson_input(), former, network=network)


def test_anyone_may_log_a_lesson_without_source(db, make_user):
    assert lessons.create_lesson(lesson_input(), make_user()).project is None


@pytest.mark.parametrize("changes, field", [({"advice": " "}, "advice"), ({"title": ""}, "title"),
                                            ({"theme_ids": [424242]}, "themes")])
def test_missing_required_fields_are_refused(db, make_user, changes, field):
    with pytest.raises(DomainError) as refusal:
        lessons.create_lesson(lesson_input(**changes), make_user())
    assert field in refusal.value.field_errors
    db.session.rollback()
    assert lesson_count(db) == 0


def test_on_behalf_of_team_hides_the_author_but_history_keeps_them(db, make_user):
    author = make_user(name="Bang voor Blaam")
    lesson = lessons.create_lesson(lesson_input(on_behalf_of_team=True), author)
    db.session.commit()
    assert lesson.shown_author == "namens het projectteam"
    revision = db.session.scalars(select(Revision).where(Revision.entity_type == "lesson")).one()
    assert revision.user == author


def test_a_team_lesson_names_nobody_in_its_visible_history_except_to_author_and_admin(
        db, client, auth, make_user):
    author = make_user(email="auteur@gemeente.example", name="Bang voor Blaam")
    make_user(email="collega@gemeente.example")
    make_user(email="beheer@gemeente.example", is_admin=True)
    lesson = lessons.create_lesson(lesson_input(on_behalf_of_team=True), author)
    db.session.commit()
    seen = {}
    for email in ("collega@gemeente.example", "auteur@gemeente.example", "beheer@gemeente.example"):
        auth.login(email)
        seen[email] = client.get(f"/lessen/{lesson.id}").get_data(as_text=True)
        auth.logout()
    assert "Bang voor Blaam" not in seen["collega@gemeente.example"]
    assert "door het projectteam" in seen["collega@gemeente.example"]
    assert "door Bang voor Blaam" in seen["auteur@gemeente.example"]
    assert "door Bang voor Blaam" in seen["beheer@gemeente.example"]


def test_review_by_theme_owner(db, make_user, make_theme, make_lesson):
    owner = make_user()
    theme = make_theme(owners=[owner])
    lesson = make_lesson(themes=[theme])
    with pytest.raises(NotAllowed):
        lessons.review_lesson(lesson, make_user(), approve=True)
    with pytest.raises(NotAllowed):
        lessons.review_lesson(lesson, lesson.author, approve=True)
    with pytest.raises(DomainError, match="terugsturen"):
        lessons.review_lesson(lesson, owner, approve=False)
    lessons.review_lesson(lesson, owner, approve=False, remark="Beschrijf de context.")
    assert lesson.review_state == ReviewState.UNREVIEWED and lesson.review_remark == "Beschrijf de context."
    lessons.review_lesson(lesson, owner, approve=True)
    assert lesson.review_state == ReviewState.REVIEWED and lesson.reviewed_by == owner


def test_author_editing_a_reviewed_lesson_sends_it_back_to_review(db, make_user, make_theme, make_lesson):
    owner = make_user()
    lesson = make_lesson(themes=[make_theme(owners=[owner])])
    lessons.review_lesson(lesson, owner, approve=True)
    lessons.update_lesson(lesson, lesson_input(title="Andere titel", theme_ids=[lesson.themes[0].id]),
                          expected_version=lesson.version, by=lesson.author)
    assert lesson.review_state == ReviewState.UNREVIEWED


def test_archived_lessons_stay_findable_and_marked(db, make_user, make_theme, make_lesson):
    owner = make_user()
    lesson = make_lesson(themes=[make_theme(owners=[owner])])
    lessons.set_archived(lesson, owner, archived=True)
    db.session.commit()
    found = lessons.list_lessons(make_user(), LessonFilters(), 1).items
    assert lesson in found and lesson.review_state == ReviewState.ARCHIVED


def test_failures_are_listed_by_default(db, make_user, make_lesson):
    failure = make_lesson(kind=LessonKind.FAILURE)
    success = make_lesson(kind=LessonKind.SUCCESS)
    listed = lessons.list_lessons(make_user(), LessonFilters(), 1).items
    assert failure in listed and success in listed
    only = lessons.list_lessons(make_user(), LessonFilters(kind="mislukking"), 1).items
    assert only == [failure]


def test_lessons_of_concepts_are_hidden_from_others(db, make_user, make_project, make_lesson):
    concept = make_project()
    hidden = make_lesson(project=concept, author=concept.lead)
    started = make_project(status=ProjectStatus.STARTED)
    shown = make_lesson(project=started, author=started.lead)
    listed = lessons.list_lessons(make_user(), LessonFilters(), 1).items
    assert shown in listed and hidden not in listed


def test_reading_does_not_bump_the_version(db, make_lesson):
    lesson = make_lesson()
    version = lesson.version
    lessons.note_viewed(lesson)
    db.session.commit()
    db.session.refresh(lesson)
    assert lesson.version == version and lesson.last_viewed_at is not None


# HTTP ----------------------------------------------------------------------------------------------------

def test_log_lesson_over_http_with_guide(auth, client, db, make_user, make_project):
    project = make_project(status=ProjectStatus.STARTED)
    auth.login(project.lead.email)
    url = f"/lessen/nieuw?project={project.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Een goede les is" in page and "niet vanzelfsprekend" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "title": "Te laat begonnen",
                                      "kind": "verbeterpunt", "advice": "Begin eerder.", "version": "0"})
    assert response.status_code == 302
    lesson = db.session.scalars(select(Lesson)).one()
    assert lesson.project == project and lesson.kind == LessonKind.IMPROVEMENT


def test_bad_lesson_input_keeps_text_and_saves_nothing(auth, client, db, make_user):
    make_user(email="a@gemeente.example")
    auth.login("a@gemeente.example")
    response = client.post("/lessen/nieuw", data={
        "csrf_token": csrf_token(client, "/lessen/nieuw"), "title": "Mijn les", "kind": "mislukking",
        "context": "Een lange context die niet verloren mag gaan", "advice": "", "version": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Schrijf een advies voor het volgende project" in html
    assert "Een lange context die niet verloren mag gaan" in html
    assert lesson_count(db) == 0


def test_two_people_edit_the_same_lesson_second_gets_conflict_page(app, db, make_user, make_theme, make_lesson):
    """Two sessions open the edit form; the first saves; the second is refused and keeps their text."""
    owner = make_user(email="eigenaar@gemeente.example")
    theme = make_theme(owners=[owner])
    lesson = make_lesson(themes=[theme], title="Origineel", author=make_user(email="auteur@gemeente.example"))
    from .conftest import AuthActions

    first, second = app.test_client(), app.test_client()
    AuthActions(first).login("auteur@gemeente.example")
    AuthActions(second).login("eigenaar@gemeente.example")
    url = f"/lessen/{lesson.id}/bewerken"
    form_first, form_second = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form_first and 'value="1"' in form_second

    def submit(client, title, advice):
        return client.post(url, data={"csrf_token": csrf_token(client, url), "title": title, "kind": "mislukking",
                                      "advice": advice, "themes": [str(theme.id)], "version": "1"})

    assert submit(first, "Titel van de auteur", "Advies van de auteur").status_code == 302
    response = submit(second, "Titel van de eigenaar", "Advies van de eigenaar, zorgvuldig geschreven")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd" in html
    assert "Titel van de auteur" in html and "Advies van de eigenaar, zorgvuldig geschreven" in html
    # Both chose the same kind: a choice is compared by its label, so no false difference is shown.
    assert '<th scope="row">Soort</th>' not in html
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).title == "Titel van de auteur"
    # The conflict page's form is based on the new version: saving again is a conscious overwrite.
    assert 'name="version" value="2"' in html
    resubmit = second.post(url, data={"csrf_token": csrf_token(second, url), "title": "Titel van de eigenaar",
                                      "kind": "mislukking", "advice": "Advies van de eigenaar",
                                      "themes": [str(theme.id)], "version": "2"})
    assert resubmit.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).title == "Titel van de eigenaar"


def test_history_values_read_as_the_pages_show_them():
    """Not '2026-11-25T12:33:53.678734' and 'succes', but a Dutch date and the label."""
    from kennisbank.web.templating import change_value

    assert change_value("2026-11-25T12:33:53.678734", "reviewed_at") == "25 november 2026, 13:33"
    assert change_value("2026-03-01", "start_date") == "1 maart 2026"
    assert change_value("succes", "kind") == LessonKind.SUCCESS.label
    assert change_value("regionaal", "kind") == "Regionaal"
    assert change_value("afgesloten", "status") == "Afgesloten"
    assert change_value("gewoon tekst", "title") == "gewoon tekst"
    assert change_value("2026-11-25 is een datum in tekst", "title") == "2026-11-25 is een datum in tekst"
    assert change_value(None, "title") == change_value("", "title") == "–"


def test_a_lesson_of_someone_elses_concept_is_not_found_by_a_colleague(client, auth, db, make_user, make_project,
                                                                       make_lesson):
    """The draft rule in permissions.can_view_lesson, over HTTP: 404 (as if it did not exist) for a
    colleague, the page for the project's team, and for everyone once the project has started."""
    member, colleague = make_user(), make_user()
    concept = make_project(title="Nog geheim", team=[member])
    lesson = make_lesson(title="Les van een concept", project=concept, author=concept.lead)
    auth.login(colleague.email)
    assert client.get(f"/lessen/{lesson.id}").status_code == 404
    auth.logout()
    auth.login(member.email)
    assert "Les van een concept" in client.get(f"/lessen/{lesson.id}").get_data(as_text=True)
    auth.logout()
    concept.status = ProjectStatus.STARTED
    db.session.commit()
    auth.login(colleague.email)
    assert client.get(f"/lessen/{lesson.id}").status_code == 200


# Word for word, and what the history keeps -------------------------------------------------------------

def test_every_refusal_of_a_lesson_reads_in_full(db, make_user, make_project, make_network, make_theme):
    author, stranger = make_user(), make_user()
    project, network = make_project(lead=author), make_network()
    data = LessonInput(title="Titel", kind=LessonKind.FAILURE, advice="Advies.")
    with pytest.raises(DomainError) as both:
        lessons.create_lesson(data, author, project=project, network=network)
    assert both.value.message == "Een les komt uit een project of uit een netwerk, niet uit beide."
    with pytest.raises(NotAllowed) as elsewhere:
        lessons.create_lesson(data, stranger, project=project)
    assert elsewhere.value.message == ("U kunt alleen lessen vastleggen bij projecten waaraan u werkt en netwerken "
                                       "waarin u zit.")
    with pytest.raises(DomainError) as empty:
        lessons.create_lesson(LessonInput(title=" ", kind=LessonKind.FAILURE, advice=" ", theme_ids=[987654]), author)
    assert empty.value.message == "De les is niet opgeslagen. Controleer de gemarkeerde velden."
    assert empty.value.field_errors == {
        "title": "Geef de les een korte titel.",
        "advice": "Schrijf een advies voor het volgende project: wat moet een ander doen of laten?",
        "themes": "Kies alleen bestaande thema's."}
    lesson = lessons.create_lesson(data, author, project=project)
    checks = [
        (lambda: lessons.update_lesson(lesson, data, expected_version=lesson.version, by=stranger),
         "Alleen de auteur, de eigenaren van de thema's en beheerders kunnen deze les bewerken."),
        (lambda: lessons.review_lesson(lesson, stranger, approve=True),
         "Alleen een eigenaar van een van de thema's van deze les kan haar toetsen."),
        (lambda: lessons.set_archived(lesson, stranger, True),
         "Alleen een eigenaar van een van de thema's van deze les kan haar archiveren.")]
    for call, message in checks:
        with pytest.raises(NotAllowed) as refused:
            call()
        assert refused.value.message == message


def test_sending_back_without_a_remark_is_refused_in_words(db, make_user, make_theme, make_lesson):
    owner = make_user()
    lesson = make_lesson(themes=[make_theme(owners=[owner])])
    with pytest.raises(DomainError) as refused:
        lessons.review_lesson(lesson, owner, approve=False, remark="   ")
    assert refused.value.message == "Schrijf bij het terugsturen wat de auteur moet aanpassen."
    assert refused.value.field_errors == {"remark": "Schrijf wat de auteur moet aanpassen."}


def test_the_history_names_each_step_and_who_took_it(db, make_user, make_theme, make_project):
    from kennisbank.services.registry import revisions

    owner, author = make_user(), make_user()
    theme = make_theme(owners=[owner])
    project = make_project(lead=author, themes=[theme])
    lesson = lessons.create_lesson(LessonInput(title="Titel", kind=LessonKind.FAILURE, advice="Advies."), author,
                                   project=project)
    lessons.review_lesson(lesson, owner, approve=False, remark="Graag een voorbeeld.")
    assert (lesson.review_state, lesson.review_remark, lesson.reviewed_by) == (
        ReviewState.UNREVIEWED, "Graag een voorbeeld.", owner)
    lessons.review_lesson(lesson, owner, approve=True, remark="  Mooi.  ")
    assert (lesson.review_state, lesson.review_remark) == (ReviewState.REVIEWED, "Mooi.")
    lessons.set_archived(lesson, owner, True)
    lessons.set_archived(lesson, owner, False)
    assert lesson.review_state == ReviewState.REVIEWED
    assert [(r.action, r.user) for r in reversed(revisions.history(lesson))] == [
        ("aangemaakt", author), ("teruggestuurd", owner), ("getoetst", owner), ("gearchiveerd", owner),
        ("uit archief gehaald", owner)]


def test_an_archived_lesson_never_reviewed_comes_back_unreviewed(db, make_user, make_theme, make_lesson):
    owner = make_user()
    lesson = make_lesson(themes=[make_theme(owners=[owner])])
    lessons.set_archived(lesson, owner, True)
    lessons.set_archived(lesson, owner, False)
    assert lesson.review_state == ReviewState.UNREVIEWED


def test_text_is_trimmed_tags_lowered_once_and_themes_sorted(db, make_user, make_theme):
    author = make_user()
    zorg, afval = make_theme(name="Zorg"), make_theme(name="Afval")
    lesson = lessons.create_lesson(LessonInput(
        title="  Titel  ", kind=LessonKind.INSIGHT, advice=" Advies. ", context=" c ", what_happened=" w ",
        lesson_learned=" l ", transferability=" t ", theme_ids=[zorg.id, afval.id],
        tags=["Energie", " energie ", "", "Warmte"], on_behalf_of_team=True), author)
    assert (lesson.title, lesson.advice, lesson.context, lesson.what_happened, lesson.lesson_learned,
            lesson.transferability) == ("Titel", "Advies.", "c", "w", "l", "t")
    assert [t.name for t in lesson.themes] == ["Afval", "Zorg"] and lesson.tags == ["energie", "warmte"]
    assert lesson.on_behalf_of_team is True and lesson.kind == LessonKind.INSIGHT


def same_text(lesson, **changes) -> LessonInput:
    values = dict(title=lesson.title, kind=lesson.kind, advice=lesson.advice, context=lesson.context,
                  what_happened=lesson.what_happened, lesson_learned=lesson.lesson_learned,
                  transferability=lesson.transferability, theme_ids=[t.id for t in lesson.themes])
    return LessonInput(**(values | changes))


def test_who_edits_what_decides_whether_the_review_still_holds(db, make_user, make_theme, make_lesson):
    from kennisbank.services.registry import revisions

    owner = make_user()
    theme = make_theme(owners=[owner])
    lesson = make_lesson(themes=[theme])
    lessons.review_lesson(lesson, owner, approve=True)
    lessons.update_lesson(lesson, same_text(lesson, tags=["nieuw"]), expected_version=lesson.version,
                          by=lesson.author)
    assert lesson.review_state == ReviewState.REVIEWED  # no text changed: the review still holds
    lessons.update_lesson(lesson, same_text(lesson, advice="Een beter advies."), expected_version=lesson.version,
                          by=owner)
    assert lesson.review_state == ReviewState.REVIEWED  # the reviewer's own edit keeps it
    assert revisions.history(lesson)[0].user == owner
    lessons.update_lesson(lesson, same_text(lesson, advice="Nog een advies.", theme_ids=[]),
                          expected_version=lesson.version, by=lesson.author)
    assert lesson.review_state == ReviewState.UNREVIEWED and lesson.themes == [theme]  # no themes chosen: kept
    assert revisions.history(lesson)[0].user == lesson.author


def test_a_sent_back_lesson_returns_to_the_queue_only_when_its_text_is_reworked(db, make_user, make_theme,
                                                                               make_lesson):
    owner = make_user()
    lesson = make_lesson(themes=[make_theme(owners=[owner])])
    lessons.review_lesson(lesson, owner, approve=False, remark="Graag een voorbeeld.")
    lessons.update_lesson(lesson, same_text(lesson, tags=["x"]), expected_version=lesson.version, by=lesson.author)
    assert lesson.review_remark == "Graag een voorbeeld."
    lessons.update_lesson(lesson, same_text(lesson, context="Met een voorbeeld."), expected_version=lesson.version,
                          by=lesson.author)
    assert (lesson.review_state, lesson.review_remark) == (ReviewState.UNREVIEWED, "")
    archived = make_lesson(themes=lesson.themes, review_state=ReviewState.ARCHIVED, review_remark="Verouderd.")
    lessons.update_lesson(archived, same_text(archived, context="Anders."), expected_version=archived.version,
                          by=archived.author)
    assert (archived.review_state, archived.review_remark) == (ReviewState.ARCHIVED, "Verouderd.")


def test_a_network_lesson_takes_the_networks_themes(db, make_user, make_theme, make_network):
    member = make_user()
    theme = make_theme()
    network = make_network(themes=[theme], members=[{"user": member, "since": date(2020, 1, 1)}])
    lesson = lessons.create_lesson(LessonInput(title="T", kind=LessonKind.INSIGHT, advice="A."), member,
                                   network=network)
    assert lesson.themes == [theme] and lesson.review_state == ReviewState.UNREVIEWED


def test_the_lesson_list_filters_pages_and_orders_newest_first(db, make_user, make_theme, make_project,
                                                              make_lesson):
    from datetime import datetime

    viewer = make_user()
    theme = make_theme(slug="energie")
    project = make_project(status=ProjectStatus.STARTED, municipality_code="GM0363")
    old = make_lesson(title="Oud", themes=[theme], project=project, created_at=datetime(2023, 5, 1),
                      review_state=ReviewState.REVIEWED)
    same_time = [make_lesson(title=f"Nieuw {n}", created_at=datetime(2025, 5, 1)) for n in range(21)]
    elsewhere = make_project(status=ProjectStatus.STARTED, municipality_code="GM0599")
    make_lesson(title="Ouder en later geschreven", created_at=datetime(2022, 1, 1), project=elsewhere,
                themes=[make_theme(slug="water")])
    titles = lambda **kw: [lesson.title for lesson in lessons.list_lessons(viewer, LessonFilters(**kw), 1).items]
    assert titles() == [f"Nieuw {n}" for n in range(20, 0, -1)]  # 20 a page, ties newest id first
    assert titles(theme="energie") == titles(state="getoetst") == titles(municipality="GM0363") == ["Oud"]
    assert titles(year=2023) == ["Oud"] and titles(state="onzin") == titles()
    assert lessons.years_in_use() == [2025, 2023, 2022]
    assert [lesson.title for lesson in lessons.list_lessons(viewer, LessonFilters(), 2).items] == [
        "Nieuw 0", "Oud", "Ouder en later geschreven"]
    same_time[0].deleted_at = datetime(2026, 1, 1)
    old.deleted_at = datetime(2026, 1, 1)
    db.session.commit()
    assert lessons.years_in_use() == [2025, 2022]


def test_a_theme_shows_reviewed_then_unreviewed_then_archived_newest_first(db, make_user, make_theme, make_lesson):
    from datetime import datetime

    theme, other = make_theme(), make_theme()
    made = {}
    for n, (state, year) in enumerate([(ReviewState.ARCHIVED, 2025), (ReviewState.UNREVIEWED, 2024),
                                       (ReviewState.REVIEWED, 2022), (ReviewState.REVIEWED, 2023),
                                       (ReviewState.UNREVIEWED, 2025)]):
        made[n] = make_lesson(title=f"{state.value} {year}", themes=[theme], review_state=state,
                              created_at=datetime(year, 1, 1))
    make_lesson(title="Ander thema", themes=[other])
    make_lesson(title="Verwijderd", themes=[theme], deleted_at=datetime(2026, 1, 1))
    assert [lesson.title for lesson in lessons.lessons_for_theme(theme)] == [
        "getoetst 2023", "getoetst 2022", "ongetoetst 2025", "ongetoetst 2024", "gearchiveerd 2025"]
    for n in range(46):
        make_lesson(title=f"Extra {n}", themes=[theme], created_at=datetime(2021, 1, 1))
    assert len(lessons.lessons_for_theme(theme)) == 50 and len(lessons.lessons_for_theme(theme, limit=3)) == 3


def test_a_read_is_noted_once_a_day(db, make_lesson):
    from datetime import timedelta

    from kennisbank.models.base import utcnow

    lesson = make_lesson()
    just_over = utcnow() - timedelta(days=1, seconds=5)
    lesson.last_viewed_at = just_over
    db.session.commit()
    lessons.note_viewed(lesson)
    db.session.commit()
    db.session.refresh(lesson)
    assert lesson.last_viewed_at > just_over
    within = utcnow() - timedelta(hours=23)
    lesson.last_viewed_at = within
    db.session.commit()
    lessons.note_viewed(lesson)
    db.session.commit()
    db.session.refresh(lesson)
    assert lesson.last_viewed_at == within


def test_a_removed_theme_cannot_be_chosen_for_a_lesson(db, make_user, make_theme):
    gone = make_theme(deleted_at=date(2026, 1, 1))
    with pytest.raises(DomainError) as refused:
        lessons.create_lesson(LessonInput(title="T", kind=LessonKind.INSIGHT, advice="A.", theme_ids=[gone.id]),
                              make_user())
    assert refused.value.field_errors == {"themes": "Kies alleen bestaande thema's."}


def _edit_session(app, email: str, url: str):
    """A logged-in client with the edit form open: (client, the form's version and basis)."""
    import html as markup
    import re

    from .conftest import AuthActions

    client = app.test_client()
    AuthActions(client).login(email)
    page = client.get(url).get_data(as_text=True)
    basis = markup.unescape(re.search(r'name="basis" value="([^"]*)"', page).group(1))
    return client, {"version": "1", "basis": basis}


def test_fields_only_one_side_changed_merge_by_themselves(app, db, make_user, make_theme, make_lesson):
    owner = make_user(email="eigenaar@gemeente.example")
    theme = make_theme(owners=[owner])
    lesson = make_lesson(themes=[theme], title="Origineel", advice="Oud advies",
                         author=make_user(email="auteur@gemeente.example"))
    url = f"/lessen/{lesson.id}/bewerken"
    first, opened_first = _edit_session(app, "auteur@gemeente.example", url)
    second, opened_second = _edit_session(app, "eigenaar@gemeente.example", url)
    fields = {"kind": "mislukking", "themes": [str(theme.id)]}
    assert first.post(url, data={**fields, **opened_first, "csrf_token": csrf_token(first, url),
                                 "title": "Nieuwe titel van de auteur", "advice": "Oud advies"}).status_code == 302
    merged = second.post(url, data={**fields, **opened_second, "csrf_token": csrf_token(second, url),
                                    "title": "Origineel", "advice": "Beter advies van de eigenaar"},
                         follow_redirects=True)
    assert merged.status_code == 200
    assert ("Iemand anders had dit intussen gewijzigd; uw wijzigingen zijn erbij opgeslagen. Hun wijziging van "
            "titel is behouden.") in merged.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Lesson, lesson.id)
    assert (saved.title, saved.advice, saved.version) == ("Nieuwe titel van de auteur",
                                                          "Beter advies van de eigenaar", 3)


def test_a_field_both_changed_is_the_only_choice_asked(app, db, make_user, make_theme, make_lesson):
    owner = make_user(email="eigenaar@gemeente.example")
    theme = make_theme(owners=[owner])
    lesson = make_lesson(themes=[theme], title="Origineel", advice="Oud advies", context="Oude context",
                         author=make_user(email="auteur@gemeente.example"))
    url = f"/lessen/{lesson.id}/bewerken"
    first, opened_first = _edit_session(app, "auteur@gemeente.example", url)
    second, opened_second = _edit_session(app, "eigenaar@gemeente.example", url)
    fields = {"kind": "mislukking", "themes": [str(theme.id)]}
    first.post(url, data={**fields, **opened_first, "csrf_token": csrf_token(first, url), "title": "Titel A",
                          "advice": "Advies A", "context": "Oude context"})
    asked = second.post(url, data={**fields, **opened_second, "csrf_token": csrf_token(second, url),
                                   "title": "Origineel", "advice": "Advies B", "context": "Context B"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert html.count('type="radio" name="keuze-') == 2 and 'name="keuze-advice"' in html  # only the advice
    assert "Alleen door de ander gewijzigd, en dus overgenomen: Titel." in html
    assert 'name="title" value="Titel A"' in html and 'name="context" value="Context B"' in html
    import html as markup
    import re

    resubmit = {name: markup.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', html)
                if name in ("title", "advice", "context", "kind", "version", "basis", "csrf_token")}
    done = second.post(url, data={**resubmit, "themes": [str(theme.id)], "keuze-advice": "opgeslagen"})
    assert done.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Lesson, lesson.id)
    assert (saved.title, saved.advice, saved.context) == ("Titel A", "Advies A", "Context B")


def test_an_edit_writes_the_row_once_even_when_the_editor_must_be_reloaded(db, make_user, make_theme, make_lesson):
    """Recording the revision must not flush the edit early (reading an expired editor or the lesson's
    themes would): the row would be written twice, its version bumped twice, and the next editor's form
    would meet a false conflict."""
    from kennisbank.services.notifying import follows
    from kennisbank.services.registry import editing

    author = make_user()
    lesson = make_lesson(author=author, themes=[make_theme()])
    follows.follow(make_user(), "lesson", lesson.id)
    db.session.commit()
    before = lesson.version
    db.session.expire_all()
    editing.apply_changes(lesson, {"advice": "Eén keer geschreven."}, expected_version=None, by=author)
    db.session.commit()
    assert lesson.version == before + 1
