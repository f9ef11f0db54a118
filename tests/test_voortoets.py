"""The voortoets and the start gate: rules at the service level, the flow over HTTP with and without
JavaScript (the panel endpoint, and the 'Zoek vergelijkbaar werk' button)."""
import pytest
from sqlalchemy import select

from kennisbank.ground.errors import DomainError, GateRefused, NotAllowed
from kennisbank.models import (LessonKind, LessonUse, LessonUseSource, PriorWorkSuggestion, ProjectStatus, SearchLog,
                               Verdict)
from kennisbank.search import indexer
from kennisbank.services.gates import voortoets

from .conftest import assert_refused, csrf_token

CONCLUSION = "We nemen de les over netbeheerders mee en bellen de projectleider in Eindhoven."


@pytest.fixture
def earlier_work(app, db, make_user, make_theme, make_project, make_lesson):
    """Earlier work about smart street lighting, and unrelated work, in the index."""
    theme = make_theme(slug="openbare-ruimte", name="Openbare ruimte")
    lead = make_user(name="Ervaren Leider")
    project = make_project(title="Slimme straatverlichting Eindhoven", lead=lead, status=ProjectStatus.CLOSED,
                           question="Hoe maken we de openbare verlichting slim en zuinig met sensoren?",
                           themes=[theme])
    failure = make_lesson(title="Sensoren in lantaarnpalen zonder uitleg aan bewoners", kind=LessonKind.FAILURE,
                          project=project, author=lead, context="Proef met slimme verlichting in de wijk.",
                          themes=[theme])
    make_lesson(title="Warmtenet in de oude mijnen", context="Aardgasvrij verwarmen met mijnwater.")
    indexer.catch_up(app)
    return {"theme": theme, "project": project, "failure": failure, "lead": lead}


@pytest.fixture
def concept(db, make_user, make_project, earlier_work):
    lead = make_user(email="nieuw@gemeente.example", name="Nieuwe Leider")
    project = make_project(title="Slimme lantaarnpalen met sensoren", lead=lead, themes=[earlier_work["theme"]],
                           question="Kunnen lantaarnpalen met sensoren de verlichting slimmer maken?")
    return project


@pytest.fixture
def empty_check(db, earlier_work, concept, make_user):
    """The concept's voortoets without system suggestions, and an owner of its theme: (check, owner)."""
    owner = make_user()
    earlier_work["theme"].owners.append(owner)
    check = voortoets.refresh_check(concept, concept.lead)
    check.suggestions.clear()
    db.session.flush()
    return check, owner


def test_suggestions_match_on_text_and_theme_and_show_failures(db, earlier_work, concept):
    found = voortoets.similar_work(voortoets.project_text(concept), theme_ids=[earlier_work["theme"].id],
                                   exclude_project=concept)
    titles = [getattr(s.item, "title", None) for s in found]
    assert "Slimme straatverlichting Eindhoven" in titles
    # The project's failure is shown, folded under its project rather than in a place of its own.
    project = next(s for s in found if s.kind == "project")
    assert [lesson.title for lesson in project.lessons] == ["Sensoren in lantaarnpalen zonder uitleg aan bewoners"]
    assert "Sensoren in lantaarnpalen zonder uitleg aan bewoners" not in titles
    assert "Warmtenet in de oude mijnen" not in titles[:2]
    reason = next(s.reason for s in found if s.kind == "project")
    assert "zelfde thema: Openbare ruimte" in reason and "overeenkomende woorden" in reason


def test_never_the_project_itself_nor_drafts(app, db, earlier_work, concept, make_project, make_lesson):
    for topic in ("Afval scheiden", "Fietsparkeren", "Jeugdzorg", "Schuldhulp", "Dijkversterking", "Bomenkap",
                  "Parkeervergunning", "Wijkteam", "Begroting", "Archief"):  # so that lantaarnpalen is distinctive
        make_lesson(title=f"{topic} in de praktijk")
    other = make_project(title="Slimme lantaarnpalen ander concept", question="Sensoren en verlichting",
                         themes=[earlier_work["theme"]])
    indexer.catch_up(app)
    found = voortoets.similar_work("Slimme lantaarnpalen met sensoren verlichting", exclude_project=concept)
    keys = {(s.kind, s.item.id) for s in found} | {("lesson", lesson.id) for s in found for lesson in s.lessons}
    assert ("lesson", earlier_work["failure"].id) in keys  # earlier work with "lantaarnpalen" is found …
    assert ("project", concept.id) not in keys and ("project", other.id) not in keys  # … the drafts that say it not


def test_people_to_ask_come_with_why(db, earlier_work, concept, make_user):
    owner = make_user(name="Thea Eigenaar")
    earlier_work["theme"].owners.append(owner)
    found = voortoets.similar_work(voortoets.project_text(concept), exclude_project=concept)
    people = {p.user.name: p.why for p in voortoets.people_to_ask(found, [earlier_work["theme"].id])}
    assert "leidde 'Slimme straatverlichting Eindhoven'" in people["Ervaren Leider"]
    assert people["Thea Eigenaar"] == ["themaeigenaar van Openbare ruimte"]


def test_cannot_start_without_a_completed_check(db, concept):
    with pytest.raises(GateRefused) as refusal:
        voortoets.start_project(concept, concept.lead)
    assert "Doe eerst de voortoets" in refusal.value.message
    check = voortoets.refresh_check(concept, concept.lead)
    assert check.suggestions
    with pytest.raises(GateRefused, match="Geef een oordeel over elke suggestie"):
        voortoets.start_project(concept, concept.lead)
    assert concept.status == ProjectStatus.CONCEPT


