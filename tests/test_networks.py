"""Networks and memberships."""
from datetime import date

import pytest

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import MembershipRole, NetworkKind
from kennisbank.services.registry import networks
from kennisbank.services.registry.networks import NetworkInput

from .conftest import assert_refused, csrf_token


def test_join_yourself_and_end_it_later(db, make_user, make_network):
    user, network = make_user(), make_network()
    membership = networks.add_membership(network, user, user, role=MembershipRole.MEMBER, personal_capacity=True)
    assert membership.is_current(date.today()) and membership.personal_capacity
    with pytest.raises(DomainError, match="al lid"):
        networks.add_membership(network, user, user, role=MembershipRole.MEMBER, personal_capacity=False)
    networks.end_membership(membership, user)
    assert membership.until == date.today()
    assert membership in networks.past_members(network, today=date.fromordinal(date.today().toordinal() + 1))


def test_only_managers_add_others(db, make_user, make_theme, make_network):
    owner, colleague, stranger = make_user(), make_user(), make_user()
    network = make_network(themes=[make_theme(owners=[owner])])
    with pytest.raises(NotAllowed):
        networks.add_membership(network, colleague, stranger, role=MembershipRole.MEMBER, personal_capacity=False)
    networks.add_membership(network, colleague, owner, role=MembershipRole.REPRESENTATIVE, personal_capacity=False)
    membership = networks.current_members(network)[0]
    with pytest.raises(NotAllowed):
        networks.end_membership(membership, stranger)


def test_trekker_manages_the_network(db, make_user, make_network):
    trekker = make_user()
    network = make_network(members=[{"user": trekker, "role": MembershipRole.LEAD, "since": date(2020, 1, 1)}])
    networks.update_network(network, NetworkInput(name="Nieuwe naam", kind=NetworkKind.REGIONAL),
                            expected_version=network.version, by=trekker)
    assert network.name == "Nieuwe naam"


def test_creating_networks_needs_theme_ownership(db, make_user, make_theme):
    owner, person = make_user(), make_user()
    theme = make_theme(owners=[owner])
    with pytest.raises(NotAllowed):
        networks.create_network(NetworkInput(name="G40", kind=NetworkKind.NATIONAL, theme_ids=[theme.id]), by=person)
    network = networks.create_network(NetworkInput(name="G40 Smart City", kind=NetworkKind.NATIONAL,
                                                   theme_ids=[theme.id]), by=owner)
    assert network.slug == "g40-smart-city"
    twin = networks.create_network(NetworkInput(name="G40 Smart City", kind=NetworkKind.NATIONAL,
                                                theme_ids=[theme.id]), by=owner)
    assert twin.slug == "g40-smart-city-2"


def test_bad_url_is_refused(db, make_user):
    with pytest.raises(DomainError) as refusal:
        networks.create_network(NetworkInput(name="X", kind=NetworkKind.OTHER, url="javascript:alert(1)"),
                                by=make_user(is_admin=True))
    assert "url" in refusal.value.field_errors


def test_join_over_http_and_page_shows_capacity(auth, client, db, make_user, make_network):
    make_user(email="lid@gemeente.example", name="Lid Persoonlijk")
    network = make_network()
    auth.login("lid@gemeente.example")
    url = f"/netwerken/{network.slug}"
    response = client.post(f"{url}/leden", data={"csrf_token": csrf_token(client, url), "role": "lid",
                                                 "personal_capacity": "y"})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Lid Persoonlijk" in html and "persoonlijke titel" in html


def test_adding_unknown_colleague_changes_nothing(auth, client, db, make_user, make_theme, make_network):
    owner = make_user(email="eigenaar@gemeente.example")
    network = make_network(themes=[make_theme(owners=[owner])])
    auth.login("eigenaar@gemeente.example")
    url = f"/netwerken/{network.slug}"
    response = client.post(f"{url}/leden", data={"csrf_token": csrf_token(client, url), "role": "lid",
                                                 "email": "niemand@x.example"}, follow_redirects=True)
    assert "Er is geen gebruiker met het e-mailadres niemand@x.example" in response.get_data(as_text=True)
    db.session.refresh(network)
    assert network.memberships == []


# Appointing a trekker gives someone the network: only its managers may do it -----------------------------

def test_anyone_may_join_as_lid_but_not_make_themselves_trekker(db, make_user, make_theme, make_network):
    newcomer, owner = make_user(), make_user()
    network = make_network(themes=[make_theme(owners=[owner])])
    with pytest.raises(NotAllowed, match="trekker maken"):
        networks.add_membership(network, newcomer, newcomer, role=MembershipRole.LEAD, personal_capacity=False)
    assert not network.memberships
    networks.add_membership(network, newcomer, newcomer, role=MembershipRole.MEMBER, personal_capacity=False)
    networks.add_membership(network, make_user(), owner, role=MembershipRole.LEAD, personal_capacity=False)


