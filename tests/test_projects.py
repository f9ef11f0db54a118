"""Project records: rules at the service level, flows over HTTP."""
from datetime import date

import pytest
from sqlalchemy import func, select, update

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import InnovationStage, Project, ProjectStatus, Revision
from kennisbank.services.registry import editing, projects
from kennisbank.services.registry.editing import EditConflict
from kennisbank.services.registry.projects import ProjectFilters, ProjectInput

from .conftest import csrf_token


def valid_input(**kw) -> ProjectInput:
    data = dict(title="Slimme lantaarnpalen", question="Hoe houden we de kade veilig?", municipality="Den Haag")
    data.update(kw)
    return ProjectInput(**data)


def project_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def test_create_project_is_a_concept_led_by_its_creator(db, make_user, make_theme):
    lead, theme = make_user(), make_theme()
    project = projects.create_project(valid_input(theme_ids=[theme.id], tags=["Sensoren", "sensoren", " kade "]),
                                      by=lead)
    db.session.commit()
    assert project.status == ProjectStatus.CONCEPT and project.lead == lead
    assert project.municipality_code == "GM0518"
    assert project.themes == [theme] and project.tags == ["kade", "sensoren"]
    assert db.session.scalar(select(Revision.action).where(Revision.entity_id == project.id)) == "aangemaakt"


@pytest.mark.parametrize("changes, field, message", [
    ({"municipality": "Atlantis"}, "municipality", "geen Nederlandse gemeente"),
    ({"municipality": "", "organisation": ""}, "municipality", "Vul een gemeente in"),
    ({"start_date": date(2025, 5, 1), "end_date": date(2025, 4, 1)}, "end_date", "vóór de startdatum"),
    ({"theme_ids": [9999]}, "themes", "bestaande thema's"),
    ({"team_emails": ["onbekend@x.example"]}, "team", "geen actieve gebruiker"),
    ({"question": "  "}, "question", "maatschappelijk vraagstuk"),
])
def test_bad_project_input_is_refused_per_field_and_nothing_is_saved(db, make_user, changes, field, message):
    with pytest.raises(DomainError) as refusal:
        projects.create_project(valid_input(**changes), by=make_user())
    assert message in refusal.value.field_errors[field]
    db.session.rollback()
    assert project_count(db) == 0


@pytest.mark.parametrize("active", [False, True])
def test_only_active_colleagues_join_a_team(db, make_user, active):
    colleague = make_user(email="collega@gemeente.example", active=active)
    if active:
        project = projects.create_project(valid_input(team_emails=["collega@gemeente.example"]), by=make_user())
        assert project.team == [colleague]
        return
    with pytest.raises(DomainError) as refusal:
        projects.create_project(valid_input(team_emails=["collega@gemeente.example"]), by=make_user())
    assert refusal.value.field_errors == {"team": "'collega@gemeente.example' is geen actieve gebruiker van kennisbank."}


def test_other_organisation_instead_of_municipality(db, make_user):
    project = projects.create_project(valid_input(municipality="", organisation="Provincie Utrecht"), by=make_user())
    assert project.municipality_code is None and project.organisation == "Provincie Utrecht"


def test_update_records_each_changed_field(db, make_user, make_project):
    project = make_project()
    projects.update_project(project, valid_input(title="Nieuwe titel", stage=InnovationStage.PILOT),
                            expected_version=project.version, by=project.lead)
    db.session.commit()
    revision = db.session.scalars(select(Revision).where(Revision.action == "gewijzigd")).one()
    assert revision.changes["title"][1] == "Nieuwe titel"
    assert revision.changes["stage"] == ["verkenning", "pilot"]
    assert revision.user == project.lead


@pytest.mark.parametrize("who, allowed", [("lead", True), ("owner", True), ("admin", True), ("other", False),
                                          ("other_owner", False)])
def test_who_may_edit_a_project(db, make_user, make_theme, make_project, who, allowed):
    owner, other_owner = make_user(), make_user()
    theme, _ = make_theme(owners=[owner]), make_theme(owners=[other_owner])
    project = make_project(themes=[theme])
    editor = {"lead": project.lead, "owner": owner, "admin": make_user(is_admin=True), "other": make_user(),
              "other_owner": other_owner}[who]
    if allowed:
        projects.update_project(project, valid_input(theme_ids=[theme.id]), expected_version=project.version,
                                by=editor)
    else:
        with pytest.raises(NotAllowed):
            projects.update_project(project, valid_input(), expected_version=project.version, by=editor)