def test_cannot_complete_without_verdict_on_every_suggestion(app, db, concept, make_lesson):
    make_lesson(title="Lantaarnpalen met sensoren in het park", context="Slimme verlichting met sensoren.")
    indexer.catch_up(app)
    check = voortoets.refresh_check(concept, concept.lead)
    first, *rest = check.suggestions
    assert rest  # the rule needs an open suggestion to be tested
    voortoets.give_verdict(check, first.id, Verdict.RELEVANT, "", concept.lead)
    for row in rest[:-1]:
        voortoets.give_verdict(check, row.id, Verdict.NOT_RELEVANT, "", concept.lead)
    with pytest.raises(DomainError, match=r"\(1 nog open\)"):  # one open suggestion is enough to refuse
        voortoets.complete_check(check, CONCLUSION, concept.lead)
    for row in rest[-1:]:
        voortoets.give_verdict(check, row.id, Verdict.NOT_RELEVANT, "", concept.lead)
    with pytest.raises(DomainError, match="korte conclusie"):
        voortoets.complete_check(check, "Ok.", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    voortoets.start_project(concept, concept.lead)
    assert concept.status == ProjectStatus.STARTED and concept.started_at


def test_a_relevant_project_records_the_use_of_the_lessons_shown_under_it(db, earlier_work, concept):
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        relevant = row.item_type == "project" and row.item_id == earlier_work["project"].id
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT if relevant else Verdict.CONTACT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    use = db.session.scalars(select(LessonUse)).one()
    assert use.lesson == earlier_work["failure"] and use.project == concept
    assert use.source == LessonUseSource.PRIOR_WORK_CHECK


def test_a_relevant_lesson_of_its_own_is_recorded_as_used_and_a_contact_verdict_is_not(db, earlier_work, concept,
                                                                                      make_lesson):
    loose = make_lesson(title="Lantaarnpalen met sensoren storen vleermuizen", kind=LessonKind.FAILURE,
                        context="Slimme verlichting en sensoren in het park.")
    check = voortoets.refresh_check(concept, concept.lead)
    check.suggestions.append(PriorWorkSuggestion(item_type="lesson", item_id=loose.id, rank=9))
    db.session.flush()
    for row in check.suggestions:
        relevant = row.item_type == "lesson" and row.item_id == loose.id
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT if relevant else Verdict.CONTACT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    assert [use.lesson for use in db.session.scalars(select(LessonUse))] == [loose]


def test_one_entry_per_project_with_its_matching_lessons_under_it(app, db, make_user, make_project, make_lesson):
    lead = make_user()
    project = make_project(title="Deelscooters in de binnenstad", question="Hoe regelen we deelscooters?",
                           lead=lead, status=ProjectStatus.CLOSED)
    first = make_lesson(title="Deelscooters op de stoep: te laat gehandhaafd", project=project, author=lead,
                        context="Deelscooters stonden overal op de stoep; handhaving kwam te laat.")
    second = make_lesson(title="Vergunning voor deelscooters met plafond", project=project, author=lead,
                         kind=LessonKind.SUCCESS, context="Een plafond op het aantal deelscooters hielp.")
    other_project = make_project(title="Markt", question="Weekmarkt verplaatsen", lead=lead,
                                 status=ProjectStatus.CLOSED)
    loose = make_lesson(title="Deelscooters in een dorp", author=lead, project=other_project,
                        context="Deelscooters in een dorp werden weinig gebruikt.")
    indexer.catch_up(app)
    found = voortoets.similar_work("Deelscooters op de stoep in de binnenstad aanpakken")
    entries = [(s.kind, s.item.id) for s in found]
    assert entries.count(("project", project.id)) == 1 and ("lesson", first.id) not in entries
    assert ("lesson", second.id) not in entries
    entry = next(s for s in found if s.kind == "project" and s.item.id == project.id)
    assert {lesson.id for lesson in entry.lessons} == {first.id, second.id}
    writer = make_user(name="Schrijver")
    first.author = writer
    db.session.commit()
    people = {p.user.name: p.why for p in voortoets.people_to_ask(found, [])}
    assert people["Schrijver"] == [f"schreef de les '{first.title}'"]  # the folded lesson's author counts
    assert ("lesson", loose.id) in entries  # its project did not match: a place of its own


def test_a_lesson_ranked_above_its_project_brings_the_project_to_its_place(app, db, make_user, make_project,
                                                                        make_lesson):
    lead = make_user()
    project = make_project(title="Parkeren", question="Waar komen parkeerplekken en een laadpaal in de straat?",
                           lead=lead, status=ProjectStatus.CLOSED)
    lesson = make_lesson(title="Laadpalen bezetten parkeerplekken", project=project, author=lead,
                         context="Laadpalen en laadplekken voor elektrische auto's: te weinig laadpalen.")
    make_lesson(title="Laadpalen in de wijk", author=lead, context="Eén laadpaal voor de hele straat.")
    indexer.catch_up(app)
    found = voortoets.similar_work("Meer laadpalen plaatsen voor elektrische auto's")
    assert (found[0].kind, found[0].item.id, [l.id for l in found[0].lessons]) == ("project", project.id,
                                                                                   [lesson.id])


def test_nothing_similar_needs_an_own_search_and_is_logged(app, db, make_user, make_project, make_theme):
    theme = make_theme(slug="water")
    project = make_project(title="Kwallen tellen in de gracht", question="Zwemmen kwallen in grachten?",
                           themes=[theme])
    indexer.catch_up(app)
    check = voortoets.refresh_check(project, project.lead)
    assert check.suggestions == []
    with pytest.raises(DomainError, match="zoek minstens één keer zelf"):
        voortoets.complete_check(check, CONCLUSION, project.lead)
    voortoets.record_search(check, "kwallen", project.lead)
    voortoets.complete_check(check, "Niemand deed dit eerder; we zochten op kwallen en grachten.", project.lead)
    logged = db.session.scalars(select(SearchLog).where(SearchLog.source == "voortoets")).all()
    assert {entry.theme_slug for entry in logged} >= {"water"}
    voortoets.start_project(project, project.lead)


def test_only_the_lead_does_the_check(db, concept, make_user):
    with pytest.raises(NotAllowed):
        voortoets.refresh_check(concept, make_user())
    with pytest.raises(NotAllowed):
        voortoets.start_project(concept, make_user())


def test_override_needs_an_administrator_and_a_reason(db, concept, make_user):
    admin = make_user(is_admin=True)
    with pytest.raises(NotAllowed):
        voortoets.override_start(concept, concept.lead, "Een heel goede reden om te starten.")
    with pytest.raises(DomainError, match="waarom"):
        voortoets.override_start(concept, admin, "kort")
    voortoets.override_start(concept, admin, "Spoedopdracht van de raad; voortoets volgt achteraf.")
    assert concept.status == ProjectStatus.STARTED
    assert concept.start_override_reason.startswith("Spoedopdracht") and concept.start_override_by == admin


def test_substantial_change_makes_the_check_stale(db, concept):
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        voortoets.give_verdict(check, row.id, Verdict.NOT_RELEVANT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    concept.question = "Hoe helpen we ouderen in de wijk met eenzaamheid en vervoer naar de huisarts?"
    concept.title = "Ouderen en vervoer"
    assert voortoets.is_stale(check, concept)
    with pytest.raises(GateRefused, match="flink veranderd"):
        voortoets.start_project(concept, concept.lead)
    concept.question += " "  # a small edit is no reason to look again
    concept.title, concept.question = "Slimme lantaarnpalen met sensoren", \
        "Kunnen lantaarnpalen met sensoren de verlichting slimmer maken, ook in de wijk?"
    assert not voortoets.is_stale(check, concept)


def test_a_started_project_rewritten_completely_is_flagged_not_blocked(db, client, auth, concept, make_user):
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        voortoets.give_verdict(check, row.id, Verdict.NOT_RELEVANT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    voortoets.start_project(concept, concept.lead)
    db.session.commit()
    assert not voortoets.is_outdated(concept)
    concept.title = "Ouderen en vervoer"
    concept.question = "Hoe helpen we ouderen in de wijk met eenzaamheid en vervoer naar de huisarts?"
    db.session.commit()
    assert voortoets.is_outdated(concept) and concept.status.value == "gestart"  # running on, flagged
    from kennisbank.services.reporting import dashboard

    assert voortoets.OUTDATED in next(p for p in dashboard.my_projects(concept.lead) if p.project == concept).needs
    make_user(email="lezer@gemeente.example")
    concept.lead.email = "lead@gemeente.example"
    db.session.commit()
    auth.login("lead@gemeente.example")
    assert "Voortoets verouderd" in client.get(f"/projecten/{concept.id}").get_data(as_text=True)
    auth.logout()
    auth.login("lezer@gemeente.example")  # a reader is not bothered with it
    assert "Voortoets verouderd" not in client.get(f"/projecten/{concept.id}").get_data(as_text=True)


def test_own_searches_never_offer_the_project_itself(app, db, earlier_work, concept, make_user):
    """The project is found by its own words; it is no earlier work, neither in the lead's nor in a
    theme owner's search, and adding it says why it cannot."""
    owner = make_user()
    earlier_work["theme"].owners.append(owner)
    indexer.catch_up(app)
    check = voortoets.refresh_check(concept, concept.lead)
    record = voortoets.record_search(check, "lantaarnpalen sensoren", concept.lead)
    assert record.result_count >= 1  # the search did find it
    assert ["project", concept.id] not in record.results
    assert all(not (i.kind == "project" and i.item.id == concept.id)
               for i in voortoets.search_for_owner(check, owner, "lantaarnpalen sensoren"))
    earlier = earlier_work["project"]
    assert ["project", earlier.id] in voortoets.record_search(check, "straatverlichting", concept.lead).results
    with pytest.raises(DomainError, match="Dit is het project zelf"):
        voortoets.add_suggestion(check, "project", concept.id, concept.lead, verdict=Verdict.NOT_RELEVANT)


def test_theme_owner_adds_a_suggestion_the_lead_sees(db, earlier_work, concept, make_user, make_network):
    owner = make_user()
    earlier_work["theme"].owners.append(owner)
    network = make_network(name="Lichtnetwerk")
    check = voortoets.refresh_check(concept, concept.lead)
    row = voortoets.add_suggestion(check, "network", network.id, owner, note="Daar zit de expertise.")
    assert row.suggested_by == owner and row.verdict is None
    assert any(item.row.id == row.id for item in voortoets.suggestion_items(check))
    with pytest.raises(NotAllowed):
        voortoets.add_suggestion(check, "network", network.id, make_user())


# HTTP --------------------------------------------------------------------------------------------------

def test_panel_endpoint_for_javascript(auth, client, earlier_work, make_user):
    make_user(email="typer@gemeente.example")
    auth.login("typer@gemeente.example")
    html = client.get("/projecten/vergelijkbaar", query_string={
        "titel": "Slimme lantaarnpalen", "vraag": "Sensoren in de straatverlichting",
        "themas": str(earlier_work["theme"].id)}).get_data(as_text=True)
    assert "Slimme straatverlichting Eindhoven" in html and 'target="_blank"' in html
    # Its failure under it, with its kind, in one place with the project.
    folded = html[html.index('<ul class="folded-lessons"'):]
    assert "Mislukking</span>" in folded and "Sensoren in lantaarnpalen zonder uitleg aan bewoners" in folded
    suggestions = html[:html.index("Mensen om te vragen")]
    assert suggestions.count("Sensoren in lantaarnpalen zonder uitleg aan bewoners") == 1
    assert "Mensen om te vragen" in html and "Ervaren Leider" in html
    assert "<html" not in html  # a fragment for the live region


def test_new_project_page_has_live_panel_and_no_inline_script(auth, client, make_user):
    make_user(email="typer@gemeente.example")
    auth.login("typer@gemeente.example")
    html = client.get("/projecten/nieuw").get_data(as_text=True)
    assert 'aria-live="polite"' in html and 'src="/static/voortoets.js"' in html
    assert "<script>" not in html


def test_whole_flow_without_javascript(auth, client, db, earlier_work, make_user):
    make_user(email="lead@gemeente.example")
    auth.login("lead@gemeente.example")
    form = {"title": "Slimme lantaarnpalen", "question": "Sensoren in de straatverlichting van de wijk",
            "municipality": "Breda", "stage": "verkenning", "themes": [str(earlier_work["theme"].id)],
            "version": "0"}
    compared = client.post("/projecten/nieuw", data={**form, "actie": "vergelijk",
                                                     "csrf_token": csrf_token(client, "/projecten/nieuw")})
    html = compared.get_data(as_text=True)
    assert compared.status_code == 200 and "Slimme straatverlichting Eindhoven" in html
    assert 'value="Slimme lantaarnpalen"' in html  # nothing lost, nothing saved
    saved = client.post("/projecten/nieuw", data={**form, "csrf_token": csrf_token(client, "/projecten/nieuw")})
    url = saved.headers["Location"]
    assert url.endswith("/voortoets")
    project_url = url.removesuffix("/voortoets")
    page = client.get(url).get_data(as_text=True)
    assert "Slimme straatverlichting Eindhoven" in page
    refused = client.post(f"{project_url}/starten", data={"csrf_token": csrf_token(client, url)},
                          follow_redirects=True)
    assert "Het project kan nog niet starten" in refused.get_data(as_text=True)
    from kennisbank.models import Project

    project = db.session.scalars(select(Project).where(Project.title == "Slimme lantaarnpalen")).one()
    for row in project.prior_work_check.suggestions:
        client.post(f"{url}/oordeel/{row.id}", data={"csrf_token": csrf_token(client, url), "oordeel": "relevant",
                                                     "notitie": "Bellen"})
    client.post(f"{url}/zoeken", data={"csrf_token": csrf_token(client, url), "zoekvraag": "lantaarnpaal"})
    done = client.post(f"{url}/afronden", data={"csrf_token": csrf_token(client, url), "conclusie": CONCLUSION})
    assert done.status_code == 302
    started = client.post(f"{project_url}/starten", data={"csrf_token": csrf_token(client, url)})
    assert started.status_code == 302
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert project.status == ProjectStatus.STARTED
    assert len(project.prior_work_check.searches) == 1
    detail = client.get(project_url).get_data(as_text=True)
    assert CONCLUSION in detail and "Oordeel: Relevant" in detail


def test_bad_verdict_input_changes_nothing(auth, client, db, concept):
    check = voortoets.refresh_check(concept, concept.lead)
    db.session.commit()
    auth.login("nieuw@gemeente.example")
    url = f"/projecten/{concept.id}/voortoets"
    row = check.suggestions[0]
    response = client.post(f"{url}/oordeel/{row.id}", data={"csrf_token": csrf_token(client, url),
                                                            "oordeel": "geweldig"}, follow_redirects=True)
    assert "Kies relevant, niet relevant of contact opnemen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(row), row.id).verdict is None


def test_theme_owner_sees_completed_voortoets_on_dashboard(auth, client, db, earlier_work, concept, make_user):
    make_user(email="eigenaar@gemeente.example", name="Thea Eigenaar")
    from kennisbank.services.access import users

    earlier_work["theme"].owners.append(users.find_by_email("eigenaar@gemeente.example"))
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        voortoets.give_verdict(check, row.id, Verdict.NOT_RELEVANT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    db.session.commit()
    auth.login("eigenaar@gemeente.example")
    html = client.get("/mijn").get_data(as_text=True)
    assert "Afgeronde voortoetsen van nieuwe projecten" in html and concept.title in html


def test_a_refused_conclusion_comes_back_as_typed_with_every_reason(db, client, auth, concept):
    voortoets.refresh_check(concept, concept.lead)  # suggestions without verdicts: completing is refused
    db.session.commit()
    concept.lead.email = "lead@gemeente.example"
    db.session.commit()
    auth.login("lead@gemeente.example")
    typed = "We nemen de les over de aanbesteding mee en bellen de projectleider van de pilot in Eindhoven."
    response = client.post(f"/projecten/{concept.id}/voortoets/afronden", data={
        "csrf_token": csrf_token(client, f"/projecten/{concept.id}/voortoets"), "conclusie": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert typed in page and "nog open" in page
    assert 'aria-describedby="conclusie-fout"' in page
    assert concept.prior_work_check.conclusion == ""  # nothing saved


# Word for word, and the trail each step leaves ------------------------------------------------------------

CONCLUSION = "Wij nemen de les over bewoners mee en bellen de vorige projectleider."


def audited(db, event):
    import json

    from kennisbank.models import AuditEvent

    return [(row.actor_id, row.target, json.loads(row.detail or "{}"))
            for row in db.session.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id))]


def test_every_refusal_of_the_voortoets_reads_in_full(db, earlier_work, concept, make_user):
    stranger, admin = make_user(), make_user(is_admin=True)
    check = voortoets.refresh_check(concept, concept.lead)
    refusals = [
        (NotAllowed, lambda: voortoets.refresh_check(concept, stranger),
         "Alleen de projectleider doet de voortoets van dit project.", None),
        (DomainError, lambda: voortoets.give_verdict(check, 987654, Verdict.RELEVANT, "", concept.lead),
         "Deze suggestie hoort niet bij deze voortoets.", {}),
        (DomainError, lambda: voortoets.record_search(check, "  ", concept.lead), "Typ waar u naar zoekt.",
         {"query": "Typ waar u naar zoekt."}),
        (DomainError, lambda: voortoets.search_for_owner(check, admin, " "), "Typ waar u naar zoekt.", {}),
        (NotAllowed, lambda: voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, stranger),
         "Alleen de projectleider en de eigenaren van de thema's van dit project kunnen suggesties toevoegen.", None),
        (DomainError, lambda: voortoets.add_suggestion(check, "project", concept.id, concept.lead),
         "Dit is het project zelf; kies eerder werk van anderen.", {}),
        (DomainError, lambda: voortoets.add_suggestion(check, "lesson", 987654, concept.lead),
         "Dit item bestaat niet (meer) of kan niet worden voorgesteld.", {}),
        (DomainError, lambda: voortoets.add_suggestion(check, "onzin", 1, concept.lead),
         "Dit item bestaat niet (meer) of kan niet worden voorgesteld.", {}),
        (NotAllowed, lambda: voortoets.start_project(concept, stranger),
         "Alleen de projectleider kan het project starten.", None),
        (NotAllowed, lambda: voortoets.override_start(concept, concept.lead, "x" * 30),
         "Alleen een beheerder kan een project zonder voortoets starten.", None),
    ]
    assert_refused(refusals)
    open_rows = len(check.suggestions)
    with pytest.raises(DomainError) as short:
        voortoets.complete_check(check, " kort ", concept.lead)
    conclusion = ("Schrijf een korte conclusie (minstens 40 tekens): wat neemt u mee uit eerder werk, met wie neemt "
                  "u contact op, waarom gaat u door?")
    assert short.value.message == f"Geef een oordeel over elke suggestie ({open_rows} nog open). {conclusion}"
    assert short.value.field_errors == {"conclusion": conclusion}
    with pytest.raises(GateRefused) as gate:
        voortoets.start_project(concept, concept.lead)
    assert gate.value.problems == [f"Geef een oordeel over elke suggestie ({open_rows} nog open).",
                                   "Rond de voortoets af met een conclusie."]
    assert gate.value.message == "Het project kan nog niet starten: " + " ".join(gate.value.problems)


def test_the_gate_names_what_is_missing_in_each_state(db, earlier_work, concept, make_project):
    assert voortoets.start_problems(concept) == ["Doe eerst de voortoets: kijk wat er al eerder is gedaan."]
    assert voortoets.completion_problems(None) == ["Er is nog geen voortoets gedaan."]
    started = make_project(status=ProjectStatus.STARTED)
    assert voortoets.start_problems(started) == ["Alleen een concept kan worden gestart."]
    check = voortoets.refresh_check(concept, concept.lead)
    check.suggestions.clear()
    assert voortoets.completion_problems(check) == [
        "Er waren geen suggesties: zoek minstens één keer zelf naar eerder werk."]
    concept.question = "Iets heel anders over afvalinzameling en containers in de binnenstad."
    concept.title = "Ondergrondse containers"
    assert voortoets.start_problems(concept) == [
        "De beschrijving is sinds de voortoets flink veranderd. Kijk opnieuw wat er al eerder is gedaan."]
    with pytest.raises(DomainError) as refused:
        voortoets.refresh_check(started, started.lead)
    assert refused.value.message == "De voortoets hoort bij een concept; dit project is al gestart."


def test_verdicts_and_completion_leave_an_audit_trail_and_a_history(db, earlier_work, concept):
    from kennisbank.services.registry import revisions

    check = voortoets.refresh_check(concept, concept.lead)
    rows = list(check.suggestions)
    for row in rows:
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT, "  nuttig  " + "x" * 3000, concept.lead)
    assert {len(row.note) for row in rows} == {2000} and rows[0].note.startswith("nuttig")
    assert audited(db, "voortoets_verdict") == [
        (concept.lead.id, f"project:{concept.id}", {"item": f"{row.item_type}:{row.item_id}", "verdict": "relevant"})
        for row in rows]
    voortoets.complete_check(check, "  " + CONCLUSION + "  ", concept.lead)
    assert check.conclusion == CONCLUSION and check.completed_by == concept.lead and check.completed_at
    assert audited(db, "voortoets_completed") == [(concept.lead.id, f"project:{concept.id}",
                                                   {"suggestions": len(rows)})]
    assert (revisions.history(concept)[0].action, revisions.history(concept)[0].user) == (
        "voortoets afgerond", concept.lead)
    voortoets.start_project(concept, concept.lead)
    started = revisions.history(concept)[0]
    assert (started.action, started.user, started.changes) == ("gestart", concept.lead,
                                                               {"status": ["concept", "gestart"]})
    assert concept.status == ProjectStatus.STARTED and concept.started_at is not None


@pytest.mark.parametrize("reason, accepted", [("x" * 19 + " ", False), ("a" * 20, True), ("-- " * 10, False),
                                              ("   " + "b" * 19 + "   ", False)])
def test_an_override_needs_a_real_reason_of_twenty_characters(db, concept, make_user, reason, accepted):
    from kennisbank.services.registry import revisions

    admin = make_user(is_admin=True)
    if not accepted:
        with pytest.raises(DomainError) as refused:
            voortoets.override_start(concept, admin, reason)
        message = "Schrijf waarom dit project zonder voortoets start (minstens 20 tekens)."
        assert refused.value.message == message and refused.value.field_errors == {"reason": message}
        assert concept.status == ProjectStatus.CONCEPT
        return
    voortoets.override_start(concept, admin, reason)
    assert (concept.status, concept.start_override_reason, concept.start_override_by) == (
        ProjectStatus.STARTED, reason, admin)
    assert audited(db, "start_override") == [(admin.id, f"project:{concept.id}", {"reason": reason})]
    assert revisions.history(concept)[0].action == "gestart zonder voortoets"
    with pytest.raises(DomainError) as again:
        voortoets.override_start(concept, admin, reason)
    assert again.value.message == "Alleen een concept kan worden gestart."


def test_a_suggestion_by_a_theme_owner_or_the_lead_says_where_it_came_from(db, earlier_work, concept,
                                                                            empty_check):
    check, owner = empty_check
    by_owner = voortoets.add_suggestion(check, "project", earlier_work["project"].id, owner, note="  Bel Ervaren.  ",
                                        verdict=Verdict.RELEVANT)
    assert (by_owner.reason, by_owner.suggested_by, by_owner.note, by_owner.verdict, by_owner.rank) == (
        "kijk ook naar (themaeigenaar)", owner, "Bel Ervaren.", None, 1)
    by_lead = voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, concept.lead, note=" ja ",
                                       verdict=Verdict.CONTACT)
    assert (by_lead.reason, by_lead.suggested_by, by_lead.note, by_lead.verdict, by_lead.rank) == (
        "eigen zoekopdracht", None, "ja", Verdict.CONTACT, 2)
    again = voortoets.add_suggestion(check, "project", earlier_work["project"].id, concept.lead,
                                     verdict=Verdict.NOT_RELEVANT)
    assert again is by_owner and by_owner.verdict == Verdict.NOT_RELEVANT and len(check.suggestions) == 2
    assert audited(db, "voortoets_verdict") == [
        (concept.lead.id, f"project:{concept.id}", {"item": f"lesson:{earlier_work['failure'].id}",
                                                    "verdict": "contact_opnemen"}),
        (concept.lead.id, f"project:{concept.id}", {"item": f"project:{earlier_work['project'].id}",
                                                    "verdict": "niet_relevant"})]


def test_people_to_ask_say_why_skip_the_asker_and_who_left_and_stop_at_six(db, make_user, make_theme, make_project,
                                                                          make_lesson, make_network):
    from datetime import date, timedelta

    from kennisbank.services.gates.voortoets import Suggestion

    asker, lead, mate, gone = make_user(), make_user(name="Lea"), make_user(name="Mat"), make_user(active=False)
    writer, member, former, owner = make_user(name="Wim"), make_user(name="Mia"), make_user(), make_user(name="Ole")
    project = make_project(title="Zon op daken", lead=lead, team=[mate, gone, asker])
    lesson = make_lesson(title="Te laat begonnen", author=writer)
    team_lesson = make_lesson(title="Namens het team", author=make_user(), on_behalf_of_team=True)
    network = make_network(name="Kring Zon", members=[
        {"user": member, "since": date(2020, 1, 1)}, {"user": lead, "since": date(2020, 1, 1)},
        {"user": former, "since": date(2020, 1, 1), "until": date.today() - timedelta(days=1)}])
    theme = make_theme(name="Energie", owners=[owner, asker])
    found = [Suggestion("project", project, "", 1.0), Suggestion("lesson", lesson, "", 1.0),
             Suggestion("lesson", team_lesson, "", 1.0), Suggestion("network", network, "", 1.0),
             Suggestion("project", project, "", 0.5)]
    people = voortoets.people_to_ask(found, [theme.id], exclude=asker)
    assert [(p.user.name, p.why) for p in people] == [
        ("Lea", ["leidde 'Zon op daken'", "zit in Kring Zon"]), ("Mat", ["werkte mee aan 'Zon op daken'"]),
        ("Wim", ["schreef de les 'Te laat begonnen'"]), ("Mia", ["zit in Kring Zon"]),
        ("Ole", ["themaeigenaar van Energie"])]
    assert asker in [p.user for p in voortoets.people_to_ask(found, [theme.id])]
    assert len(voortoets.people_to_ask(found, [theme.id], limit=2)) == 2
    crowd = make_network(members=[{"user": make_user(), "since": date(2020, 1, 1)} for _ in range(8)])
    assert len(voortoets.people_to_ask([Suggestion("network", crowd, "", 1.0)], [])) == 6


def test_a_reason_names_themes_words_and_place(db, make_theme, make_project, make_network):
    energie, water, afval = make_theme(name="Energie"), make_theme(name="Water"), make_theme(name="Afval")
    project = make_project(title="Zonnepanelen op scholen", question="Daken van scholen vol zonnepanelen.",
                           themes=[energie, water], municipality_code="GM0363")
    terms = ["school", "zonnepaneel", "dak", "ander", "nog"]
    reason = voortoets._reason("project", project, terms, [energie, water, afval], "GM0363")
    # Without the words as typed, as the suggestion writes them: never the analysed form ("dak").
    assert reason == ("zelfde thema's: Energie, Water; overeenkomende woorden: scholen, zonnepanelen, daken; "
                      "zelfde gemeente; uit de tekst: “Daken van scholen vol zonnepanelen.”")
    assert voortoets._reason("project", project, terms[:1], [energie], "GM0599", {"school": "scholen"}) == (
        "zelfde thema: Energie; overeenkomende woorden: scholen; uit de tekst: “Daken van scholen vol zonnepanelen.”")
    network = make_network(name="Netwerk", description="Over iets anders.")
    assert voortoets._reason("network", network, ["zon"], [], None) == "vergelijkbare beschrijving"
    assert voortoets._words("de zon op het dak van een school") >= {"school", "dak", "zon"}


def test_the_basis_text_leaves_out_empty_parts():
    assert voortoets.basis_text(" Titel ", "", "  ", "Aanpak") == "Titel\nAanpak"


def test_the_panel_waits_for_ten_characters_and_never_suggests_drafts(app, db, earlier_work, make_user,
                                                                     make_project):
    viewer = make_user()
    draft = make_project(title="Slimme straatverlichting zuinig", question="Openbare verlichting slim met sensoren?",
                         status=ProjectStatus.STARTED)
    indexer.catch_up(app)
    draft.status = ProjectStatus.CONCEPT  # back to a concept; the index has not caught up yet
    db.session.commit()
    assert voortoets.similar_panel("123456789", theme_ids=[], municipality="", viewer=viewer) == {
        "suggestions": [], "people": [], "enough_text": False, "unavailable": False}
    panel = voortoets.similar_panel("Hoe maken we de openbare verlichting slim en zuinig met sensoren?",
                                    theme_ids=[], municipality="Atlantis", viewer=viewer)
    items = [s.item for s in panel["suggestions"]]
    assert panel["enough_text"] and earlier_work["project"] in items and draft not in items
    assert earlier_work["lead"] in [p.user for p in panel["people"]]


def test_stale_is_measured_as_the_share_of_words_kept(db, make_project):
    from kennisbank.models import PriorWorkCheck

    project = make_project(title="een twee drie vier vijf", question="")
    words = ["appel", "banaan", "citroen", "dadel", "eland", "framboos", "gember", "hazelnoot", "ijsbeer", "jaguar"]

    def stale(before: list[str], now: list[str]) -> bool:
        project.title, project.question = " ".join(now), ""
        return voortoets.is_stale(PriorWorkCheck(basis_text=" ".join(before)), project)

    assert voortoets._words(" ".join(words)) == set(words)
    assert not stale(words, words[:6])  # 6 of 10 shared: exactly the limit, still the same text
    assert stale(words, words[:5] + ["kiwi"])  # 5 of 11
    assert not stale([], []) and stale([], ["kiwi"]) and stale(["kiwi"], [])


def test_only_a_started_project_with_a_finished_check_can_be_outdated(db, concept):
    assert not voortoets.is_outdated(concept)
    check = voortoets.refresh_check(concept, concept.lead)
    concept.title, concept.question = "Ouderen en vervoer", "Hoe helpen we ouderen naar de huisarts?"
    assert not voortoets.is_outdated(concept)  # a concept: the gate asks to look again instead
    concept.status = ProjectStatus.STARTED
    assert not voortoets.is_outdated(concept)  # the check was never finished
    check.completed_at = check.created_at
    assert voortoets.is_outdated(concept)


def test_looking_again_keeps_verdicts_and_what_people_added(db, earlier_work, concept, make_user):
    owner = make_user()
    earlier_work["theme"].owners.append(owner)
    check = voortoets.refresh_check(concept, concept.lead)
    judged = check.suggestions[0]
    voortoets.give_verdict(check, judged.id, Verdict.CONTACT, "", concept.lead)
    added = voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, owner)
    check.completed_at = check.created_at
    concept.title, concept.question = "Kwallen tellen", "Zwemmen kwallen in de grachten?"
    again = voortoets.refresh_check(concept, concept.lead)
    assert again is check and check.completed_at is None
    assert check.basis_text == "Kwallen tellen\nZwemmen kwallen in de grachten?"
    assert judged in check.suggestions and added in check.suggestions
    assert all(row.verdict is not None or row.suggested_by_id is not None for row in check.suggestions)


