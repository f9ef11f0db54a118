"""Logging in with the organisation's account, against a real OpenID provider running locally
(oidc-provider-mock: Authlib's authorization server, with its own keys, codes and login form), never a
mock of our client. Every refusal is a Dutch page with nobody logged in, and lands in the audit log.

The provider issues the claims a test sets for a subject (PUT /users/<sub>); claims such as `aud`, `exp`
or `nonce` set there end up in its signed ID token, which is how the misbehaving tokens are made.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import select

from kennisbank.models import AuditEvent, User

from .conftest import PASSWORD, csrf_token, make_app, running
from .local_servers import free_port

ORGANISATION = "Gemeente Voorbeeld"
ADMIN_GROUP = "kennisbank-beheer"


def _start_provider(*options: str) -> tuple[subprocess.Popen, str]:
    """A provider as its own OS process (its own key pair); returns it and its issuer URL once it answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/.well-known/openid-configuration", timeout=2).raise_for_status()
            return process, base
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not start") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def provider():
    process, base = _start_provider("--require-nonce")
    yield base
    _stop(process)


@pytest.fixture(autouse=True)
def plain_http_on_loopback(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the local provider speaks http


def _app(tmp_path, discovery: str, database_url=None, **overrides):
    app = make_app(tmp_path, database_url, OIDC_DISCOVERY_URL=discovery, OIDC_CLIENT_ID="kennisbank",
                   OIDC_CLIENT_SECRET="geheim", OIDC_NAME=ORGANISATION, OIDC_ADMIN_GROUP=ADMIN_GROUP, **overrides)
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def app(tmp_path, provider, request):
    """The suite's app fixture, with the local provider configured."""
    from kennisbank.extensions import db

    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = _app(tmp_path, f"{provider}/.well-known/openid-configuration", url)
    with running(app):
        db.create_all()
        yield app


def _user(email: str, **fields) -> User:
    from kennisbank.extensions import db
    from kennisbank.services.access import users

    user = users.create_user(email, "Anne", PASSWORD)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def _claims(provider: str, sub: str, **claims) -> None:
    response = requests.put(f"{provider}/users/{urllib.parse.quote(sub)}", json=claims, timeout=10)
    assert response.status_code == 204


def _login(client, sub: str, start: str = "/inloggen/organisatie"):
    """The whole redirect flow: to the provider, its login form, back with a code. Returns the callback
    response and the callback URL (for replay)."""
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    authorize = started.headers["Location"]
    answered = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answered.status_code == 302, answered.text
    callback = answered.headers["Location"]
    parts = urllib.parse.urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}"), f"{parts.path}?{parts.query}"


def _logged_in(client) -> bool:
    return client.get("/mijn").status_code == 200


def _refusals(db) -> list[str]:
    return [json.loads(e.detail)["reason"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.event == "oidc_refused"))]


def test_the_login_page_offers_the_organisation_and_the_flow_uses_pkce_state_and_nonce(app, provider):
    client = app.test_client()
    assert f"Inloggen met {ORGANISATION}" in client.get("/inloggen").get_data(as_text=True)
    location = client.get("/inloggen/organisatie").headers["Location"]
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(f"{provider}/oauth2/authorize")
    assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) >= 43
    assert params["state"][0] and params["nonce"][0] and params["response_type"] == ["code"]
    assert params["redirect_uri"] == ["http://localhost/inloggen/organisatie/terug"]


def test_first_login_creates_the_account_from_the_claims(app, provider):
    from kennisbank.extensions import db

    _claims(provider, "sub-1", email="Fatima.Elhadi@voorbeeld.example", name="Fatima El Hadi",
            department="Stadsontwikkeling", email_verified=True)
    client = app.test_client()
    response, _ = _login(client, "sub-1")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert _logged_in(client)
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.name, user.department, user.is_admin, user.has_password) == \
        ("fatima.elhadi@voorbeeld.example", "Fatima El Hadi", "Stadsontwikkeling", False, False)
    assert user.external_id == f"{provider} sub-1"
    assert [e.event for e in db.session.scalars(select(AuditEvent))] == ["account_created", "login"]
    again = app.test_client()
    _login(again, "sub-1")  # the second time: the same account
    assert db.session.scalar(select(User.id)) == user.id and len(db.session.scalars(select(User)).all()) == 1