def test_stale_version_is_a_conflict_and_changes_nothing(db, make_project):
    project = make_project(title="Origineel")
    with pytest.raises(EditConflict) as conflict:
        projects.update_project(project, valid_input(title="Te laat"), expected_version=project.version - 1,
                                by=project.lead)
    assert conflict.value.submitted["title"] == "Te laat"
    db.session.rollback()
    assert db.session.get(Project, project.id).title == "Origineel"


def test_concurrent_write_between_read_and_save_is_a_conflict(db, make_project):
    """Another transaction bumps the version after we read it: SQLAlchemy's version check catches it."""
    project = make_project(title="Origineel")
    read_version = project.version
    with db.engine.begin() as other_transaction:
        other_transaction.execute(update(Project).where(Project.id == project.id)
                                  .values(title="Van een ander", version=Project.version + 1))
    with pytest.raises(EditConflict) as conflict:
        projects.update_project(project, valid_input(title="Van mij"), expected_version=read_version,
                                by=project.lead)
    assert db.session.get(Project, project.id).title == "Van een ander"
    # The conflict page shows the stored record beside what was typed, in these words.
    assert conflict.value.entity is project and conflict.value.submitted["title"] == "Van mij"
    assert conflict.value.message == ("Iemand anders heeft dit intussen gewijzigd. Uw tekst is niet verloren: "
                                      "vergelijk beide versies en sla opnieuw op.")


@pytest.mark.parametrize("action, message", [("soft_delete", "Alleen een beheerder kan iets verwijderen."),
                                             ("restore", "Alleen een beheerder kan iets terugzetten.")])
def test_only_an_administrator_deletes_or_restores_in_words(db, make_project, action, message):
    project = make_project()
    with pytest.raises(NotAllowed) as refused:
        getattr(editing, action)(project, project.lead)
    assert refused.value.message == message


def test_deleting_and_restoring_leave_history_and_audit_with_who(db, make_user, make_project):
    from kennisbank.models import AuditEvent
    from kennisbank.services.registry import revisions

    admin, project = make_user(is_admin=True), make_project()
    editing.soft_delete(project, admin)
    editing.restore(project, admin)
    assert [(r.action, r.user) for r in revisions.history(project)[:2]] == [("teruggezet", admin),
                                                                            ("verwijderd", admin)]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.event, e.actor_id, e.target) for e in events][-2:] == [
        ("item_deleted", admin.id, f"project:{project.id}"), ("item_restored", admin.id, f"project:{project.id}")]


def test_concepts_are_listed_only_for_their_people(db, make_user, make_theme, make_project):
    owner = make_user()
    theme = make_theme(owners=[owner])
    concept = make_project(themes=[theme])
    started = make_project(status=ProjectStatus.STARTED)
    stranger = make_user()

    def listed(user):
        return {p.id for p in projects.list_projects(user, ProjectFilters(), 1).items}

    assert listed(stranger) == {started.id}
    assert concept.id in listed(concept.lead) and concept.id in listed(owner)
    assert concept.id in listed(make_user(is_admin=True))


def test_filters_and_pagination_load_only_one_page(db, make_user, make_theme, make_project):
    theme = make_theme(slug="energie")
    for n in range(25):
        make_project(status=ProjectStatus.STARTED, themes=[theme] if n % 2 else [],
                     start_date=date(2020 + n % 3, 1, 1), municipality_code="GM0363" if n < 5 else "GM0599")
    user = make_user()
    first = projects.list_projects(user, ProjectFilters(), 1)
    assert len(first.items) == 20 and first.total == 25 and first.pages == 2
    assert len(projects.list_projects(user, ProjectFilters(), 2).items) == 5
    assert projects.list_projects(user, ProjectFilters(theme="energie"), 1).total == 12
    assert projects.list_projects(user, ProjectFilters(municipality="GM0363"), 1).total == 5
    assert projects.list_projects(user, ProjectFilters(year=2021), 1).total == 8
    assert projects.list_projects(user, ProjectFilters(status="afgesloten"), 1).total == 0


# HTTP flows --------------------------------------------------------------------------------------------

def test_create_project_over_http(auth, client, db, make_user, make_theme):
    make_user(email="lead@gemeente.example")
    theme = make_theme()
    auth.login("lead@gemeente.example")
    response = client.post("/projecten/nieuw", data={
        "csrf_token": csrf_token(client, "/projecten/nieuw"), "title": "Digitale tweeling",
        "question": "Hoe maken we hittestress zichtbaar?", "municipality": "Den Bosch", "stage": "verkenning",
        "themes": [str(theme.id)], "version": "0", "start_date": "2026-01-05"})
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert response.headers["Location"] == f"/projecten/{project.id}/voortoets"
    page = client.get(f"/projecten/{project.id}").get_data(as_text=True)
    assert "Digitale tweeling" in page and "&#39;s-Hertogenbosch (Den Bosch)" in page and "Concept" in page


