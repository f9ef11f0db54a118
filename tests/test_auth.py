"""Login, logout, the login requirement, and what bad input does (nothing)."""
import pytest

from kennisbank.auth.views import FAILED_LOGIN

from .conftest import PASSWORD, AuthActions, csrf_token


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


# Sessions live on the server: they can be ended from anywhere ------------------------------------------

def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, cookie: str):
    """Another browser that holds a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_copied_before_logout_is_worthless_after_it(app, client, auth, make_user):
    make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example")
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/mijn").status_code == 200
    auth.logout()
    assert _with_cookie(app, copied).get("/mijn").status_code == 302  # back to the login page


def test_log_out_everywhere_ends_every_session_of_that_user_only(app, client, auth, make_user):
    make_user(email="anne@gemeente.example")
    make_user(email="bert@gemeente.example")
    auth.login("anne@gemeente.example")
    laptop = _cookie(client)
    phone = app.test_client()
    AuthActions(phone).login("anne@gemeente.example")
    colleague = app.test_client()
    AuthActions(colleague).login("bert@gemeente.example")
    assert "Overal uitloggen" in phone.get("/sessies").get_data(as_text=True)
    response = phone.post("/sessies/overal-uitloggen", data={"csrf_token": csrf_token(phone, "/sessies")})
    assert response.status_code == 302
    assert _with_cookie(app, laptop).get("/mijn").status_code == 302
    assert phone.get("/mijn").status_code == 302
    assert colleague.get("/mijn").status_code == 200


def test_deactivation_ends_the_sessions_at_once(app, db, client, auth, make_user):
    from kennisbank.services.registry import handovers

    anne = make_user(email="anne@gemeente.example")
    admin = make_user(email="beheer@gemeente.example", is_admin=True)
    auth.login("anne@gemeente.example")
    assert client.get("/mijn").status_code == 200
    handovers.deactivate_user(anne, admin, project_successors={}, theme_successors={})
    db.session.commit()
    assert client.get("/mijn").status_code == 302


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, client, auth, make_user):
    make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example")
    other = app.test_client()
    AuthActions(other).login("anne@gemeente.example")
    token = csrf_token(client, "/sessies")
    wrong = client.post("/sessies/wachtwoord", data={"csrf_token": token, "current": "fout", "new": "nieuw-wachtw0ord"})
    assert wrong.status_code == 400 and "Het huidige wachtwoord klopt niet." in wrong.get_data(as_text=True)
    short = client.post("/sessies/wachtwoord", data={"csrf_token": token, "current": PASSWORD, "new": "kort"})
    assert short.status_code == 400 and "minstens 10 tekens" in short.get_data(as_text=True)
    assert other.get("/mijn").status_code == 200  # refused changes end nothing
    changed = client.post("/sessies/wachtwoord", data={"csrf_token": token, "current": PASSWORD,
                                                      "new": "nieuw-wachtw0ord"})
    assert changed.status_code == 302
    assert client.get("/mijn").status_code == 200
    assert other.get("/mijn").status_code == 302
    assert AuthActions(app.test_client()).login("anne@gemeente.example", "nieuw-wachtw0ord").status_code == 302


@pytest.mark.parametrize("idle_minutes, age_hours, still_in", [
    (8 * 60 - 2, 1, True),  # just inside the idle limit (8 hours)
    (8 * 60 + 1, 9, False),  # just past it
    (1, 7 * 24 - 1, True),  # busy, just under the absolute limit (7 days)
    (1, 7 * 24 + 1, False),  # busy, but just past it
])
def test_sessions_end_when_idle_or_too_old(app, db, client, auth, make_user, idle_minutes, age_hours, still_in):
    from datetime import timedelta

    from kennisbank.models import UserSession
    from kennisbank.models.base import utcnow

    make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example")
    row = db.session.scalars(db.select(UserSession)).one()
    now = utcnow()
    row.created_at, row.last_seen_at = now - timedelta(hours=age_hours), now - timedelta(minutes=idle_minutes)
    db.session.commit()
    assert (client.get("/mijn").status_code == 200) is still_in


def test_session_limits_are_configurable_and_checked(tmp_path, monkeypatch):
    from kennisbank.config import ConfigurationError

    from .conftest import make_app

    monkeypatch.setenv("KENNISBANK_SESSION_IDLE_HOURS", "nul")
    with pytest.raises(ConfigurationError, match="KENNISBANK_SESSION_IDLE_HOURS moet een heel getal van minstens 1"):
        make_app(tmp_path)
    monkeypatch.setenv("KENNISBANK_SESSION_IDLE_HOURS", "2")
    assert make_app(tmp_path).config["SESSION_IDLE_HOURS"] == 2


# Throttling, shared by every process through the database ---------------------------------------------

def _attempt(client, email, password):
    return client.post("/inloggen", data={"csrf_token": csrf_token(client, "/inloggen"), "email": email,
                                          "password": password})


def test_failures_make_the_next_attempt_wait_then_lock_in_dutch(app, db, client, make_user):
    from datetime import timedelta

    from kennisbank.models import LoginThrottle
    from kennisbank.services.access import login_throttle

    make_user(email="anne@gemeente.example")
    policy = login_throttle.POLICIES["account"]
    for _ in range(policy.free):  # the free mistakes: each answered normally
        assert _attempt(client, "anne@gemeente.example", "fout").status_code == 400
    waiting = _attempt(client, "anne@gemeente.example", PASSWORD)  # even the right password waits now
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    assert "Probeer het over 1 seconde opnieuw." in waiting.get_data(as_text=True)
    assert client.get("/mijn").status_code == 302
    row = db.session.scalars(db.select(LoginThrottle).where(LoginThrottle.scope == "account")).one()
    assert row.failures == policy.free and "anne" not in row.key  # a keyed hash, not the address
    row.failures, row.last_failure_at = policy.lock_after - 1, row.last_failure_at - timedelta(minutes=2)
    db.session.commit()
    assert _attempt(client, "anne@gemeente.example", "fout").status_code == 400  # the failure that locks
    locked = _attempt(client, "anne@gemeente.example", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 14 * 60
    assert "Inloggen is tijdelijk geblokkeerd; probeer het over 15 minuten opnieuw." in locked.get_data(as_text=True)


def test_the_delay_doubles_per_failure_up_to_a_minute(app):
    from datetime import timedelta

    from kennisbank.services.access import login_throttle

    policy = login_throttle.POLICIES["account"]
    delays = [login_throttle._delay(policy, n).total_seconds() for n in range(policy.free - 1, policy.free + 8)]
    assert delays == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert login_throttle._delay(policy, 100) == timedelta(seconds=60)


def test_success_clears_the_account_but_not_the_address(app, db, client, make_user):
    from kennisbank.models import LoginThrottle

    make_user(email="anne@gemeente.example")
    for _ in range(2):
        _attempt(client, "anne@gemeente.example", "fout")
    assert _attempt(client, "anne@gemeente.example", PASSWORD).status_code == 302
    counts = dict(db.session.execute(db.select(LoginThrottle.scope, LoginThrottle.failures)).all())
    assert counts == {"account": 0, "address": 2}


def test_many_accounts_from_one_address_are_stopped_too(app, db, client, make_user):
    from kennisbank.services.access import login_throttle

    policy = login_throttle.POLICIES["address"]
    for n in range(policy.free):  # one try per account: no account ever reaches its own limit
        assert _attempt(client, f"iemand{n}@gemeente.example", "fout").status_code == 400
    assert _attempt(client, "nog-iemand@gemeente.example", "fout").status_code == 429


def test_a_throttled_attempt_never_checks_a_password(app, db, client, make_user, monkeypatch):
    from kennisbank.services.access import login_throttle, users

    make_user(email="anne@gemeente.example")
    for _ in range(login_throttle.POLICIES["account"].free):
        _attempt(client, "anne@gemeente.example", "fout")
    checked = []
    monkeypatch.setattr(users, "check_password_hash", lambda *args: checked.append(1) or False)
    assert _attempt(client, "anne@gemeente.example", "fout").status_code == 429
    assert checked == []


def test_unknown_and_existing_accounts_cost_the_same_hash(app, make_user, monkeypatch):
    """The same method and work whether the address has an account or not: timing tells nothing."""
    from kennisbank.services.access import users

    make_user(email="anne@gemeente.example")
    methods = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda stored, password: methods.append(stored.split("$")[0]) or real(stored, password))
    users.authenticate("anne@gemeente.example", "fout")
    users.authenticate("onbekend@gemeente.example", "fout")
    assert methods[0] == methods[1] == app.config["PASSWORD_HASH_METHOD"]


# Headers, proxies, odd input --------------------------------------------------------------------------

def test_pages_behind_login_are_not_stored_and_public_ones_may_be(client, auth, make_user):
    make_user(email="anne@gemeente.example")
    assert "no-store" not in client.get("/help/").headers.get("Cache-Control", "")
    auth.login("anne@gemeente.example")
    assert client.get("/mijn").headers["Cache-Control"] == "no-store"
    assert client.get("/help/").headers["Cache-Control"] == "no-store"  # logged in: the menu names the user


@pytest.mark.parametrize("target", ["/%0D%0AX:1", "/%0Aevil", "/mijn%09", "/%7F"])
def test_control_characters_in_next_are_a_clean_400_and_nobody_logs_in(client, make_user, target):
    make_user(email="anne@gemeente.example")
    page = client.get(f"/inloggen?next={target}")
    assert page.status_code == 400 and "ongeldige terugverwijzing" in page.get_data(as_text=True)
    response = client.post(f"/inloggen?next={target}", data={
        "csrf_token": csrf_token(client, "/inloggen"), "email": "anne@gemeente.example", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/mijn").status_code == 302


def test_a_normal_next_still_works(client, make_user):
    make_user(email="anne@gemeente.example")
    response = client.post("/inloggen?next=/mijn", data={
        "csrf_token": csrf_token(client, "/inloggen"), "email": "anne@gemeente.example", "password": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (302, "/mijn")


@pytest.mark.parametrize("hops, proto, expected", [(0, "https", "http://"), (1, "https", "https://")])
def test_forwarded_headers_count_only_behind_trusted_proxies(tmp_path, monkeypatch, hops, proto, expected):
    from flask import url_for

    from kennisbank.auth import guard

    from .conftest import make_app

    monkeypatch.setattr(guard, "PUBLIC_ENDPOINTS", guard.PUBLIC_ENDPOINTS | {"probe"})
    app = make_app(tmp_path, TRUSTED_PROXIES=hops)
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(url=url_for("auth.login", _external=True), addr=request.remote_addr)
        return "ok"

    app.test_client().get("/_probe", headers={"X-Forwarded-Proto": proto, "X-Forwarded-For": "203.0.113.9",
                                              "X-Forwarded-Host": "kennisbank.gemeente.example"})
    assert seen["url"].startswith(expected)
    assert (seen["addr"] == "203.0.113.9") is bool(hops)
    assert ("kennisbank.gemeente.example" in seen["url"]) is bool(hops)


def test_the_team_field_says_the_same_for_unknown_and_former_colleagues(app, db, make_user):
    from kennisbank.ground.errors import DomainError
    from kennisbank.services.registry import projects

    lead = make_user(email="lead@gemeente.example")
    make_user(email="weg@gemeente.example", active=False)
    messages = []
    for email in ("weg@gemeente.example", "nooit@gemeente.example"):
        with pytest.raises(DomainError) as refused:
            projects.create_project(projects.ProjectInput(title="Proef", question="Werkt het?", municipality="Utrecht",
                                                          team_emails=[email]), lead)
        messages.append(refused.value.field_errors["team"].replace(email, "X"))
    assert messages[0] == messages[1]


def test_workers_on_several_hosts_count_the_same_failures(tmp_path, any_database_url):
    """Two real processes count failures for one account at the same moment: none is lost."""
    import os
    import subprocess
    import sys
    import time

    from kennisbank.extensions import db
    from kennisbank.models import LoginThrottle

    from .conftest import REPO, make_app, running

    app = make_app(tmp_path, any_database_url, SECRET_KEY="gedeelde-sleutel")
    with running(app):
        db.create_all()
    env = dict(os.environ, KENNISBANK_DATABASE_URL=any_database_url, KENNISBANK_SECRET_KEY="gedeelde-sleutel",
               KENNISBANK_INSTANCE_DIR=str(tmp_path / "instance"), PYTHONPATH=str(REPO))
    start = str(time.time() + 2)
    workers = [subprocess.Popen([sys.executable, str(REPO / "tests" / "scripts" / "fail_logins.py"),
                                 "anne@gemeente.example", "10.0.0.7", "25", start], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err for _, err in results]
    with running(app):
        counts = dict(db.session.execute(db.select(LoginThrottle.scope, LoginThrottle.failures)).all())
    assert counts == {"account": 50, "address": 50}


# Throttling at the service level, with the clock in the test's hand ----------------------------------------

@pytest.mark.parametrize("wait, locked, message", [
    (1, False, "Er is net een verkeerd wachtwoord geprobeerd. Probeer het over 1 seconde opnieuw."),
    (2, False, "Er is net een verkeerd wachtwoord geprobeerd. Probeer het over 2 seconden opnieuw."),
    (119, False, "Er is net een verkeerd wachtwoord geprobeerd. Probeer het over 119 seconden opnieuw."),
    (120, True, "Er is te vaak een verkeerd wachtwoord geprobeerd. Inloggen is tijdelijk geblokkeerd; probeer het "
                "over 2 minuten opnieuw."),
    (121, True, "Er is te vaak een verkeerd wachtwoord geprobeerd. Inloggen is tijdelijk geblokkeerd; probeer het "
                "over 3 minuten opnieuw."),
])
def test_a_refusal_says_how_long_in_words(wait, locked, message):
    from kennisbank.services.access.login_throttle import Refusal

    assert Refusal(wait_seconds=wait, locked=locked).message == message


def test_the_wait_follows_the_last_failure_and_is_forgotten_after_an_hour(app, db):
    from datetime import datetime, timedelta

    from kennisbank.services.access import login_throttle as throttle

    t0 = datetime(2026, 3, 10, 12, 0, 0)
    free = throttle.POLICIES["account"].free
    for n in range(free):
        assert throttle.failed(" Anne@Gemeente.example ", f"10.0.0.{n}", t0) is False
    assert throttle.check("anne@gemeente.example", "10.9.9.9", t0) == throttle.Refusal(1, False)
    assert throttle.check("anne@gemeente.example", "10.9.9.9", t0 + timedelta(milliseconds=300)) == \
        throttle.Refusal(1, False)
    assert throttle.check("anne@gemeente.example", "10.9.9.9", t0 + timedelta(seconds=1)) is None
    assert throttle.check("bob@gemeente.example", "10.9.9.9", t0) is None
    throttle.failed("anne@gemeente.example", "10.0.0.1", t0)  # one more: 2 seconds
    assert throttle.check("anne@gemeente.example", "", t0 + timedelta(seconds=1)) == throttle.Refusal(1, False)
    # Still counted exactly an hour later; forgotten a moment after.
    hour = throttle.POLICIES["account"].forget_after
    row = db.session.scalars(db.select(throttle.LoginThrottle).where(
        throttle.LoginThrottle.scope == "account")).one()
    row.blocked_until = t0 + 2 * hour
    db.session.commit()
    assert throttle.check("anne@gemeente.example", "", t0 + hour) == throttle.Refusal(3600, True)
    assert throttle.check("anne@gemeente.example", "", t0 + hour + timedelta(seconds=1)) is None
    throttle.failed("anne@gemeente.example", "", t0 + hour + timedelta(seconds=1))
    db.session.refresh(row)
    assert row.failures == 1 and row.blocked_until is None  # a quiet hour starts the count again
    assert row.last_failure_at == t0 + hour + timedelta(seconds=1)


def test_the_failure_that_reaches_the_limit_locks_once_for_a_quarter(app, db):
    from datetime import datetime, timedelta

    from kennisbank.models import LoginThrottle
    from kennisbank.services.access import login_throttle as throttle

    t0 = datetime(2026, 3, 10, 12, 0, 0)
    policy = throttle.POLICIES["account"]
    locks = [throttle.failed("anne@gemeente.example", f"10.0.{n}.1", t0 + timedelta(seconds=n))
             for n in range(policy.lock_after + 1)]
    assert locks == [False] * (policy.lock_after - 1) + [True, False]
    locked_at = t0 + timedelta(seconds=policy.lock_after - 1)
    row = db.session.scalars(db.select(LoginThrottle).where(LoginThrottle.scope == "account")).one()
    assert row.blocked_until == locked_at + policy.lock_for
    refusal = throttle.check("anne@gemeente.example", "10.9.9.9", locked_at + timedelta(minutes=1))
    assert refusal == throttle.Refusal(14 * 60, True)
    throttle.succeeded(" ANNE@gemeente.example")
    db.session.refresh(row)
    assert (row.failures, row.blocked_until) == (0, None)


def test_the_longer_of_account_and_address_waits_decides(app, db):
    from datetime import datetime, timedelta

    from kennisbank.services.access import login_throttle as throttle

    t0 = datetime(2026, 3, 10, 12, 0, 0)
    for n in range(throttle.POLICIES["address"].free + 2):  # the address: 4 seconds after its last failure
        throttle.failed(f"iemand{n}@gemeente.example", "10.0.0.7", t0)
    for _ in range(throttle.POLICIES["account"].free):  # the account: 1 second
        throttle.failed("anne@gemeente.example", "10.0.0.8", t0)
    assert throttle.check("anne@gemeente.example", "10.0.0.7", t0 + timedelta(seconds=1)) == throttle.Refusal(3, False)
    assert throttle.check("anne@gemeente.example", "10.0.0.9", t0 + timedelta(seconds=1)) is None


def test_throttle_rows_are_keyed_by_a_secret_hash_and_counted_per_account(app, db):
    import hashlib
    import hmac
    from datetime import datetime, timedelta

    from kennisbank.models import LoginThrottle
    from kennisbank.services.access import login_throttle as throttle

    t0 = datetime(2026, 3, 10, 12, 0, 0)
    hour = throttle.POLICIES["account"].forget_after
    rows = lambda: {row.key: row for row in db.session.scalars(db.select(LoginThrottle).where(  # noqa: E731
        LoginThrottle.scope == "account"))}
    key = lambda email: hmac.new(str(app.config["SECRET_KEY"]).encode(), f"account:{email}".encode(),  # noqa: E731
                                 hashlib.sha256).hexdigest()
    throttle.failed("anne@gemeente.example", "10.0.0.1", t0)
    anne = rows()[key("anne@gemeente.example")]
    assert (anne.failures, anne.last_failure_at) == (1, t0)
    throttle.failed("anne@gemeente.example", "10.0.0.1", t0 + timedelta(seconds=5))
    assert (anne.failures, anne.last_failure_at) == (2, t0 + timedelta(seconds=5))
    # Bob: many failures long ago, and a lock that ends exactly now.
    for _ in range(20):
        throttle.failed("bob@gemeente.example", "10.0.0.2", t0)
    bob = rows()[key("bob@gemeente.example")]
    bob.blocked_until = t0 + hour
    db.session.commit()
    assert throttle.check("bob@gemeente.example", "10.9.9.9", t0 + hour) is None  # the lock has ended
    # Anne's failure an hour after her last one still counts; it touches nobody else's row.
    assert throttle.failed("anne@gemeente.example", "10.0.0.1", t0 + timedelta(seconds=5) + hour) is False
    assert anne.failures == 3 and (bob.failures, bob.last_failure_at) == (20, t0)
    throttle.succeeded("anne@gemeente.example")
    db.session.refresh(bob)
    assert anne.failures == 0 and bob.failures == 20
    # Bob's next failure exactly as the lock ends locks him again.
    assert throttle.failed("bob@gemeente.example", "10.0.0.2", t0 + hour) is True


def test_a_refusal_waits_for_the_later_of_account_and_address_and_says_locked_only_while_locked(app, db):
    from datetime import datetime, timedelta

    from kennisbank.models import LoginThrottle
    from kennisbank.services.access import login_throttle as throttle

    t0 = datetime(2026, 3, 10, 12, 0, 0)
    for n in range(throttle.POLICIES["address"].free + 2):  # the address may try again at t0 + 4 s
        throttle.failed(f"iemand{n}@gemeente.example", "10.0.0.7", t0)
    for _ in range(throttle.POLICIES["account"].free):  # the account at t0 + 1 s
        throttle.failed("anne@gemeente.example", "10.0.0.8", t0)
    assert throttle.check("anne@gemeente.example", "10.0.0.7", t0 + timedelta(milliseconds=500)) == \
        throttle.Refusal(4, False)
    for _ in range(20):
        throttle.failed("bob@gemeente.example", "10.0.0.9", t0)
    bob = db.session.scalars(db.select(LoginThrottle).where(LoginThrottle.scope == "account")
                             .order_by(LoginThrottle.failures.desc())).first()
    bob.blocked_until = t0 + timedelta(seconds=30)
    db.session.commit()
    # The lock ends at t0 + 30 s; the doubling delay still asks a minute after the last failure.
    assert throttle.check("bob@gemeente.example", "", t0 + timedelta(seconds=30)) == throttle.Refusal(30, False)
    assert throttle.check("bob@gemeente.example", "", t0 + timedelta(seconds=29)) == throttle.Refusal(1, True)