def test_own_searches_are_kept_with_their_results_and_items_load_without_deleted_ones(app, db, earlier_work, concept,
                                                                                      make_lesson):
    check = voortoets.refresh_check(concept, concept.lead)
    record = voortoets.record_search(check, "  sensoren lantaarnpalen  ", concept.lead)
    assert record.query == "sensoren lantaarnpalen" and record.user == concept.lead and record.result_count >= 1
    assert ["lesson", earlier_work["failure"].id] in record.results
    gone = make_lesson(title="Weg", deleted_at=earlier_work["failure"].created_at)
    loaded = voortoets.items_for([["lesson", earlier_work["failure"].id], ["lesson", gone.id], ["onzin", 1],
                                  ["project", 987654]])
    assert [(item.kind, item.item) for item in loaded] == [("lesson", earlier_work["failure"])]
    expected = [i.item for i in voortoets.items_for(record.results)]
    assert [(r.query, [i.item for i in items]) for r, items in voortoets.search_items(check)] == [
        ("sensoren lantaarnpalen", expected)]


def test_the_lead_sees_system_suggestions_first_in_rank_then_what_owners_added(db, earlier_work, concept,
                                                                               empty_check):
    check, owner = empty_check
    from_owner = voortoets.add_suggestion(check, "project", earlier_work["project"].id, owner)
    from_lead = voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, concept.lead)
    from_owner.rank, from_lead.rank = 1, 2
    assert [item.row for item in voortoets.suggestion_items(check)] == [from_lead, from_owner]
    assert voortoets.suggestion_items(check)[0].kind_label == "Les"


