"""The create-user and create-admin commands: bad input gets a clear message and changes nothing."""
import pytest
from sqlalchemy import func, select

from kennisbank.models import User


def user_count(db):
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_admin(runner, db):
    result = runner.invoke(args=["kb", "create-admin", "--email", "Beheer@Gemeente.example", "--name", "Bea Heer",
                                 "--password", "een-lang-wachtwoord"])
    assert result.exit_code == 0, result.output
    assert "Account aangemaakt voor Bea Heer" in result.output
    user = db.session.scalar(select(User))
    assert user.email == "beheer@gemeente.example" and user.is_admin


def test_create_user_prompts_for_password(runner, db):
    result = runner.invoke(args=["kb", "create-user", "--email", "piet@gemeente.example", "--name", "Piet"],
                           input="een-lang-wachtwoord\neen-lang-wachtwoord\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert not user.is_admin


@pytest.mark.parametrize("args, message", [
    (["--email", "geen-adres", "--name", "Piet", "--password", "een-lang-wachtwoord"], "geldig e-mailadres"),
    (["--email", "p@gemeente.example", "--name", "Piet", "--password", "kort"], "minstens 10 tekens"),
    (["--email", "p@gemeente.example", "--name", " ", "--password", "een-lang-wachtwoord"], "Vul een naam in."),
])
def test_bad_input_changes_nothing(runner, db, args, message):
    result = runner.invoke(args=["kb", "create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Er is geen account aangemaakt." in result.output
    assert user_count(db) == 0


def test_duplicate_email_is_refused(runner, db, make_user):
    make_user(email="piet@gemeente.example")
    result = runner.invoke(args=["kb", "create-admin", "--email", "piet@gemeente.example", "--name", "Piet",
                                 "--password", "een-lang-wachtwoord"])
    assert result.exit_code != 0
    assert "bestaat al een account" in result.output
    assert user_count(db) == 1