@pytest.mark.parametrize("data, message", [
    ({"municipality": "Atlantis"}, "is geen Nederlandse gemeente"),
    ({"title": "x" * 201}, "Hoogstens 200 tekens."),
    ({"title": ""}, "Geef het project een titel."),
    ({"start_date": "morgen"}, "Ongeldige datum."),
    ({"themes": ["9999"]}, "ongeldige keuze"),
    ({"end_date": "2020-01-01", "start_date": "2021-01-01"}, "De einddatum ligt vóór de startdatum."),
])
def test_bad_project_form_input_gets_dutch_message_and_saves_nothing(auth, client, db, make_user, make_theme, data,
                                                                    message):
    make_user(email="lead@gemeente.example")
    make_theme()
    auth.login("lead@gemeente.example")
    form = {"csrf_token": csrf_token(client, "/projecten/nieuw"), "title": "T", "question": "V",
            "municipality": "Utrecht", "stage": "verkenning", "version": "0"}
    form.update(data)
    response = client.post("/projecten/nieuw", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html
    assert project_count(db) == 0


def test_soft_delete_and_restore_by_administrator_only(auth, client, db, make_user, make_project):
    project = make_project(status=ProjectStatus.STARTED)
    make_user(email="admin@gemeente.example", is_admin=True)
    make_user(email="gewoon@gemeente.example")
    auth.login("gewoon@gemeente.example")
    token = csrf_token(client, f"/projecten/{project.id}")
    assert client.post(f"/projecten/{project.id}/verwijderen", data={"csrf_token": token}).status_code == 403
    auth.logout()
    auth.login("admin@gemeente.example")
    token = csrf_token(client, f"/projecten/{project.id}")
    client.post(f"/projecten/{project.id}/verwijderen", data={"csrf_token": token})
    assert db.session.get(Project, project.id).is_deleted
    assert "verwijderd" in client.get(f"/projecten/{project.id}").get_data(as_text=True)
    client.post(f"/projecten/{project.id}/herstellen", data={"csrf_token": token})
    assert not db.session.get(Project, project.id).is_deleted


# Word for word, and what the record keeps -------------------------------------------------------------

def test_every_refusal_of_a_project_reads_in_full(db, make_user, make_project):
    lead = make_user()
    make_user(email="weg@gemeente.example", active=False)
    with pytest.raises(DomainError) as empty:
        projects.create_project(valid_input(title=" ", question=" ", municipality=" ", organisation=" ",
                                            start_date=date(2026, 5, 2), end_date=date(2026, 5, 1),
                                            theme_ids=[987654], team_emails=["weg@gemeente.example"]), lead)
    assert empty.value.message == "Het project is niet opgeslagen. Controleer de gemarkeerde velden."
    assert empty.value.field_errors == {
        "title": "Geef het project een titel.",
        "question": "Beschrijf welk maatschappelijk vraagstuk het project oplost.",
        "municipality": ("Vul een gemeente in, of bij 'Organisatie' een andere organisatie (provincie, partner, "
                         "kennisinstelling)."),
        "end_date": "De einddatum ligt vóór de startdatum.",
        "themes": "Kies alleen bestaande thema's.",
        "team": "'weg@gemeente.example' is geen actieve gebruiker van kennisbank."}
    with pytest.raises(DomainError) as unknown_place:
        projects.create_project(valid_input(municipality="Atlantis"), lead)
    assert set(unknown_place.value.field_errors) == {"municipality"}
    project = make_project(lead=lead)
    with pytest.raises(NotAllowed) as refused:
        projects.update_project(project, valid_input(), expected_version=project.version, by=make_user())
    assert refused.value.message == ("Alleen de projectleider, de eigenaren van de thema's en beheerders kunnen dit "
                                     "project bewerken.")


def test_a_project_of_another_organisation_needs_no_municipality_and_one_day_is_fine(db, make_user):
    project = projects.create_project(valid_input(municipality="", organisation=" Provincie Utrecht ",
                                                  start_date=date(2026, 5, 1), end_date=date(2026, 5, 1)),
                                      make_user())
    assert (project.municipality_code, project.organisation) == (None, "Provincie Utrecht")


def test_a_new_project_keeps_everything_typed_trimmed(db, make_user, make_theme):
    lead, colleague = make_user(), make_user(email="collega@gemeente.example")
    zorg, afval = make_theme(name="Zorg"), make_theme(name="Afval")
    project = projects.create_project(ProjectInput(
        title=" Titel ", question=" Vraag? ", municipality="Den Haag", organisation=" Org ", department=" Afd ",
        goal=" Doel ", approach=" Aanpak ", partners=" P ", funding=" F ", area=" Gebied ",
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), stage=InnovationStage.PILOT,
        theme_ids=[zorg.id, afval.id], team_emails=["collega@gemeente.example", "collega@gemeente.example",
                                                    lead.email],
        tags=["Energie", " energie", " "], links=" https://x.example "), lead)
    assert (project.title, project.question, project.municipality_code, project.organisation, project.department,
            project.goal, project.approach, project.partners, project.funding, project.area, project.links) == (
        "Titel", "Vraag?", "GM0518", "Org", "Afd", "Doel", "Aanpak", "P", "F", "Gebied", "https://x.example")
    assert (project.start_date, project.end_date, project.stage, project.status) == (
        date(2026, 1, 1), date(2026, 12, 31), InnovationStage.PILOT, ProjectStatus.CONCEPT)
    assert [t.name for t in project.themes] == ["Afval", "Zorg"] and project.team == [colleague]
    assert project.tags == ["energie"] and project.lead == lead
    from kennisbank.services.registry import revisions

    assert [(r.action, r.user) for r in revisions.history(project)] == [("aangemaakt", lead)]


