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
