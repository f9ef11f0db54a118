"""Leaving: a user is deactivated only after handing over; nothing they wrote is deleted."""
import json
from datetime import date

import pytest

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import ProjectStatus
from kennisbank.services.access import users
from kennisbank.services.registry import handovers

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
        handovers.deactivate_user(leaver["user"], admin, project_successors={}, theme_successors={})
    assert f"project-{leaver['project'].id}" in refusal.value.field_errors
    assert f"theme-{leaver['theme'].id}" in refusal.value.field_errors
    assert f"project-{leaver['closed'].id}" not in refusal.value.field_errors
    assert leaver["user"].active


def test_handover_then_deactivate(db, make_user, leaver):
    admin, successor = make_user(is_admin=True), make_user()
    handovers.deactivate_user(leaver["user"], admin, project_successors={leaver["project"].id: successor},
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
        handovers.deactivate_user(admin, person, project_successors={}, theme_successors={})
    with pytest.raises(NotAllowed):
        handovers.deactivate_user(admin, admin, project_successors={}, theme_successors={})


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
        handovers.deactivate_user(leaver["user"], admin, project_successors=projects, theme_successors=themes)
        assert not leaver["user"].active and leaver["project"].lead == fine and fine in leaver["theme"].owners
        return
    with pytest.raises(DomainError) as refused:
        handovers.deactivate_user(leaver["user"], admin, project_successors=projects, theme_successors=themes)
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


# Word for word, and what the history and the audit log keep ------------------------------------------

def audited(event):
    from sqlalchemy import select

    from kennisbank.extensions import db as _db
    from kennisbank.models import AuditEvent

    row = _db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)).one()
    return row.actor_id, row.target, json.loads(row.detail or "{}")


@pytest.mark.parametrize("call, message", [
    (lambda user, by: handovers.deactivate_user(user, by, project_successors={}, theme_successors={}),
     "Alleen een beheerder kan een account deactiveren."),
    (lambda user, by: handovers.reactivate_user(user, by), "Alleen een beheerder kan een account heractiveren."),
    (lambda user, by: handovers.set_departure(user, by, date(2030, 1, 1)),
     "Alleen een beheerder kan een vertrekdatum vastleggen."),
])
def test_only_administrators_manage_accounts_in_words(db, make_user, call, message):
    with pytest.raises(NotAllowed) as refused:
        call(make_user(), make_user())
    assert refused.value.message == message


def test_refusals_of_a_deactivation_read_in_full(db, make_user, leaver):
    admin = make_user(is_admin=True)
    with pytest.raises(NotAllowed) as own:
        handovers.deactivate_user(admin, admin, project_successors={}, theme_successors={})
    assert own.value.message == "U kunt uw eigen account niet deactiveren."
    with pytest.raises(DomainError) as held:
        handovers.deactivate_user(leaver["user"], admin, project_successors={}, theme_successors={})
    project, theme = leaver["project"], leaver["theme"]
    assert held.value.message == "Vera Vertrek kan pas worden gedeactiveerd als alles is overgedragen."
    assert held.value.field_errors == {
        f"project-{project.id}": f"Kies een nieuwe projectleider voor '{project.title}'.",
        f"theme-{theme.id}": f"Kies een nieuwe eigenaar voor het thema '{theme.name}'."}
    gone = make_user(name="Al Weg", active=False)
    for call in (lambda: handovers.deactivate_user(gone, admin, project_successors={}, theme_successors={}),
                 lambda: handovers.set_departure(gone, admin, date(2030, 1, 1))):
        with pytest.raises(DomainError) as again:
            call()
        assert again.value.message == "Al Weg is al gedeactiveerd."


def test_a_theme_with_other_active_owners_needs_no_successor(db, make_user, leaver):
    admin, colleague = make_user(is_admin=True), make_user(name="Zus Collega")
    leaver["theme"].owners.append(colleague)
    db.session.commit()
    handovers.deactivate_user(leaver["user"], admin, project_successors={leaver["project"].id: colleague},
                             theme_successors={})
    assert leaver["theme"].owners == [colleague]


def test_a_successor_already_owner_is_not_added_twice_and_owners_sort_by_name(db, make_user, leaver):
    admin, zed, abe = make_user(is_admin=True), make_user(name="Zed Zuid"), make_user(name="Abe Aa")
    leaver["theme"].owners[:] = [zed, leaver["user"]]
    db.session.commit()
    handovers.deactivate_user(leaver["user"], admin, project_successors={leaver["project"].id: zed},
                             theme_successors={leaver["theme"].id: zed})
    assert leaver["theme"].owners == [zed]
    other = make_user(name="Tweede Vertrekker")
    theme = leaver["theme"]
    theme.owners[:] = [zed, other]
    db.session.commit()
    handovers.deactivate_user(other, admin, project_successors={}, theme_successors={theme.id: abe})
    assert theme.owners == [abe, zed]