def test_an_account_with_a_password_is_bound_only_after_its_password_once(app, provider, make_user):
    """Nobody becomes someone else: an identity claiming an existing address (even a verified one) does not
    take over an account with a password; its owner binds it by logging in with that password once."""
    from kennisbank.extensions import db

    existing = make_user(email="bas@voorbeeld.example", name="Bas Bestaand")
    _claims(provider, "sub-bas", email="bas@voorbeeld.example", email_verified=True, name="Bas B.")
    client = app.test_client()
    response, _ = _login(client, "sub-bas")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Log één keer in met dat e-mailadres en uw wachtwoord" in page
    assert not _logged_in(client)
    db.session.expire_all()
    assert db.session.get(User, existing.id).external_id is None
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "oidc_refused")).one()
    assert json.loads(refused.detail)["subject"] == f"{provider} sub-bas"
    stranger = app.test_client()  # another browser's password login binds nothing
    stranger.post("/inloggen", data={"csrf_token": csrf_token(stranger, "/inloggen"), "email": "bas@voorbeeld.example",
                                      "password": PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, existing.id).external_id is None
    client.post("/inloggen", data={"csrf_token": csrf_token(client, "/inloggen"), "email": "bas@voorbeeld.example",
                                   "password": PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, existing.id).external_id == f"{provider} sub-bas"
    linked = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "account_linked")).one()
    assert json.loads(linked.detail) == {"via": "wachtwoord", "subject": f"{provider} sub-bas"}
    later = app.test_client()
    assert _login(later, "sub-bas")[0].status_code == 302 and _logged_in(later)


@pytest.mark.parametrize("claims, trusted", [
    ({"email": "beheerder@voorbeeld.example", "email_verified": True}, False),  # an administrator: never so
    ({"email": "beheerder@voorbeeld.example"}, True),
    ({"preferred_username": "BEHEERDER@voorbeeld.example"}, True),
])
def test_an_identity_claiming_the_administrators_address_takes_nothing_over(tmp_path, provider, claims, trusted):
    from kennisbank.extensions import db

    app = _app(tmp_path, f"{provider}/.well-known/openid-configuration", OIDC_TRUST_EMAIL=trusted)
    with running(app):
        db.create_all()
        admin = _user("beheerder@voorbeeld.example", is_admin=True)
        _claims(provider, "sub-indringer", **claims)
        client = app.test_client()
        response, _ = _login(client, "sub-indringer")
        assert response.status_code == 403 and not _logged_in(client)
        assert client.get("/beheer/").status_code in (302, 401, 403)
        db.session.expire_all()
        assert db.session.get(User, admin.id).external_id is None
        assert db.session.scalars(select(User)).all() == [db.session.get(User, admin.id)]


@pytest.mark.parametrize("claims, trusted, bound", [
    ({"email": "daan.visser@voorbeeld.example", "email_verified": True}, False, True),
    ({"email": "daan.visser@voorbeeld.example"}, False, False),  # Entra ID never says: not on its word alone
    ({"email": "daan.visser@voorbeeld.example"}, True, True),  # unless the operator trusts its addresses
    ({"preferred_username": "DAAN.VISSER@voorbeeld.example"}, True, False),  # never from the UPN
    ({"email": "daan.visser@voorbeeld.example", "email_verified": False}, True, False),
])
def test_a_passwordless_account_is_bound_only_by_an_address_the_provider_vouches_for(tmp_path, provider, claims,
                                                                                     trusted, bound):
    from kennisbank.extensions import db
    from kennisbank.services.access.external_login import NO_PASSWORD

    app = _app(tmp_path, f"{provider}/.well-known/openid-configuration", OIDC_TRUST_EMAIL=trusted)
    with running(app):
        db.create_all()
        daan = _user("daan.visser@voorbeeld.example", password_hash=NO_PASSWORD)  # e.g. from an archive import
        _claims(provider, "sub-daan", **claims)
        client = app.test_client()
        response, _ = _login(client, "sub-daan")
        assert _logged_in(client) is bound and response.status_code == (302 if bound else 403)
        db.session.expire_all()
        assert (db.session.get(User, daan.id).external_id == f"{provider} sub-daan") is bound
        assert len(db.session.scalars(select(User)).all()) == 1


