"""Login, logout, the login requirement, and what bad input does (nothing)."""
import pytest

from kennisbank.auth.views import FAILED_LOGIN

from .conftest import PASSWORD, csrf_token


def test_login_with_valid_credentials_opens_start_page(auth, client, make_user):
    make_user(email="anne@gemeente.example", name="Anne de Vries")
    response = auth.login("anne@gemeente.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Anne de Vries" in page
    assert "Wat is er al eerder gedaan?" in page


def test_login_is_case_insensitive_on_email(auth, make_user):
    make_user(email="anne@gemeente.example")
    assert auth.login("  Anne@Gemeente.EXAMPLE ").status_code == 302


@pytest.mark.parametrize("email, password", [
    ("anne@gemeente.example", "verkeerd-wachtwoord"),
    ("onbekend@gemeente.example", PASSWORD),
])
def test_failed_login_gives_the_same_generic_message(auth, client, make_user, email, password):
    make_user(email="anne@gemeente.example")
    response = auth.login(email, password)
    assert response.status_code == 400
    assert FAILED_LOGIN in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_inactive_user_cannot_log_in(auth, client, make_user):
    make_user(email="weg@gemeente.example", active=False)
    response = auth.login("weg@gemeente.example")
    assert response.status_code == 400
    assert FAILED_LOGIN in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": ""}, "Vul uw e-mailadres in."),
    ({"email": "a@b.nl", "password": ""}, "Vul uw wachtwoord in."),
    ({"email": "x" * 300 + "@b.nl", "password": "p"}, "Een e-mailadres is hoogstens 254 tekens."),
])
def test_bad_login_input_gets_dutch_message_tied_to_the_field(client, data, message):
    data["csrf_token"] = csrf_token(client, "/inloggen")
    response = client.post("/inloggen", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'aria-describedby="' in html and 'aria-invalid="true"' in html
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user(email="anne@gemeente.example")
    response = client.post("/inloggen", data={"email": "anne@gemeente.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "Het formulier is verlopen of ongeldig" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_every_page_requires_login_except_login_and_help(client):
    assert client.get("/").status_code == 302
    assert "/inloggen?next=" in client.get("/").headers["Location"]
    assert client.get("/inloggen").status_code == 200
    assert client.get("/help/").status_code == 200
    with client.get("/static/kennisbank.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_next_parameter_only_redirects_within_the_site(client, make_user):
    make_user(email="anne@gemeente.example")
    for target, expected in [("/help/", "/help/"), ("https://evil.example/", "/"), ("//evil.example", "/")]:
        token = csrf_token(client, "/inloggen")
        response = client.post(f"/inloggen?next={target}",
                               data={"csrf_token": token, "email": "anne@gemeente.example", "password": PASSWORD})
        assert response.headers["Location"] == expected
        client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})


def test_logout_needs_post_and_ends_the_session(auth, client, make_user):
    make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example")
    assert client.get("/uitloggen").status_code == 405
    assert client.get("/").status_code == 200
    response = auth.logout()
    assert response.headers["Location"] == "/inloggen"
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(auth, client, make_user):
    make_user(email="anne@gemeente.example")
    response = auth.login("anne@gemeente.example")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed(make_user):
    user = make_user(password="een-geheim-wachtwoord")
    assert "een-geheim-wachtwoord" not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")