def test_the_text_of_each_kind_of_item_that_suggestions_are_matched_on(db, make_project, make_lesson, make_network):
    project = make_project(title="T", question="V", goal="D", approach="A")
    lesson = make_lesson(title="T", context="C", what_happened="W", lesson_learned="L", advice="Ad")
    network = make_network(name="N", description="B")
    assert voortoets._item_text("project", project) == "T\nV\nD\nA"
    assert voortoets._item_text("lesson", lesson) == "T\nC\nW\nL Ad"
    assert voortoets._item_text("network", network) == "N\nB"


def test_a_reason_shows_at_most_four_matching_words(db, make_project):
    project = make_project(title="school dak zonnepaneel subsidie", question="buurt")
    reason = voortoets._reason("project", project, ["school", "dak", "zonnepaneel", "subsidie", "buurt"], [], None)
    assert reason == "overeenkomende woorden: school, dak, zonnepaneel, subsidie; uit de tekst: “buurt”"


def test_a_reason_speaks_the_users_words_and_quotes_the_best_sentence(db, make_lesson):
    lesson = make_lesson(title="Handhaving", context="Eerst iets anders. Handhaving in zaaksystemen vraagt "
                         "afspraken.\nDe AVG geldt ook voor zaaksystemen en handhaving. " + "Lang " * 60)
    typed = voortoets.as_typed("Handhaving van het zaaksysteem en de AVG")
    assert set(typed.values()) == {"handhaving", "zaaksysteem", "AVG"}
    terms = list(typed)
    reason = voortoets._reason("lesson", lesson, terms, [], None, typed)
    assert reason == ("overeenkomende woorden: handhaving, zaaksysteem, AVG; uit de tekst: “De AVG geldt ook voor "
                      "zaaksystemen en handhaving.”")
    long = make_lesson(title="T", context="AVG " + "woord " * 40)
    quoted = voortoets._reason("lesson", long, ["avg"], [], None).split("uit de tekst: “")[1]
    assert quoted == ("AVG " + "woord " * 40)[:160].rsplit(" ", 1)[0] + " …”"