@pytest.mark.parametrize("groups, admin", [([ADMIN_GROUP, "iedereen"], True), (ADMIN_GROUP, True),
                                           (["iedereen"], False), ("iedereen", False), (None, False)])
def test_the_group_claim_makes_and_unmakes_a_beheerder_list_or_string(app, provider, groups, admin):
    from kennisbank.extensions import db

    _claims(provider, "sub-g", email="greet@voorbeeld.example", groups=[ADMIN_GROUP])
    _login(app.test_client(), "sub-g")
    _claims(provider, "sub-g", email="greet@voorbeeld.example", **({"groups": groups} if groups else {}))
    _login(app.test_client(), "sub-g")
    db.session.expire_all()
    assert db.session.scalars(select(User)).one().is_admin is admin
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "role_changed")).all()
    assert len(changes) == (1 if admin else 2)  # made beheerder once; taken away again where the group went


@pytest.mark.parametrize("claims, reason", [
    # A token meant for another application: its audience is not us, whatever its azp says.
    ({"aud": "ander-systeem"}, "aud"),
    ({"aud": ["ander-systeem"], "azp": "kennisbank"}, "aud"),
    ({"aud": ["ander-systeem"], "azp": "ander-systeem"}, "aud"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"nonce": None}, "nonce"),  # no nonce of ours
    ({"nonce": "van-een-ander-verzoek"}, "nonce"),
])
def test_tokens_with_a_wrong_audience_expiry_or_nonce_log_nobody_in(app, provider, claims, reason):
    from kennisbank.extensions import db

    _claims(provider, "sub-x", email="xander@voorbeeld.example", **claims)
    client = app.test_client()
    response, _ = _login(client, "sub-x")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Het inloggen via uw organisatie is niet gelukt" in page
    assert not _logged_in(client)
    assert db.session.scalars(select(User)).all() == []
    assert reason in _refusals(db)[0].lower()


def _refusal_in_own_app(app, provider: str, sub: str) -> str:
    """Log `sub` in on an app with its own provider settings; it must be refused. Returns the reason."""
    from kennisbank.extensions import db

    with running(app):
        db.create_all()
        _claims(provider, sub, email=f"{sub}@voorbeeld.example")
        client = app.test_client()
        response, _ = _login(client, sub)
        assert response.status_code == 400 and not _logged_in(client)
        return _refusals(db)[0]


def test_a_token_from_another_issuer_than_the_one_trusted_is_refused(tmp_path, provider):
    app = _app(tmp_path, f"{provider}/.well-known/openid-configuration", OIDC_ISSUER=f"{provider}/ander-tenant")
    assert "'iss'" in _refusal_in_own_app(app, provider, "sub-i")  # checked with the signature, by Authlib


def test_a_replayed_callback_is_refused(app, provider):
    from kennisbank.extensions import db

    _claims(provider, "sub-r", email="rob@voorbeeld.example")
    client = app.test_client()
    response, callback = _login(client, "sub-r")
    assert response.status_code == 302 and _logged_in(client)
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    replayed = client.get(callback)
    assert replayed.status_code == 400 and not _logged_in(client)
    stranger = app.test_client()  # someone who captured the URL, without the state in their session
    assert stranger.get(callback).status_code == 400 and not _logged_in(stranger)
    assert len(_refusals(db)) == 2