def test_a_current_trekker_and_an_administrator_may_appoint_one_a_former_trekker_not(db, make_user, make_network):
    trekker, former, admin = make_user(), make_user(), make_user(is_admin=True)
    network = make_network(members=[
        {"user": trekker, "role": MembershipRole.LEAD, "since": date(2020, 1, 1)},
        {"user": former, "role": MembershipRole.LEAD, "since": date(2019, 1, 1), "until": date(2020, 1, 1)}])
    networks.add_membership(network, make_user(), trekker, role=MembershipRole.LEAD, personal_capacity=False)
    networks.add_membership(network, make_user(), admin, role=MembershipRole.LEAD, personal_capacity=False)
    with pytest.raises(NotAllowed):
        networks.add_membership(network, former, former, role=MembershipRole.LEAD, personal_capacity=False)


def test_the_join_form_offers_trekker_only_to_managers(client, auth, make_user, make_theme, make_network):
    make_user(email="nieuw@gemeente.example")
    owner = make_user(email="eigenaar@gemeente.example")
    network = make_network(themes=[make_theme(owners=[owner])])
    auth.login("nieuw@gemeente.example")
    assert 'value="trekker"' not in client.get(f"/netwerken/{network.slug}").get_data(as_text=True)
    refused = client.post(f"/netwerken/{network.slug}/leden", data={
        "csrf_token": csrf_token(client, f"/netwerken/{network.slug}"), "role": "trekker"})
    assert refused.status_code == 403 and "trekker maken" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("eigenaar@gemeente.example")
    assert 'value="trekker"' in client.get(f"/netwerken/{network.slug}").get_data(as_text=True)


# Word for word, and what the history keeps -------------------------------------------------------------

def test_every_refusal_about_a_network_reads_in_full(db, make_user, make_theme, make_network):
    from datetime import timedelta

    owner, colleague, gone = make_user(), make_user(name="Carla Collega"), make_user(active=False)
    theme = make_theme(owners=[owner])
    network = make_network(name="Netwerk Warmte", themes=[theme])
    with pytest.raises(NotAllowed) as creating:
        networks.create_network(NetworkInput(name="N", kind=NetworkKind.NATIONAL), colleague)
    assert creating.value.message == "Alleen themaeigenaren en beheerders kunnen een netwerk toevoegen."
    with pytest.raises(DomainError) as empty:
        networks.create_network(NetworkInput(name=" ", kind=NetworkKind.NATIONAL, url="ftp://x", theme_ids=[]), owner)
    assert empty.value.message == "Het netwerk is niet opgeslagen. Controleer de gemarkeerde velden."
    assert empty.value.field_errors == {"name": "Geef het netwerk een naam.",
                                        "url": "Een link begint met https:// of http://.",
                                        "themes": "Kies minstens één thema waarvan u eigenaar bent."}
    with pytest.raises(DomainError) as unknown:
        networks.create_network(NetworkInput(name="N", kind=NetworkKind.NATIONAL, theme_ids=[987654]), owner)
    assert unknown.value.field_errors == {"themes": "Kies alleen bestaande thema's."}
    with pytest.raises(NotAllowed) as editing_it:
        networks.update_network(network, NetworkInput(name="N", kind=NetworkKind.NATIONAL),
                                expected_version=network.version, by=colleague)
    assert editing_it.value.message == ("Alleen trekkers, eigenaren van de thema's en beheerders kunnen dit netwerk "
                                        "bewerken.")
    refusals = [
        (NotAllowed, lambda: networks.add_membership(network, owner, colleague, role=MembershipRole.MEMBER,
                                                     personal_capacity=False),
         "U kunt alleen uzelf aanmelden bij dit netwerk.", None),
        (NotAllowed, lambda: networks.add_membership(network, colleague, colleague, role=MembershipRole.LEAD,
                                                     personal_capacity=False), networks.TREKKER_REFUSED, None),
        (DomainError, lambda: networks.add_membership(network, gone, owner, role=MembershipRole.MEMBER,
                                                      personal_capacity=False),
         "Alleen actieve medewerkers kunnen lid worden.", {"email": "Deze medewerker is niet actief."}),
        (DomainError, lambda: networks.add_membership(network, colleague, colleague, role=MembershipRole.MEMBER,
                                                      personal_capacity=False,
                                                      since=date.today() + timedelta(days=1)),
         "De startdatum ligt in de toekomst.", {"since": "De startdatum ligt in de toekomst."}),
    ]
    assert_refused(refusals)
    networks.add_membership(network, colleague, colleague, role=MembershipRole.MEMBER, personal_capacity=False)
    with pytest.raises(DomainError) as twice:
        networks.add_membership(network, colleague, colleague, role=MembershipRole.MEMBER, personal_capacity=False)
    assert twice.value.message == "Carla Collega is al lid van Netwerk Warmte."
    assert twice.value.field_errors == {"email": "Carla Collega is al lid van Netwerk Warmte."}
    with pytest.raises(NotAllowed) as ending:
        networks.end_membership(network.memberships[0], make_user())
    assert ending.value.message == "U kunt alleen uw eigen lidmaatschap beëindigen."


