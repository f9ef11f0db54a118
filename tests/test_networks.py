"""Networks and memberships."""
from datetime import date

import pytest

from kennisbank.models import MembershipRole, NetworkKind
from kennisbank.services import networks
from kennisbank.services.errors import DomainError, NotAllowed
from kennisbank.services.networks import NetworkInput

from .conftest import csrf_token


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