def test_a_token_signed_with_another_key_than_the_published_one_is_refused(tmp_path, provider):
    """The provider's discovery document, served as-is except that its key set is that of a second real
    provider process (another key pair): the tokens' signatures do not verify."""
    other, other_base = _start_provider()
    try:
        other_keys = requests.get(f"{other_base}/jwks", timeout=5).json()
        assert other_keys != requests.get(f"{provider}/jwks", timeout=5).json()
        metadata = requests.get(f"{provider}/.well-known/openid-configuration", timeout=5).json()
        metadata["jwks_uri"] = f"{other_base}/jwks"
        body = json.dumps(metadata).encode()

        class Discovery(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            app = _app(tmp_path, f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration")
            assert "signature" in _refusal_in_own_app(app, provider, "sub-s").lower()
        finally:
            server.shutdown()
            server.server_close()
    finally:
        _stop(other)


def test_claims_without_an_email_address_are_refused_in_dutch(app, provider):
    from kennisbank.extensions import db

    _claims(provider, "medewerker-4711", name="Zonder Adres")
    client = app.test_client()
    response, _ = _login(client, "medewerker-4711")
    assert response.status_code == 403
    assert "geeft geen e-mailadres door" in response.get_data(as_text=True)
    assert not _logged_in(client) and db.session.scalars(select(User)).all() == []
    assert _refusals(db) and "e-mailadres" in _refusals(db)[0]


def test_an_email_of_a_deactivated_account_is_refused_and_audited(app, provider, make_user):
    from kennisbank.extensions import db

    gone = make_user(email="oud@voorbeeld.example", active=False)
    _claims(provider, "sub-oud", email="oud@voorbeeld.example")
    client = app.test_client()
    response, _ = _login(client, "sub-oud")
    assert response.status_code == 403 and "gedeactiveerd" in response.get_data(as_text=True)
    assert not _logged_in(client)
    db.session.expire_all()
    assert db.session.get(User, gone.id).external_id is None
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "oidc_refused")).one()
    assert refused.target == f"user:{gone.id}"


def test_an_unverified_email_is_not_linked(app, provider, make_user):
    make_user(email="vera@voorbeeld.example")
    _claims(provider, "sub-v", email="vera@voorbeeld.example", email_verified=False)
    client = app.test_client()
    response, _ = _login(client, "sub-v")
    assert response.status_code == 403 and "niet is bevestigd" in response.get_data(as_text=True)
    assert not _logged_in(client)


@pytest.mark.parametrize("size, accepted", [(20_000, True), (40_000, False), (100_000, False)])
def test_an_oversized_id_token_is_refused(app, provider, size, accepted):
    """Our limit is 32 kB (Entra ID tokens with many groups are a few kB); joserfc's own is ~130 kB."""
    from kennisbank.extensions import db

    _claims(provider, f"sub-{size}", email=f"groot{size}@voorbeeld.example", notities="x" * size)
    client = app.test_client()
    response, _ = _login(client, f"sub-{size}")
    assert _logged_in(client) is accepted
    if not accepted:
        assert response.status_code == 400 and "bytes" in _refusals(db)[0]


def test_a_provider_that_is_down_gets_a_dutch_page_and_password_login_still_works(tmp_path):
    from kennisbank.extensions import db

    app = _app(tmp_path, f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration")
    with running(app):
        db.create_all()
        _user("anne@gemeente.example")
        client = app.test_client()
        response = client.get("/inloggen/organisatie")
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and f"{ORGANISATION} is nu niet bereikbaar" in page
        assert "inloggen met e-mailadres en wachtwoord kan wel" in page
        client.post("/inloggen", data={"csrf_token": csrf_token(client, "/inloggen"),
                                       "email": "anne@gemeente.example", "password": PASSWORD})
        assert _logged_in(client)


def test_logout_ends_the_session_here_and_at_the_provider(app, provider):
    _claims(provider, "sub-l", email="lotte@voorbeeld.example")
    client = app.test_client()
    _login(client, "sub-l")
    response = client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    location = response.headers["Location"]
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(f"{provider}/oauth2/end_session")
    assert params["post_logout_redirect_uri"] == ["http://localhost/inloggen"] and params["id_token_hint"][0]
    assert not _logged_in(client)
    csp = client.get("/inloggen").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider}" in csp  # the browser may follow the logout form there