def test_filler_words_never_make_work_similar(db, make_project):
    from kennisbank.search.dutch import lemma
    from kennisbank.search.similar import FILLER, key_terms

    assert {lemma(word) for word in ("zodat", "willen", "via", "zien", "nieuw")} <= FILLER

    class Reader:  # every word known, in one document of a hundred
        def doc_count(self):
            return 100

        def doc_frequency(self, field, term):
            return 1

    assert [t for t, _ in key_terms("We willen via een nieuwe website zien hoe de buurt meedoet, zodat het werkt",
                                    Reader())] == ["website", "buurt", lemma("meedoet"), lemma("werkt")]


def test_an_own_search_keeps_the_first_page_and_a_search_in_vain_is_logged_for_the_themes(app, db, earlier_work,
                                                                                         concept):
    check = voortoets.refresh_check(concept, concept.lead)
    record = voortoets.record_search(check, "sensoren " + "x" * 600, concept.lead)
    assert len(record.query) == 500
    found = voortoets.record_search(check, "lantaarnpalen", concept.lead)
    assert ["lesson", earlier_work["failure"].id] in found.results
    voortoets.record_search(check, "kwallentelling", concept.lead)
    logged = db.session.scalars(select(SearchLog).where(SearchLog.query == "kwallentelling")).one()
    assert (logged.source, logged.result_count, logged.user) == ("voortoets", 0, concept.lead)


