"""Account rules at the service level."""
import pytest

from kennisbank.services import users
from kennisbank.services.errors import DomainError


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
