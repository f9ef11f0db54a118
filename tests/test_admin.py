"""Leaving: a user is deactivated only after handing over; nothing they wrote is deleted."""
from datetime import date

import pytest

from kennisbank.models import ProjectStatus
from kennisbank.services import accounts, users
from kennisbank.services.errors import DomainError, NotAllowed

from .conftest import csrf_token


@pytest.fixture
def leaver(db, make_user, make_theme, make_project, make_lesson, make_network):
    person = make_user(email="vertrekker@gemeente.example", name="Vera Vertrek")
    theme = make_theme(owners=[person])
    project = make_project(lead=person, status=ProjectStatus.STARTED, themes=[theme])
    closed = make_project(lead=person, status=ProjectStatus.CLOSED)
    lesson = make_lesson(author=person, project=project)
    network = make_network(members=[{"user": person, "since": date(2020, 1, 1)}])
    return {"user": person, "theme": theme, "project": project, "closed": closed, "lesson": lesson,
            "network": network}


def test_refused_while_user_holds_open_projects_or_themes(db, make_user, leaver):
    admin = make_user(is_admin=True)
    with pytest.raises(DomainError) as refusal:
        accounts.deactivate_user(leaver["user"], admin, project_successors={}, theme_successors={})
    assert f"project-{leaver['project'].id}" in refusal.value.field_errors
    assert f"theme-{leaver['theme'].id}" in refusal.value.field_errors
    assert f"project-{leaver['closed'].id}" not in refusal.value.field_errors
    assert leaver["user"].active


def test_handover_then_deactivate(db, make_user, leaver):
    admin, successor = make_user(is_admin=True), make_user()
    accounts.deactivate_user(leaver["user"], admin, project_successors={leaver["project"].id: successor},
                             theme_successors={leaver["theme"].id: successor})
    db.session.commit()
    assert not leaver["user"].active
    assert leaver["project"].lead == successor
    assert leaver["theme"].owners == [successor]
    assert leaver["network"].memberships[0].until == date.today()
    assert leaver["lesson"].author == leaver["user"]
    assert leaver["lesson"].shown_author == "Vera Vertrek (oud-medewerker)"
    assert leaver["closed"].lead == leaver["user"]  # history stays as it was
    assert users.authenticate("vertrekker@gemeente.example", "correct-horse-battery") is None


def test_only_administrators_deactivate_and_not_themselves(db, make_user):
    admin, person = make_user(is_admin=True), make_user()
    with pytest.raises(NotAllowed):
        accounts.deactivate_user(admin, person, project_successors={}, theme_successors={})
    with pytest.raises(NotAllowed):
        accounts.deactivate_user(admin, admin, project_successors={}, theme_successors={})


@pytest.mark.parametrize("broken", ["project: none", "project: inactive", "project: the leaver",
                                    "theme: none", "theme: inactive", "theme: the leaver", "nothing"])
def test_successor_must_be_active_and_someone_else(db, make_user, leaver, broken):
    """Each rule broken on its own, the others kept, and the refusal names exactly that item."""
    admin, fine, gone = make_user(is_admin=True), make_user(), make_user(active=False)
    wrong = {"none": None, "inactive": gone, "the leaver": leaver["user"]}
    kind, _, how = broken.partition(": ")
    projects = {leaver["project"].id: wrong[how] if kind == "project" else fine}
    themes = {leaver["theme"].id: wrong[how] if kind == "theme" else fine}
    projects = {k: v for k, v in projects.items() if v is not None}
    themes = {k: v for k, v in themes.items() if v is not None}
    if kind == "nothing":
        accounts.deactivate_user(leaver["user"], admin, project_successors=projects, theme_successors=themes)
        assert not leaver["user"].active and leaver["project"].lead == fine and fine in leaver["theme"].owners
        return
    with pytest.raises(DomainError) as refused:
        accounts.deactivate_user(leaver["user"], admin, project_successors=projects, theme_successors=themes)
    item = leaver["project"] if kind == "project" else leaver["theme"]
    assert set(refused.value.field_errors) == {f"{kind}-{item.id}"}
    assert leaver["user"].active


def test_handover_screen_over_http(auth, client, db, make_user, leaver):
    make_user(email="beheer@gemeente.example", is_admin=True)
    successor = make_user(name="Opvolger")
    auth.login("beheer@gemeente.example")
    url = f"/beheer/gebruikers/{leaver['user'].id}/deactiveren"
    page = client.get(url).get_data(as_text=True)
    assert leaver["project"].title in page and leaver["theme"].name in page and "Opvolger" in page
    refused = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert refused.status_code == 400 and "Kies een nieuwe projectleider" in refused.get_data(as_text=True)
    assert leaver["user"].active
    done = client.post(url, data={"csrf_token": csrf_token(client, url),
                                  f"project-{leaver['project'].id}": str(successor.id),
                                  f"theme-{leaver['theme'].id}": str(successor.id)})
    assert done.status_code == 302
    db.session.expire_all()
    assert not leaver["user"].active
    lesson_page = client.get(f"/lessen/{leaver['lesson'].id}").get_data(as_text=True)
    assert "Vera Vertrek (oud-medewerker)" in lesson_page