def test_notes_on_suggestions_belong_to_whoever_wrote_them(db, earlier_work, concept, empty_check):
    check, owner = empty_check
    plain = voortoets.add_suggestion(check, "project", earlier_work["project"].id, owner)
    assert plain.note == ""
    by_lead = voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, concept.lead, note=" alleen ")
    assert by_lead.note == "" and by_lead.verdict is None  # a note without a verdict is not kept
    judged = voortoets.add_suggestion(check, "lesson", earlier_work["failure"].id, concept.lead, note="n" * 3000,
                                      verdict=Verdict.RELEVANT)
    assert judged is by_lead and len(judged.note) == 2000


def test_completing_turns_relevant_lessons_into_uses_once_with_their_note(db, earlier_work, concept, make_project):
    other = make_project(status=ProjectStatus.STARTED)
    db.session.add(LessonUse(lesson=earlier_work["failure"], project=other, user=other.lead,
                             source=LessonUseSource.CLOSURE))
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT, "Lees dit eerst.", concept.lead)
    # The failure is folded under its project: the project's relevant verdict records its use.
    assert ("project", earlier_work["project"].id) in {(row.item_type, row.item_id) for row in check.suggestions}
    voortoets.complete_check(check, "x" * voortoets.MIN_CONCLUSION, concept.lead)  # exactly long enough
    uses = db.session.scalars(select(LessonUse).where(LessonUse.project_id == concept.id)).all()
    assert [(use.lesson_id, use.note, use.user) for use in uses] == [
        (earlier_work["failure"].id, "Lees dit eerst.", concept.lead)]
    voortoets.complete_check(check, CONCLUSION, concept.lead)  # confirmed again: no second use
    assert db.session.scalars(select(LessonUse).where(LessonUse.project_id == concept.id)).all() == uses


