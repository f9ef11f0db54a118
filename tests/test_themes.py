"""Themes: owners edit the synthesis, administrators create and assign; who knows most about a theme."""
from datetime import date

import pytest

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import LessonKind, ProjectStatus
from kennisbank.services.registry import themes
from kennisbank.services.registry.editing import EditConflict

from .conftest import csrf_token


def test_owner_edits_synthesis_others_may_not(db, make_user, make_theme):
    owner = make_user()
    theme = make_theme(owners=[owner])
    themes.update_theme(theme, description="Kort", synthesis="## Wat we weten\n\nVeel.",
                        expected_version=theme.version, by=owner)
    assert theme.synthesis.startswith("## Wat we weten")
    with pytest.raises(NotAllowed):
        themes.update_theme(theme, description="x", synthesis="y", expected_version=theme.version, by=make_user())


def test_only_administrators_rename_and_slug_stays(db, make_user, make_theme):
    owner, admin = make_user(), make_user(is_admin=True)
    theme = make_theme(owners=[owner], slug="energie", name="Energie")
    with pytest.raises(NotAllowed):
        themes.update_theme(theme, name="Andere naam", description="d", synthesis="", expected_version=theme.version,
                            by=owner)
    themes.update_theme(theme, name="Energietransitie", description="d", synthesis="",
                        expected_version=theme.version, by=admin)
    assert theme.name == "Energietransitie" and theme.slug == "energie"


def test_stale_theme_edit_is_a_conflict(db, make_user, make_theme):
    owner = make_user()
    theme = make_theme(owners=[owner])
    with pytest.raises(EditConflict):
        themes.update_theme(theme, description="d", synthesis="s", expected_version=theme.version + 5, by=owner)


def test_create_theme_and_assign_owners(db, make_user):
    admin, person = make_user(is_admin=True), make_user()
    with pytest.raises(NotAllowed):
        themes.create_theme("Water", "Over water.", by=person)
    theme = themes.create_theme("Klimaat & Water", "Over water.", by=admin)
    assert theme.slug == "klimaat-water"
    with pytest.raises(DomainError, match="bestaat al"):
        themes.create_theme("Klimaat & Water", "Dubbel.", by=admin)
    themes.set_owners(theme, [person], by=admin)
    assert theme.owners == [person]
    with pytest.raises(NotAllowed):
        themes.set_owners(theme, [], by=person)


def test_experts_are_ranked_with_reasons(db, make_user, make_theme, make_project, make_lesson, make_network):
    theme = make_theme()
    lead, writer, member, hidden = make_user(name="Leider"), make_user(name="Schrijver"), make_user(name="Lid"), \
        make_user(name="Anoniem")
    make_project(lead=lead, themes=[theme], status=ProjectStatus.STARTED)
    make_lesson(author=writer, themes=[theme])
    make_lesson(author=writer, themes=[theme], kind=LessonKind.SUCCESS)
    make_lesson(author=hidden, themes=[theme], on_behalf_of_team=True)
    make_network(themes=[theme], members=[{"user": member, "since": date(2020, 1, 1)}])
    experts = themes.experts_for(theme)
    assert [e.user.name for e in experts] == ["Leider", "Schrijver", "Lid"]
    assert (experts[0].why, experts[1].why, experts[2].why) == ("leidde een project", "schreef 2 lessen",
                                                                "zit in een netwerk")
    assert hidden not in [e.user for e in experts]


def test_theme_page_over_http(auth, client, make_user, make_theme, make_lesson):
    make_user(email="a@gemeente.example")
    theme = make_theme(synthesis="**Belangrijk**<script>alert(1)</script>")
    make_lesson(themes=[theme], title="Een les in dit thema")
    auth.login("a@gemeente.example")
    html = client.get(f"/themas/{theme.slug}").get_data(as_text=True)
    assert "<strong>Belangrijk</strong>" in html and "<script>alert(1)" not in html
    assert "Een les in dit thema" in html


def test_owner_edits_theme_over_http_and_bad_input_changes_nothing(auth, client, db, make_user, make_theme):
    owner = make_user(email="eigenaar@gemeente.example")
    theme = make_theme(owners=[owner], description="Oud")
    auth.login("eigenaar@gemeente.example")
    url = f"/themas/{theme.slug}/bewerken"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "name": theme.name, "description": "",
                                      "synthesis": "Tekst die blijft", "version": str(theme.version)})
    assert response.status_code == 400 and "Geef een korte omschrijving." in response.get_data(as_text=True)
    assert "Tekst die blijft" in response.get_data(as_text=True)
    db.session.refresh(theme)
    assert theme.description == "Oud"