def test_lists_sort_and_filter_as_asked(db, make_user, make_project):
    viewer = make_user()
    make_project(title="bravo", status=ProjectStatus.STARTED, start_date=date(2024, 3, 1),
                     stage=InnovationStage.PILOT)
    make_project(title="Alfa", status=ProjectStatus.CLOSED, start_date=date(2023, 3, 1))
    titles = lambda **kw: [p.title for p in projects.list_projects(viewer, ProjectFilters(**kw), 1).items]
    assert titles(sort="titel") == ["Alfa", "bravo"]
    assert titles(sort="oud") == ["bravo", "Alfa"]
    assert titles(sort="onzin") == titles(sort="nieuw")
    assert titles(status="gestart") == ["bravo"] and titles(status="onzin") == titles()
    assert titles(stage="pilot") == ["bravo"] and titles(year=2023) == ["Alfa"]
    assert projects.years_in_use() == [2024, 2023]


def test_an_inactive_account_cannot_create_and_deleted_themes_are_refused(db, make_user, make_theme):
    gone, lead = make_user(active=False), make_user()
    with pytest.raises(NotAllowed) as refused:
        projects.create_project(valid_input(), gone)
    assert refused.value.message == "U kunt geen project aanmaken."
    with pytest.raises(DomainError) as removed:
        projects.create_project(valid_input(theme_ids=[make_theme(deleted_at=date(2026, 1, 1)).id]), lead)
    assert removed.value.field_errors == {"themes": "Kies alleen bestaande thema's."}


def test_the_lead_never_joins_their_own_team_on_an_edit_by_someone_else(db, make_user, make_project):
    admin, colleague = make_user(is_admin=True), make_user(email="collega@gemeente.example")
    project = make_project()
    projects.update_project(project, valid_input(team_emails=[project.lead.email, colleague.email]),
                            expected_version=project.version, by=admin)
    assert project.team == [colleague]


def test_lists_show_concepts_to_their_team_and_filter_by_theme(db, make_user, make_theme, make_project):
    member, stranger = make_user(), make_user()
    energie, water = make_theme(slug="energie"), make_theme(slug="water")
    make_project(title="Concept", team=[member], themes=[water])
    make_project(title="Gestart", status=ProjectStatus.STARTED, themes=[energie])
    titles = lambda user, **kw: sorted(p.title for p in projects.list_projects(user, ProjectFilters(**kw), 1).items)
    assert titles(member) == ["Concept", "Gestart"] and titles(stranger) == ["Gestart"]
    assert titles(member, theme="energie") == ["Gestart"]


def test_the_filter_choices_come_from_live_projects_sorted_as_read(db, make_project):
    make_project(municipality_code="GM0599", start_date=date(2024, 1, 1))  # Rotterdam
    make_project(municipality_code="GM0518", start_date=date(2022, 1, 1))  # 's-Gravenhage, read as Den Haag
    make_project(municipality_code="GM0363", deleted_at=date(2026, 1, 1), start_date=date(2019, 1, 1))
    make_project(municipality_code=None, organisation="Provincie Utrecht")
    assert [m.display_name for m in projects.municipalities_in_use()] == ["Den Haag", "Rotterdam"]
    assert projects.years_in_use() == [2024, 2022]