def test_deactivation_leaves_a_trail(db, make_user, leaver):
    from kennisbank.models import UserSession
    from kennisbank.services.registry import revisions

    admin, successor = make_user(is_admin=True), make_user()
    person = leaver["user"]
    db.session.add_all([UserSession(token_hash="a" * 64, user_id=person.id),
                        UserSession(token_hash="b" * 64, user_id=person.id)])
    db.session.commit()
    handovers.deactivate_user(person, admin, project_successors={leaver["project"].id: successor},
                             theme_successors={leaver["theme"].id: successor})
    db.session.commit()
    assert person.deactivated_at is not None
    for item in (leaver["project"], leaver["theme"]):
        handed = revisions.history(item)[0]
        assert (handed.action, handed.user) == ("overgedragen", admin)
    ended = revisions.history(leaver["network"])[0]
    assert (ended.action, ended.user) == ("lidmaatschap beëindigd", admin)
    assert ended.changes == {"lid": ["Vera Vertrek", f"tot {date.today().isoformat()} (uit dienst)"]}
    assert {row.end_reason for row in db.session.query(UserSession)} == {"gedeactiveerd"}
    assert audited("account_deactivated") == (admin.id, f"user:{person.id}",
                                               {"projects": 1, "themes": 1, "sessions": 2})


def test_reactivation_and_departure_leave_a_trail(db, make_user):
    admin, person = make_user(is_admin=True), make_user(active=False)
    handovers.reactivate_user(person, admin)
    assert person.active and person.deactivated_at is None
    assert audited("account_reactivated") == (admin.id, f"user:{person.id}", {})
    handovers.set_departure(person, admin, date(2030, 6, 1))
    handovers.set_departure(person, admin, None)
    from kennisbank.extensions import db as _db
    from kennisbank.models import AuditEvent

    rows = _db.session.query(AuditEvent).filter_by(event="departure_set").order_by(AuditEvent.id).all()
    assert [(row.actor_id, row.target, json.loads(row.detail)) for row in rows] == [
        (admin.id, f"user:{person.id}", {"leaves_on": "2030-06-01"}),
        (admin.id, f"user:{person.id}", {"leaves_on": ""})]


def test_a_deactivated_account_may_have_its_departure_cleared(db, make_user):
    admin, gone = make_user(is_admin=True), make_user(active=False)
    gone.leaves_on = date(2030, 1, 1)
    handovers.set_departure(gone, admin, None)
    assert gone.leaves_on is None


def test_user_lists_put_active_people_first_then_by_name(db, make_user, make_theme):
    b, a, gone = make_user(name="Bram"), make_user(name="Anna"), make_user(name="Aad", active=False)
    assert [u.name for u in handovers.all_users()] == ["Anna", "Bram", "Aad"]
    make_theme(name="Zorg", owners=[gone]), make_theme(name="Afval", owners=[])
    assert [t.name for t in handovers.themes_without_owner()] == ["Afval", "Zorg"]


def test_holdings_are_the_open_projects_led_by_title(db, make_user, make_project):
    person, other = make_user(), make_user()
    make_project(title="Zonnepark", lead=person, status=ProjectStatus.STARTED)
    make_project(title="Afvalscheiding", lead=person)
    make_project(title="Van een ander", lead=other)
    make_project(title="Verwijderd", lead=person, deleted_at=date(2026, 1, 1))
    assert [p.title for p in handovers.holdings(person).open_projects] == ["Afvalscheiding", "Zonnepark"]


def test_a_handover_records_who_took_over_each_project_and_theme(db, make_user, make_theme, leaver):
    from sqlalchemy import select

    from kennisbank.models import Handover

    admin, lead_heir, theme_heir, stays = make_user(is_admin=True), make_user(), make_user(), make_user()
    shared = make_theme(owners=[leaver["user"], stays])  # another owner stays: no successor needed
    chosen = make_theme(owners=[leaver["user"], stays])  # … but one was chosen anyway: that one is asked
    handovers.deactivate_user(leaver["user"], admin, project_successors={leaver["project"].id: lead_heir},
                             theme_successors={leaver["theme"].id: theme_heir, chosen.id: theme_heir})
    rows = db.session.scalars(select(Handover).order_by(Handover.id)).all()
    assert sorted((r.user_id, r.item_type, r.item_id, r.successor_id) for r in rows) == sorted([
        (leaver["user"].id, "project", leaver["project"].id, lead_heir.id),
        (leaver["user"].id, "theme", leaver["theme"].id, theme_heir.id),
        (leaver["user"].id, "theme", shared.id, stays.id),
        (leaver["user"].id, "theme", chosen.id, theme_heir.id)])
