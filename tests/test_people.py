"""A person's page answers 'who knows about this?'."""
from datetime import date

from kennisbank.models import ProjectStatus


def test_person_page_shows_what_they_lead_wrote_and_join(auth, client, make_user, make_project, make_lesson,
                                                         make_network):
    person = make_user(name="Kenner Kennis")
    make_project(lead=person, title="Zichtbaar project", status=ProjectStatus.STARTED)
    make_project(lead=person, title="Geheim concept")
    make_lesson(author=person, title="Eigen les")
    make_lesson(author=person, title="Anonieme les", on_behalf_of_team=True)
    make_network(name="Het Netwerk", members=[{"user": person, "since": date(2021, 1, 1), "personal_capacity": True}])
    make_user(email="kijker@gemeente.example")
    auth.login("kijker@gemeente.example")
    html = client.get(f"/mensen/{person.id}").get_data(as_text=True)
    assert "Zichtbaar project" in html and "Eigen les" in html and "Het Netwerk" in html
    assert "op persoonlijke titel" in html
    assert "Geheim concept" not in html and "Anonieme les" not in html


def test_find_people_by_name(auth, client, make_user):
    make_user(name="Zoë Zoekbaar", department="Mobiliteit")
    make_user(email="kijker@gemeente.example")
    auth.login("kijker@gemeente.example")
    assert "Zoë Zoekbaar" in client.get("/mensen/?q=mobiliteit").get_data(as_text=True)
    assert "Niemand gevonden" in client.get("/mensen/?q=xyzzy").get_data(as_text=True)


def test_a_colleague_can_be_reached_and_a_departure_is_shown(app, client, auth, make_user):
    from datetime import date, timedelta

    make_user(email="ik@gemeente.example")
    expert = make_user(email="sanne.de.vries@gemeente.example", name="Sanne de Vries",
                       leaves_on=date.today() + timedelta(days=30))
    gone = make_user(email="weg@gemeente.example", name="Oud Collega", active=False)
    auth.login("ik@gemeente.example")
    page = client.get(f"/mensen/{expert.id}").get_data(as_text=True)
    assert 'href="mailto:sanne.de.vries@gemeente.example"' in page and ">chat<" not in page  # no chat configured
    assert "Sanne de Vries vertrekt op" in page
    app.config["CHAT_URL"] = "https://teams.microsoft.com/l/chat/0/0?users={email}"
    page = client.get(f"/mensen/{expert.id}").get_data(as_text=True)
    assert 'href="https://teams.microsoft.com/l/chat/0/0?users=sanne.de.vries@gemeente.example"' in page
    former = client.get(f"/mensen/{gone.id}").get_data(as_text=True)
    assert "mailto:" not in former and "uit dienst" in former


def test_a_phone_number_is_a_link_and_a_leaver_points_to_who_took_over(app, db, client, auth, make_user,
                                                                       make_project, make_theme):
    from kennisbank.services.registry import handovers

    me = make_user(email="ik@gemeente.example")
    heir = make_user(name="Erik Erfgenaam", phone="030 555 12 34")
    leaver = make_user(name="Vera Vertrek")
    theme = make_theme(name="Water", owners=[leaver])
    project = make_project(title="Regenwater opvangen", lead=leaver, status=ProjectStatus.STARTED)
    draft = make_project(title="Geheim concept", lead=leaver)
    handovers.deactivate_user(leaver, make_user(is_admin=True), project_successors={project.id: heir, draft.id: heir},
                             theme_successors={theme.id: heir})
    db.session.commit()
    auth.login(me.email)
    page = client.get(f"/mensen/{heir.id}").get_data(as_text=True)
    assert '<a href="tel:0305551234">bel 030 555 12 34<span class="visually-hidden"> (Erik Erfgenaam)</span></a>' in page
    gone = client.get(f"/mensen/{leaver.id}").get_data(as_text=True)
    assert "Overgedragen aan" in gone
    assert f'Project <a href="/projecten/{project.id}">Regenwater opvangen</a>: <a href="/mensen/{heir.id}">' in gone
    assert f'Thema <a href="/themas/{theme.slug}">Water</a>' in gone
    assert "Geheim concept" not in gone  # a concept only its own people see
    mine = client.get(f"/mensen/{me.id}").get_data(as_text=True)
    assert "Overgedragen aan" not in mine and "tel:" not in mine


def test_people_set_their_own_phone_number_and_a_wrong_one_is_kept_to_correct(client, auth, make_user, db):
    from .conftest import csrf_token

    me = make_user(email="ik@gemeente.example")
    auth.login(me.email)
    token = csrf_token(client, "/sessies")
    refused = client.post("/sessies/telefoon", data={"csrf_token": token, "phone": "bel 020"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Een telefoonnummer bestaat uit cijfers, spaties, +, - en haakjes." in html and 'value="bel 020"' in html
    saved = client.post("/sessies/telefoon", data={"csrf_token": token, "phone": "020 555 01 23"},
                        follow_redirects=True)
    assert "Uw telefoonnummer is opgeslagen." in saved.get_data(as_text=True)
    db.session.refresh(me)
    assert me.phone == "020 555 01 23"
    removed = client.post("/sessies/telefoon", data={"csrf_token": token, "phone": ""}, follow_redirects=True)
    assert "Uw telefoonnummer is verwijderd." in removed.get_data(as_text=True)
