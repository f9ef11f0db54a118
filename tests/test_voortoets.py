"""The voortoets and the start gate: rules at the service level, the flow over HTTP with and without
JavaScript (the panel endpoint, and the 'Zoek vergelijkbaar werk' button)."""
import pytest
from sqlalchemy import select

from kennisbank.models import LessonKind, LessonUse, LessonUseSource, ProjectStatus, SearchLog, Verdict
from kennisbank.search import indexer
from kennisbank.services import voortoets
from kennisbank.services.errors import DomainError, GateRefused, NotAllowed

from .conftest import csrf_token

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


def test_suggestions_match_on_text_and_theme_and_show_failures(db, earlier_work, concept):
    found = voortoets.similar_work(voortoets.project_text(concept), theme_ids=[earlier_work["theme"].id],
                                   exclude_project=concept)
    titles = [getattr(s.item, "title", None) for s in found]
    assert "Slimme straatverlichting Eindhoven" in titles
    assert "Sensoren in lantaarnpalen zonder uitleg aan bewoners" in titles  # a failure, shown
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
    keys = {(s.kind, s.item.id) for s in found}
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


def test_cannot_complete_without_verdict_on_every_suggestion(db, concept):
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


def test_relevant_lessons_become_lesson_uses(db, earlier_work, concept):
    check = voortoets.refresh_check(concept, concept.lead)
    for row in check.suggestions:
        relevant = row.item_type == "lesson" and row.item_id == earlier_work["failure"].id
        voortoets.give_verdict(check, row.id, Verdict.RELEVANT if relevant else Verdict.CONTACT, "", concept.lead)
    voortoets.complete_check(check, CONCLUSION, concept.lead)
    use = db.session.scalars(select(LessonUse)).one()
    assert use.lesson == earlier_work["failure"] and use.project == concept
    assert use.source == LessonUseSource.PRIOR_WORK_CHECK


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
    from kennisbank.services import dashboard

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
    from kennisbank.services import users

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