def test_joining_and_leaving_are_in_the_history_with_who_and_when(db, make_user, make_theme, make_network):
    from kennisbank.services.registry import revisions

    owner, colleague = make_user(), make_user(name="Carla Collega")
    network = make_network(themes=[make_theme(owners=[owner])])
    membership = networks.add_membership(network, colleague, owner, role=MembershipRole.REPRESENTATIVE,
                                         personal_capacity=True, since=date(2024, 2, 1), note="  namens VNG  ")
    assert (membership.since, membership.note, membership.personal_capacity, membership.role) == (
        date(2024, 2, 1), "namens VNG", True, MembershipRole.REPRESENTATIVE)
    joined = revisions.history(network)[0]
    assert (joined.action, joined.user, joined.changes) == (
        "lid toegevoegd", owner, {"lid": [None, "Carla Collega (Vertegenwoordiger)"]})
    networks.end_membership(membership, colleague, date(2025, 3, 1))
    ended = revisions.history(network)[0]
    assert (ended.action, ended.user, ended.changes) == (
        "lidmaatschap beëindigd", colleague, {"lid": ["Carla Collega", "tot 2025-03-01"]})
    networks.end_membership(membership, colleague, date(2025, 6, 1))  # later: already ended, nothing changes
    assert membership.until == date(2025, 3, 1) and len(revisions.history(network)) == 2
    networks.end_membership(membership, colleague, date(2025, 3, 1))  # the same day: nothing changes either
    assert len(revisions.history(network)) == 2
    networks.end_membership(membership, colleague, date(2020, 1, 1))  # earlier than it began: ends the day it began
    assert membership.until == date(2024, 2, 1)
    assert networks.current_members(network) == [] and networks.past_members(network) == [membership]


def test_a_new_network_gets_a_free_slug_trimmed_values_and_sorted_themes(db, make_user, make_theme):
    admin = make_user(is_admin=True)
    zorg, afval = make_theme(name="Zorg"), make_theme(name="Afval")
    data = NetworkInput(name="  Kring Warmte  ", kind=NetworkKind.REGIONAL, description=" Over warmte. ",
                        url=" https://warmte.example ", theme_ids=[zorg.id, afval.id])
    first, second, third = (networks.create_network(data, admin) for _ in range(3))
    assert [first.slug, second.slug, third.slug] == ["kring-warmte", "kring-warmte-2", "kring-warmte-3"]
    assert (first.name, first.description, first.url, first.kind) == (
        "Kring Warmte", "Over warmte.", "https://warmte.example", NetworkKind.REGIONAL)
    assert [t.name for t in first.themes] == ["Afval", "Zorg"]
    assert networks.get_by_slug("kring-warmte-2") is second


def test_links_themes_and_names_at_their_edges(db, make_user, make_theme):
    from kennisbank.services.registry import revisions

    admin = make_user(is_admin=True)
    gone = make_theme(deleted_at=date(2026, 1, 1))
    plain = networks.create_network(NetworkInput(name="!!!", kind=NetworkKind.OTHER, url="http://oud.example"), admin)
    assert (plain.slug, plain.url) == ("netwerk", "http://oud.example")
    assert [(r.action, r.user) for r in revisions.history(plain)] == [("aangemaakt", admin)]
    with pytest.raises(DomainError) as refused:
        networks.create_network(NetworkInput(name="N", kind=NetworkKind.OTHER, theme_ids=[gone.id]), admin)
    assert refused.value.field_errors == {"themes": "Kies alleen bestaande thema's."}
    member = networks.add_membership(plain, admin, admin, role=MembershipRole.MEMBER, personal_capacity=False)
    assert member.note == ""


def test_editing_a_network_is_guarded_and_recorded(db, make_user, make_theme, make_network):
    from kennisbank.services.registry import revisions
    from kennisbank.services.registry.editing import EditConflict

    owner = make_user()
    network = make_network(themes=[make_theme(owners=[owner])])
    data = NetworkInput(name="Nieuwe naam", kind=NetworkKind.INTERNAL, theme_ids=[network.themes[0].id])
    with pytest.raises(EditConflict):
        networks.update_network(network, data, expected_version=network.version - 1, by=owner)
    networks.update_network(network, data, expected_version=network.version, by=owner)
    assert network.name == "Nieuwe naam" and revisions.history(network)[0].user == owner


def test_the_network_list_filters_sorts_by_name_and_pages(db, make_theme, make_network):
    theme = make_theme(slug="energie")
    make_network(name="Zuid", kind=NetworkKind.REGIONAL, themes=[theme])
    make_network(name="Afgeschaft", kind=NetworkKind.REGIONAL, themes=[theme], deleted_at=date(2026, 1, 1))
    for n in range(20):
        make_network(name=f"Kring {n:02}", kind=NetworkKind.NATIONAL)
    make_network(name="Water", kind=NetworkKind.NATIONAL, themes=[make_theme(slug="water")])
    names = lambda **kw: [n.name for n in networks.list_networks(1, **kw).items]
    assert names() == [f"Kring {n:02}" for n in range(20)]
    assert names(kind="regionaal") == names(theme="energie") == ["Zuid"]
    assert names(kind="onzin") == names() and [n.name for n in networks.list_networks(2).items] == ["Water", "Zuid"]