def test_password_login_can_be_switched_off(tmp_path, provider):
    from kennisbank.extensions import db

    app = _app(tmp_path, f"{provider}/.well-known/openid-configuration", PASSWORD_LOGIN=False,
               WTF_CSRF_ENABLED=False)  # so that the refusal seen is the switched-off login, not CSRF
    with running(app):
        db.create_all()
        _user("anne@gemeente.example")
        client = app.test_client()
        page = client.get("/inloggen").get_data(as_text=True)
        assert f"Inloggen met {ORGANISATION}" in page and 'name="password"' not in page
        posted = client.post("/inloggen", data={"email": "anne@gemeente.example", "password": PASSWORD})
        assert posted.status_code == 404 and not _logged_in(client)


def test_a_configuration_without_any_way_in_does_not_start(tmp_path):
    from kennisbank.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="dan kan niemand inloggen"):
        make_app(tmp_path, PASSWORD_LOGIN=False)
    with pytest.raises(ConfigurationError, match="KENNISBANK_OIDC_CLIENT_ID ontbreekt"):
        make_app(tmp_path, OIDC_DISCOVERY_URL="https://login.example/.well-known/openid-configuration")


# Who a set of claims is, at the service level -------------------------------------------------------------

from kennisbank.ground.errors import DomainError  # noqa: E402
from kennisbank.services.access import external_login  # noqa: E402

ISS = "https://login.gemeente.example"


def claims(**kw) -> dict:
    return {"iss": ISS, "sub": "abc-123", **kw}


def refusal(found_claims, **kw):
    with pytest.raises(DomainError) as refused:
        external_login.account_for(found_claims, **kw)
    return refused.value.message, refused.value.field_errors


def test_a_new_account_takes_address_name_and_department_from_the_claims(db):
    from kennisbank.models import AuditEvent

    user = external_login.account_for(claims(email=" Anne@Gemeente.example ", given_name=" Anne ",
                                             family_name="Aalders ", department="Ruimte" * 50))
    assert (user.email, user.name, user.department, user.external_id, user.password_hash, user.is_admin) == (
        "anne@gemeente.example", "Anne Aalders", ("Ruimte" * 50)[:200], f"{ISS} abc-123", "!extern", False)
    row = db.session.scalars(db.select(AuditEvent)).one()
    assert (row.event, row.actor_id, row.target, json.loads(row.detail)) == (
        "account_created", user.id, f"user:{user.id}", {"via": "oidc", "subject": f"{ISS} abc-123"})
    assert external_login.account_for(claims(email="iets@anders.example")) is user  # linked: the subject wins


@pytest.mark.parametrize("found, email, name", [
    ({"preferred_username": "b@gemeente.example", "name": "  "}, "b@gemeente.example", "b@gemeente.example"),
    ({"email": "geen-adres", "preferred_username": "c@gemeente.example", "name": "Cas"}, "c@gemeente.example", "Cas"),
    ({"email": 7, "preferred_username": "d@gemeente.example", "name": "D" * 300}, "d@gemeente.example", "D" * 200),
    ({"email": "e@gemeente.example", "given_name": "Eva"}, "e@gemeente.example", "Eva"),
])
def test_the_address_comes_from_email_else_the_upn_and_the_name_falls_back(db, found, email, name):
    user = external_login.account_for(claims(**found))
    assert (user.email, user.name) == (email, name)


