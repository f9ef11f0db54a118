"""Account rules at the service level."""
import pytest

from kennisbank.ground.errors import DomainError
from kennisbank.services.access import users


def test_create_user_normalises_email(app, db):
    user = users.create_user(" Piet@Gemeente.EXAMPLE ", "Piet", "lang-genoeg-wachtwoord")
    assert user.email == "piet@gemeente.example"


@pytest.mark.parametrize("email, name, password, field", [
    ("geen-email", "Piet", "lang-genoeg-wachtwoord", "email"),
    ("piet@gemeente.example", "  ", "lang-genoeg-wachtwoord", "name"),
    ("piet@gemeente.example", "Piet", "kort", "password"),
])
def test_create_user_refuses_bad_input_per_field(app, db, email, name, password, field):
    with pytest.raises(DomainError) as refusal:
        users.create_user(email, name, password)
    assert field in refusal.value.field_errors


def test_create_user_refuses_duplicate_email(app, db, make_user):
    make_user(email="piet@gemeente.example")
    with pytest.raises(DomainError, match="bestaat al een account"):
        users.create_user("PIET@gemeente.example", "Piet", "lang-genoeg-wachtwoord")


def test_authenticate(app, db, make_user):
    user = make_user(email="piet@gemeente.example", password="lang-genoeg-wachtwoord")
    assert users.authenticate("piet@gemeente.example", "lang-genoeg-wachtwoord") == user
    assert users.authenticate("piet@gemeente.example", "fout") is None
    user.active = False
    assert users.authenticate("piet@gemeente.example", "lang-genoeg-wachtwoord") is None


@pytest.mark.parametrize("typed, stored", [
    (" 020  555 01 23 ", "020 555 01 23"), ("123456", "123456"), ("+31 (0)6 1234 5678", "+31 (0)6 1234 5678"),
    ("1" * 15, "1" * 15), ("", ""),
])
def test_a_phone_number_is_kept_tidy(db, make_user, typed, stored):
    person = make_user()
    users.set_phone(person, typed)
    assert person.phone == stored


@pytest.mark.parametrize("typed, message", [
    ("12345", "Een telefoonnummer heeft 6 tot 15 cijfers."),
    ("1" * 16, "Een telefoonnummer heeft 6 tot 15 cijfers."),
    ("020-555 bel mij", "Een telefoonnummer bestaat uit cijfers, spaties, +, - en haakjes."),
    ("020.555.0123", "Een telefoonnummer bestaat uit cijfers, spaties, +, - en haakjes."),
])
def test_a_phone_number_that_cannot_be_called_is_refused(db, make_user, typed, message):
    person = make_user()
    person.phone = "010 555 00 00"
    with pytest.raises(DomainError) as refused:
        users.set_phone(person, typed)
    assert (refused.value.message, refused.value.field_errors) == (message, {"phone": message})
    assert person.phone == "010 555 00 00"


def test_a_phone_link_dials_only_digits():
    assert users.tel_link("020 - 555 01 23") == "tel:0205550123"
    assert users.tel_link("+31 (0)20 555 01 23") == "tel:+31205550123"