def _zero_results(source: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("kennisbank_search_zero_results_total", {"source": source}) or 0.0


def _searches(source: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("kennisbank_search_duration_seconds_count", {"source": source}) or 0.0


def test_the_same_place_ranks_first_and_is_named(app, db, earlier_work, make_project):
    text = dict(question="Hoe krijgen we meer groene daken op kantoren in de binnenstad?")
    amsterdam = make_project(title="Groene daken binnenstad", municipality_code="GM0363", status=ProjectStatus.CLOSED,
                             **text)
    eindhoven = make_project(title="Groene daken binnenstad", municipality_code="GM0772", status=ProjectStatus.CLOSED,
                             **text)
    indexer.catch_up(app)
    wording = "Groene daken op kantoren in de binnenstad"
    for place, first, other in (("Amsterdam", amsterdam, eindhoven), ("Eindhoven", eindhoven, amsterdam)):
        found = voortoets.similar_work(wording, municipality=place)
        assert [s.item for s in found[:2]] == [first, other] and "; zelfde gemeente; " in found[0].reason
        assert "zelfde gemeente" not in found[1].reason and isinstance(found[0].score, float) and found[0].score > 0
    concept = make_project(title="Groene daken op kantoren", question=text["question"], municipality_code="GM0772")
    check = voortoets.refresh_check(concept, concept.lead)
    first = min(check.suggestions, key=lambda row: row.rank)
    assert (first.rank, first.item_id) == (1, eindhoven.id) and "; zelfde gemeente; " in first.reason
    panel = voortoets.similar_panel(wording, theme_ids=[], municipality="Eindhoven", viewer=concept.lead)
    assert panel["suggestions"][0].item == eindhoven and "; zelfde gemeente; " in panel["suggestions"][0].reason
    assert voortoets.similar_work(wording, municipality="Atlantis")[0].reason == \
        voortoets.similar_work(wording)[0].reason


def test_the_database_decides_over_a_lagging_index_and_the_limit_holds(app, db, earlier_work, make_project,
                                                                      make_lesson):
    gone = make_lesson(title="Groene daken lekken", context="Groene daken op kantoren lekten na een jaar.")
    back = make_project(title="Groene daken kantoren", question="Groene daken op kantoren?",
                        status=ProjectStatus.STARTED)
    kept = make_lesson(title="Groene daken vragen onderhoud", context="Groene daken op kantoren vragen onderhoud.")
    indexer.catch_up(app)
    gone.deleted_at = gone.created_at  # deleted, and back to a concept, while the index still has the old state
    back.status = ProjectStatus.CONCEPT
    db.session.commit()
    found = [s.item for s in voortoets.similar_work("Groene daken op kantoren")]
    assert kept in found and gone not in found and back not in found
    assert [s.item for s in voortoets.similar_work("Groene daken vragen onderhoud", limit=1)] == [kept]


def test_a_running_project_is_never_its_own_earlier_work(app, db, earlier_work, make_project):
    running = make_project(title="Groene daken kantoren", question="Groene daken op kantoren?",
                           status=ProjectStatus.STARTED)
    indexer.catch_up(app)
    assert running in [s.item for s in voortoets.similar_work("Groene daken op kantoren")]
    assert running not in [s.item for s in voortoets.similar_work("Groene daken op kantoren",
                                                                  exclude_project=running)]
    panel = voortoets.similar_panel("Groene daken op kantoren", theme_ids=[], municipality="", viewer=running.lead,
                                    exclude_project=running)
    assert running not in [s.item for s in panel["suggestions"]]


def test_the_panel_starts_at_ten_characters_and_names_theme_owners_but_not_the_viewer(app, db, earlier_work,
                                                                                     make_user):
    viewer, owner = make_user(), make_user(name="Olga Owner")
    earlier_work["theme"].owners[:] = [owner, viewer]
    db.session.commit()
    nine = voortoets.similar_panel("mijnwater", theme_ids=[], municipality="", viewer=viewer)
    assert nine["suggestions"] == [] and nine["enough_text"] is False
    ten = voortoets.similar_panel("mijnwater!", theme_ids=[earlier_work["theme"].id], municipality="", viewer=viewer)
    assert ten["enough_text"] is True and ten["suggestions"]
    asked = [p.user for p in ten["people"]]
    assert owner in asked and viewer not in asked


def test_without_an_index_the_panel_says_so_and_the_form_goes_on(app, db, earlier_work, make_user):
    import shutil
    from pathlib import Path

    if "kennisbank_searchers" in app.extensions:
        app.extensions["kennisbank_searchers"].close_all()
    shutil.rmtree(app.config["INDEX_DIR"])
    Path(app.config["INDEX_DIR"]).write_text("geen index")  # a file where the index should be
    panel = voortoets.similar_panel("slimme verlichting met sensoren", theme_ids=[], municipality="",
                                    viewer=make_user())
    assert panel == {"suggestions": [], "people": [], "enough_text": True, "unavailable": True}


def test_looking_again_updates_what_the_system_found(db, earlier_work, concept):
    check = voortoets.refresh_check(concept, concept.lead)
    ids = sorted((row.id, row.item_type, row.item_id) for row in check.suggestions)
    system = check.suggestions[0]
    system.rank, system.reason = 99, "oud"
    voortoets.refresh_check(concept, concept.lead)
    assert sorted((row.id, row.item_type, row.item_id) for row in check.suggestions) == ids
    assert system.rank != 99 and system.reason != "oud"
    assert sorted(row.rank for row in check.suggestions) == list(range(1, len(check.suggestions) + 1))


def test_a_reason_longer_than_its_column_is_cut(app, db, earlier_work, make_theme, make_project):
    themes = [make_theme(name=f"Thema {n} " + "x" * 100) for n in range(6)]
    earlier = make_project(title="Groene daken", question="Groene daken?", themes=themes, status=ProjectStatus.CLOSED)
    indexer.catch_up(app)
    concept = make_project(title="Groene daken", question="Groene daken?", themes=themes)
    check = voortoets.refresh_check(concept, concept.lead)
    row = next(row for row in check.suggestions if row.item_id == earlier.id)
    assert len(row.reason) == 500
    check.completed_at = None
    voortoets.refresh_check(concept, concept.lead)
    assert len(row.reason) == 500


def test_an_override_is_recorded_with_who_and_a_reason_cut_to_500(db, concept, make_user):
    from kennisbank.services.registry import revisions

    admin = make_user(is_admin=True)
    voortoets.override_start(concept, admin, "Spoed: " + "r" * 600)
    assert revisions.history(concept)[0].user == admin
    assert len(audited(db, "start_override")[0][2]["reason"]) == 500


def test_a_theme_owner_looks_for_earlier_work_without_filling_the_in_vain_list(app, db, earlier_work, concept,
                                                                              make_user):
    owner = make_user()
    check = voortoets.refresh_check(concept, concept.lead)
    before_zero, before_count = _zero_results("voortoets"), _searches("voortoets")
    found = voortoets.search_for_owner(check, owner, "sensoren lantaarnpalen")
    assert [(item.kind, item.item) for item in found][:1] and all(item.item is not None for item in found)
    assert ("lesson", earlier_work["failure"]) in [(item.kind, item.item) for item in found]
    assert concept not in [item.item for item in found]
    assert voortoets.search_for_owner(check, owner, "kwallentelling") == []
    assert db.session.scalars(select(SearchLog).where(SearchLog.query == "kwallentelling")).all() == []
    assert (_zero_results("voortoets") - before_zero, _searches("voortoets") - before_count) == (1, 2)


def test_the_text_a_check_looks_at_is_title_question_goal_and_approach(db, make_project):
    project = make_project(title="T", question="V", goal="D", approach="A")
    assert voortoets.project_text(project) == "T\nV\nD\nA"
    assert voortoets.basis_text("T", "V") == "T\nV"
    assert voortoets._words("de bus en het ov op 't dak") == {"bus", "dak"}  # two letters or fewer say nothing


def test_only_relevant_lessons_become_uses_each_once(app, db, earlier_work, concept, make_lesson):
    second = make_lesson(title="Sensoren in lantaarnpalen vragen onderhoud", kind=LessonKind.IMPROVEMENT,
                         context="Lantaarnpalen met sensoren in de wijk.", themes=[earlier_work["theme"]])
    indexer.catch_up(app)
    check = voortoets.refresh_check(concept, concept.lead)
    lessons_suggested = {row.item_id for row in check.suggestions if row.item_type == "lesson"}
    assert second.id in lessons_suggested and earlier_work["failure"].id not in lessons_suggested  # folded
    for row in check.suggestions:
        relevant = row.item_type == "lesson" and row.item_id == second.id
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT if relevant else Verdict.NOT_RELEVANT, "",
                               concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    assert [use.lesson_id for use in db.session.scalars(select(LessonUse))] == [second.id]
    for row in check.suggestions:  # now also the project, with its lesson: the one already used not again
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    assert sorted(use.lesson_id for use in db.session.scalars(select(LessonUse))) == sorted(
        [second.id, earlier_work["failure"].id])


def test_nothing_similar_is_logged_per_theme_or_once_without(app, db, make_project, make_theme):
    water, groen = make_theme(slug="water"), make_theme(slug="groen")
    with_themes = make_project(title="Kwallen tellen", question="Zwemmen kwallen in grachten?", themes=[water, groen])
    without = make_project(title="Ooievaars tellen", question="Hoeveel ooievaars broeden er?")
    indexer.catch_up(app)
    for project in (with_themes, without):
        check = voortoets.refresh_check(project, project.lead)
        voortoets.record_search(check, "broedende kwalvogels", project.lead)  # not the title: logged apart
        voortoets.complete_check(check, "Niemand deed dit eerder; we zochten zelf en vonden niets.", project.lead)
    logged = db.session.scalars(select(SearchLog).where(SearchLog.source == "voortoets",
                                                        SearchLog.query.in_(["Kwallen tellen", "Ooievaars tellen"])))
    assert sorted((e.query, e.theme_slug, e.result_count, e.user_id) for e in logged) == sorted([
        ("Kwallen tellen", "groen", 0, with_themes.lead.id), ("Kwallen tellen", "water", 0, with_themes.lead.id),
        ("Ooievaars tellen", "", 0, without.lead.id)])


def test_own_and_owner_searches_take_the_first_page(app, db, earlier_work, concept, make_lesson, make_user):
    for n in range(12):
        make_lesson(title=f"Ooievaarsnest {n}", context="Een nest van ooievaars op een paal.")
    indexer.catch_up(app)
    check = voortoets.refresh_check(concept, concept.lead)
    assert len(voortoets.record_search(check, "ooievaarsnest", concept.lead).results) == 10
    owner = make_user()
    assert len(voortoets.search_for_owner(check, owner, "ooievaarsnest")) == 10
    found = [item.item for item in voortoets.search_for_owner(check, owner, "verlichting sensoren")]
    assert earlier_work["project"] in found and concept not in found



def test_the_quoted_sentence_edges():
    assert voortoets._best_sentence("Alleen een titel over subsidie", ["subsidie"]) == ""  # one line: all title
    exact = "subsidie " + "x" * (voortoets.QUOTE_LENGTH - 9)
    assert len(exact) == voortoets.QUOTE_LENGTH
    assert voortoets._best_sentence("Titel\n" + exact, ["subsidie"]) == exact  # exactly long enough: whole


def test_suggestions_speak_the_words_as_typed_and_the_panel_knows_the_chosen_themes(app, db, earlier_work,
                                                                                    make_user):
    earlier_work["failure"].project = None  # a lesson of its own, not folded under the project
    db.session.commit()
    indexer.catch_up(app)
    found = voortoets.similar_work("Sensoren in lantaarnpalen", theme_ids=[])
    lesson = next(s for s in found if s.kind == "lesson")
    assert "overeenkomende woorden: lantaarnpalen, sensoren" in lesson.reason  # not "lantaarnpaal, sensor"
    panel = voortoets.similar_panel("Sensoren in lantaarnpalen", theme_ids=[earlier_work["theme"].id],
                                    municipality="", viewer=make_user())
    assert any("zelfde thema: Openbare ruimte" in s.reason for s in panel["suggestions"])


def test_an_attachment_counts_for_the_voortoets_but_less_than_the_record_itself(app, db, make_project, make_user):
    """A lessons-learned report attached to a project is read by the voortoets (weight 0.3 against the
    body's 1): a project whose report matches is suggested, after one whose own text matches."""
    from kennisbank.services.registry import attachments

    lead = make_user()
    in_report = make_project(title="Pilot wijkteam Noord", question="Hoe werken we samen in de wijk?", lead=lead,
                             status=ProjectStatus.STARTED)
    in_text = make_project(title="Grondwaterpeil meten met sensoren", lead=lead, status=ProjectStatus.STARTED,
                           question="Hoe houden we het grondwaterpeil bij met sensoren in peilbuizen?")
    make_project(title="Iets anders", question="Hoe plannen we de markt?", lead=lead, status=ProjectStatus.STARTED)
    attachments.add("project", in_report, "evaluatie.txt",
                    "Evaluatie: de peilbuizen met sensoren voor het grondwaterpeil gaven te laat een signaal.".encode(),
                    lead)
    db.session.commit()
    indexer.catch_up(app)
    found = [s.item.title for s in voortoets.similar_work("Grondwaterpeil meten met sensoren in peilbuizen")]
    assert found[:2] == ["Grondwaterpeil meten met sensoren", "Pilot wijkteam Noord"]
    assert "Iets anders" not in found


def test_a_typo_in_the_description_is_corrected_as_search_does(app, db, make_project, make_user):
    lead = make_user()
    make_project(title="Nieuw zaaksysteem met buurgemeenten", question="Welk zaaksysteem kiezen we samen?",
                 lead=lead, status=ProjectStatus.STARTED)
    make_project(title="Markt verplaatsen", question="Waar komt de weekmarkt?", lead=lead,
                 status=ProjectStatus.STARTED)
    db.session.commit()
    indexer.catch_up(app)
    [found] = voortoets.similar_work("Opvolger voor ons zaaksyteem kiezen")
    assert found.item.title == "Nieuw zaaksysteem met buurgemeenten"
    assert "overeenkomende woorden: zaaksysteem" in found.reason  # as the suggestion writes it


def test_the_voortoets_page_shows_a_projects_lessons_under_it_failures_first(db, client, auth, earlier_work,
                                                                              concept, make_lesson):
    from datetime import datetime

    make_lesson(title="Een succes met dimmen", kind=LessonKind.SUCCESS, project=earlier_work["project"],
                author=earlier_work["lead"], created_at=datetime(2020, 1, 1))  # older, yet after the failure
    auth.login(concept.lead.email)
    html = client.get(f"/projecten/{concept.id}/voortoets").get_data(as_text=True)
    folded = html[html.index('<ul class="folded-lessons" aria-label="Lessen uit Slimme straatverlichting Eindhoven">'):]
    folded = folded[:folded.index("</ul>")]
    assert folded.index("Sensoren in lantaarnpalen zonder uitleg aan bewoners") < folded.index("Een succes met dimmen")