def test_every_refusal_reads_in_full(db, make_user):
    assert refusal(claims(email="x" * 250 + "@gemeente.example")) == (
        "Uw organisatie geeft geen e-mailadres door, en zonder e-mailadres kan kennisbank u niet herkennen. Vraag de "
        "beheerder van kennisbank om dit in te stellen.", {"account": ""})
    assert refusal(claims(email="f@gemeente.example", email_verified=False)) == (
        "Uw organisatie meldt dat uw e-mailadres niet is bevestigd. Bevestig het daar eerst.", {"account": ""})
    other = make_user(email="g@gemeente.example", external_id=f"{ISS} iemand-anders")
    assert refusal(claims(email="g@gemeente.example")) == (
        "Dit e-mailadres hoort al bij een ander organisatie-account. Neem contact op met de beheerder.",
        {"account": f"user:{other.id}"})
    gone = make_user(email="h@gemeente.example", active=False)
    deactivated = ("Uw kennisbank-account is gedeactiveerd. Neem contact op met de beheerder als dat niet klopt.",
                   {"account": f"user:{gone.id}"})
    assert refusal(claims(email="h@gemeente.example")) == deactivated
    gone.external_id = f"{ISS} abc-123"
    db.session.commit()
    assert refusal(claims()) == deactivated
    verified = external_login.account_for(claims(sub="z", email="i@gemeente.example", email_verified=True))
    assert verified.email == "i@gemeente.example"


def test_binding_an_existing_account_is_audited_with_the_identity(db, make_user):
    from kennisbank.models import AuditEvent
    from kennisbank.services.access.external_login import NO_PASSWORD, LinkNeeded

    person = make_user(email="j@gemeente.example", password_hash=NO_PASSWORD)
    assert external_login.account_for(claims(email="J@gemeente.example", email_verified=True)) is person
    assert person.external_id == f"{ISS} abc-123"
    row = db.session.scalars(db.select(AuditEvent)).one()
    assert (row.event, row.actor_id, row.target, json.loads(row.detail)) == (
        "account_linked", person.id, f"user:{person.id}", {"via": "oidc", "subject": f"{ISS} abc-123"})
    with_password = make_user(email="l@gemeente.example")
    with pytest.raises(LinkNeeded) as needed:
        external_login.account_for(claims(sub="l", email="l@gemeente.example", email_verified=True))
    assert (needed.value.user_id, needed.value.external_id) == (with_password.id, f"{ISS} l")
    assert with_password.external_id is None
    assert external_login.link_pending(with_password, f"{ISS} l") is True
    assert with_password.external_id == f"{ISS} l"
    assert external_login.link_pending(with_password, f"{ISS} l2") is False  # bound already: never rebound


@pytest.mark.parametrize("groups, admin", [(["kb-beheer", "x"], True), ("kb-beheer", True), (("kb-beheer",), True),
                                           (["x"], False), (None, False), (7, False)])
def test_the_admin_group_in_any_form_decides_and_the_change_is_audited(db, make_user, groups, admin):
    import json

    from kennisbank.models import AuditEvent

    person = make_user(email="k@gemeente.example", is_admin=not admin, external_id=f"{ISS} abc-123")
    found = claims(email="k@gemeente.example", rollen=groups)
    assert external_login.account_for(found, admin_group="kb-beheer", groups_claim="rollen").is_admin is admin
    row = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "role_changed")).one()
    assert (row.actor_id, row.target, json.loads(row.detail)) == (
        None, f"user:{person.id}", {"beheerder": admin, "reason": "groep kb-beheer"})
    external_login.account_for(found, admin_group="kb-beheer", groups_claim="rollen")  # no change: no new event
    assert db.session.query(AuditEvent).filter_by(event="role_changed").count() == 1
    external_login.account_for(found)  # no admin group configured: the role stays as it is
    assert person.is_admin is admin


def test_claims_at_their_limits(db):
    local = "a" * (254 - len("@gemeente.example"))
    longest = external_login.account_for(claims(sub="s1", email=local + "@gemeente.example"))
    assert len(longest.email) == 254 and longest.department == ""
    message, _ = refusal(claims(sub="s2", email="b" + local + "@gemeente.example"))
    assert message.startswith("Uw organisatie geeft geen e-mailadres door")
    long_subject = external_login.account_for(claims(sub="x" * 600, email="c@gemeente.example"))
    assert long_subject.external_id == f"{ISS} {'x' * 600}"[:500]
    admin = external_login.account_for(claims(sub="s3", email="d@gemeente.example", groups=["kb-beheer"]),
                                       admin_group="kb-beheer")
    assert admin.is_admin is True  # the group claim is called 'groups' unless configured otherwise
