"""Following and notifications: who is told what (service level), the mails (through a real local SMTP
server), the daily bundle's timing, the signed unfollow link, and the pages over HTTP."""
import email
import re
import time
from datetime import date, datetime, timedelta
from email import policy

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from kennisbank.ground.errors import DomainError
from kennisbank.models import Follow, LessonKind, Notification, ProjectStatus
from kennisbank.services.notifying import follows, notifications
from kennisbank.services.registry import editing, lessons

from .conftest import csrf_token, make_app, running
from .local_servers import free_port, smtp_server

SECRET = "test-secret"
# 12:00 UTC on a winter day is 13:00 in Amsterdam.
NOON_UTC = datetime(2026, 11, 26, 12, 0)


def edit(entity, by, **changes):
    editing.apply_changes(entity, changes, expected_version=None, by=by)


def new_lesson(by, title="Nieuwe les", **kw):
    return lessons.create_lesson(lessons.LessonInput(title=title, kind=LessonKind.FAILURE,
                                                     advice="Begin eerder met inkoop."), by, **kw)


def pending(user):
    return list(Notification.query.filter_by(user_id=user.id, sent_at=None).order_by(Notification.id))


@pytest.fixture
def world(db, make_user, make_theme, make_project):
    reader = make_user(name="Rosa Lezer", email="rosa@gemeente.example")
    lead = make_user(name="Lars Leider")
    theme = make_theme(slug="energie", name="Energie")
    project = make_project(title="Slimme verlichting", lead=lead, status=ProjectStatus.STARTED, themes=[theme])
    return reader, lead, theme, project


# Following ---------------------------------------------------------------------------------------------

def test_following_twice_keeps_one_follow_and_unfollowing_says_whether_it_ended(db, world):
    reader, _, _, project = world
    first = follows.follow(reader, "project", project.id)
    assert follows.follow(reader, "project", project.id).id == first.id
    assert follows.is_following(reader, "project", project.id)
    assert follows.unfollow(reader, "project", project.id) is True
    assert follows.unfollow(reader, "project", project.id) is False
    assert not follows.is_following(reader, "project", project.id)


def test_only_what_one_may_see_can_be_followed(db, world, make_project):
    reader, lead, _, _ = world
    concept = make_project(lead=lead)  # a concept: its people and theme owners only
    with pytest.raises(follows.NotFollowable):
        follows.follow(reader, "project", concept.id)
    assert follows.follow(lead, "project", concept.id)
    for kind, ident in (("project", 999_999), ("gebruiker", reader.id)):
        with pytest.raises(follows.NotFollowable):
            follows.follow(reader, kind, ident)


def test_followed_list_leaves_out_what_the_user_can_no_longer_see(db, world, make_user):
    reader, lead, theme, project = world
    follows.follow(reader, "project", project.id)
    follows.follow(reader, "theme", theme.id)
    assert [f.description for f in follows.followed_by(reader)] == ["het project Slimme verlichting",
                                                                   "het thema Energie"]
    editing.soft_delete(project, make_user(is_admin=True))
    assert [f.kind for f in follows.followed_by(reader)] == ["theme"]


# Who is told ------------------------------------------------------------------------------------------

def test_a_change_by_someone_else_is_queued_for_the_follower_but_not_for_the_one_who_made_it(db, world):
    reader, lead, _, project = world
    follows.follow(reader, "project", project.id)
    follows.follow(lead, "project", project.id)
    edit(project, lead, goal="Minder energie")
    db.session.commit()
    [told] = pending(reader)
    assert told.revision.changes["goal"][1] == "Minder energie" and (told.via_type, told.via_id) == (
        "project", project.id)
    assert pending(lead) == []


def test_a_change_that_rolls_back_tells_nobody(db, world):
    reader, lead, _, project = world
    follows.follow(reader, "project", project.id)
    db.session.commit()
    edit(project, lead, goal="Nooit bewaard")
    db.session.rollback()
    assert pending(reader) == []


def test_followers_of_a_project_hear_of_its_new_lesson_but_not_of_every_edit_to_it(db, world, make_user):
    reader, lead, _, project = world
    follows.follow(reader, "project", project.id)
    lesson = new_lesson(lead, project=project)
    db.session.commit()
    assert [n.revision.action for n in pending(reader)] == ["aangemaakt"]
    edit(lesson, lead, context="Meer context")  # an edit of the lesson is news only for its own followers
    db.session.commit()
    assert len(pending(reader)) == 1
    follows.follow(make_user(), "lesson", lesson.id)
    edit(lesson, lead, context="Nog meer context")
    assert Notification.query.count() == 2


def test_one_change_reaches_a_follower_once_named_by_the_most_specific_follow(db, world):
    reader, lead, theme, project = world
    follows.follow(reader, "theme", theme.id)
    follows.follow(reader, "project", project.id)
    new_lesson(lead, project=project)
    db.session.commit()
    [told] = pending(reader)
    assert (told.via_type, told.via_id) == ("project", project.id)


def test_theme_followers_hear_of_new_and_reviewed_lessons_and_of_projects_starting(db, world, make_user):
    reader, lead, theme, _ = world
    owner = make_user()
    theme.owners.append(owner)
    follows.follow(reader, "theme", theme.id)
    lesson = new_lesson(lead, project=None)
    lesson.themes = [theme]
    db.session.commit()
    assert pending(reader) == []  # the lesson had no theme yet when it was logged
    lessons.review_lesson(lesson, owner, approve=True)
    db.session.commit()
    assert [n.revision.action for n in pending(reader)] == ["getoetst"]


def test_network_followers_hear_of_lessons_from_the_network(db, world, make_network):
    reader, lead, _, _ = world
    network = make_network(members=[dict(user=lead, since=date(2020, 1, 1))])
    follows.follow(reader, "network", network.id)
    new_lesson(lead, network=network)
    db.session.commit()
    assert [(n.via_type, n.revision.entity_type) for n in pending(reader)] == [("network", "lesson")]


# What is sent, and when -------------------------------------------------------------------------------

def followed_change(db, world, mode="direct"):
    reader, lead, _, project = world
    reader.notify_mode = mode
    follows.follow(reader, "project", project.id)
    edit(project, lead, goal="Minder energie", approach="Per wijk")
    db.session.commit()
    return reader


def test_a_direct_follower_gets_the_change_with_why_and_a_link(db, world):
    reader = followed_change(db, world)
    mails, unreadable = notifications.due(NOON_UTC)
    [mail] = mails
    [line] = mail.lines
    assert unreadable == [] and mail.user.id == reader.id and not mail.daily
    assert line.what == "Het project Slimme verlichting" and line.action.startswith("gewijzigd door Lars Leider op ")
    assert line.fields == ["doel", "aanpak"] and line.why == "u volgt het project Slimme verlichting"


@pytest.mark.parametrize("local_hour, due_now", [(6, False), (7, True)])
def test_a_daily_follower_gets_one_bundle_from_the_chosen_hour(db, world, local_hour, due_now):
    followed_change(db, world, mode="dagelijks")
    moment = datetime(2026, 11, 26, local_hour - 1, 0)  # UTC+1 in November
    assert bool(notifications.due(moment, daily_hour=7)[0]) is due_now


def test_a_daily_bundle_goes_out_once_a_day(db, world):
    reader = followed_change(db, world, mode="dagelijks")
    outbox = []
    notifications.send_due(outbox.extend, sender="kb@gemeente.example", base_url="https://kb.example",
                           secret_key=SECRET, now=NOON_UTC)
    assert len(outbox) == 1 and "dagoverzicht, 1 wijziging" in outbox[0]["Subject"]
    edit(world[3], world[1], goal="Nog minder")
    db.session.commit()
    notifications.send_due(outbox.extend, sender="kb@gemeente.example", base_url="https://kb.example",
                           secret_key=SECRET, now=NOON_UTC + timedelta(hours=3))
    assert len(outbox) == 1 and len(pending(reader)) == 1
    notifications.send_due(outbox.extend, sender="kb@gemeente.example", base_url="https://kb.example",
                           secret_key=SECRET, now=NOON_UTC + timedelta(days=1))
    assert len(outbox) == 2 and pending(reader) == []


def test_what_the_follower_can_no_longer_see_is_dropped_not_sent(db, world, make_user):
    reader = followed_change(db, world)
    editing.soft_delete(world[3], make_user(is_admin=True))
    db.session.commit()
    outbox = []
    result = notifications.send_due(outbox.extend, sender="kb@gemeente.example", base_url="https://kb.example",
                                    secret_key=SECRET, now=NOON_UTC)
    assert (result.sent, result.dropped, outbox) == (0, 2, [])
    assert pending(reader) == []


def test_former_colleagues_get_no_mail(db, world):
    reader = followed_change(db, world)
    reader.active = False
    db.session.commit()
    assert notifications.due(NOON_UTC) == ([], [])


def test_a_lesson_written_for_the_team_does_not_name_its_author_in_the_mail(db, world, make_user):
    reader, lead, _, project = world
    follows.follow(reader, "project", project.id)
    lesson = new_lesson(lead, project=project)
    lesson.on_behalf_of_team = True
    db.session.commit()
    [mail], _ = notifications.due(NOON_UTC)
    assert "door het projectteam" in mail.lines[0].action and "Lars" not in mail.lines[0].action


def test_the_mail_says_why_links_back_and_unfollows_in_one_click(db, world):
    reader = followed_change(db, world)
    [mail], _ = notifications.due(NOON_UTC)
    message = notifications.as_email(mail, sender="kb@gemeente.example", base_url="https://kb.example/",
                                     secret_key=SECRET)
    body = message.get_content()
    assert message["Subject"] == "kennisbank: Het project Slimme verlichting – gewijzigd"
    assert "Waarom u dit krijgt: u volgt het project Slimme verlichting." in body
    assert f"https://kb.example/projecten/{world[3].id}" in body and "Gewijzigd: doel, aanpak" in body
    link = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and link in body
    assert f"\nList-Unsubscribe: <{link}>\n" in message.as_bytes().decode("ascii")  # as sent: plain, never encoded
    token = link.rsplit("/", 1)[1]
    assert follows.read_token(SECRET, token, 60)[0].id == reader.id


def test_a_mail_about_several_follows_has_a_link_per_follow_and_no_single_unsubscribe_header(db, world, make_theme):
    reader, lead, theme, project = world
    other = make_theme(name="Mobiliteit")
    follows.follow(reader, "project", project.id)
    follows.follow(reader, "theme", other.id)
    edit(project, lead, goal="Een")
    edit(other, lead, description="Twee")
    db.session.commit()
    [mail], _ = notifications.due(NOON_UTC)
    message = notifications.as_email(mail, sender="kb@gemeente.example", base_url="https://kb.example",
                                     secret_key=SECRET)
    assert message["Subject"] == "kennisbank: 2 wijzigingen in wat u volgt" and message["List-Unsubscribe"] is None
    assert message.get_content().count("Niet meer volgen (zonder in te loggen): https://kb.example/volgen/afmelden/") == 2


def test_command_sends_through_a_real_smtp_server_and_marks_sent(app, db, runner, world):
    reader = followed_change(db, world)
    with smtp_server() as (port, received):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="kb@gemeente.example")
        result = runner.invoke(args=["kb", "notify"])
        again = runner.invoke(args=["kb", "notify"])
    assert result.exit_code == 0 and "1 e-mail verstuurd." in result.output, result.output
    assert "0 e-mails verstuurd." in again.output
    [envelope] = received
    assert envelope.rcpt_tos == ["rosa@gemeente.example"]
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Slimme verlichting" in parsed["Subject"] and pending(reader) == []


def test_an_unreachable_smtp_server_keeps_everything_for_the_next_run(app, db, runner, world):
    reader = followed_change(db, world)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    result = runner.invoke(args=["kb", "notify"])
    assert result.exit_code != 0 and "Niet alles is verstuurd" in result.output
    db.session.expire_all()
    assert len(pending(reader)) == 1


def test_without_smtp_the_mail_lands_in_the_outbox(app, db, runner, world, tmp_path):
    followed_change(db, world)
    assert runner.invoke(args=["kb", "notify"]).exit_code == 0
    [eml] = (tmp_path / "instance" / "outbox").glob("*.eml")
    assert "rosa@gemeente.example" in eml.name


def test_the_repeat_interval_has_a_floor(app, runner):
    result = runner.invoke(args=["kb", "notify", "--elke", "9"])
    assert result.exit_code != 0 and "9" in result.output


HOLD_LOCK = """
import sys, psycopg
connection = psycopg.connect(sys.argv[1], autocommit=True)
connection.execute("SELECT pg_advisory_lock(%s)", (int(sys.argv[2]),))
print("held", flush=True)
sys.stdin.read()
"""


TRY_LOCK = """
import sys, psycopg
connection = psycopg.connect(sys.argv[1], autocommit=True)
print(connection.execute("SELECT pg_try_advisory_lock(%s)", (int(sys.argv[2]),)).fetchone()[0])
"""


def test_on_postgresql_a_second_host_waits_its_turn_and_a_killed_run_frees_it(postgres_url, tmp_path):
    import signal
    import subprocess
    import sys

    app = make_app(tmp_path, postgres_url)
    with running(app):
        from kennisbank.extensions import db
        db.create_all()
        url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        with subprocess.Popen([sys.executable, "-c", HOLD_LOCK, url, str(notifications.LOCK_KEY)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as other_host:
            try:
                assert other_host.stdout.readline().strip() == "held"
                result = notifications.send_due(lambda messages: None, sender="kb@x", base_url="https://kb",
                                                secret_key=SECRET)
                assert result.busy and result.sent == 0
            finally:
                other_host.send_signal(signal.SIGKILL)
                other_host.wait(10)
        for _ in range(50):  # the server ends the killed process's session, and its lock with it
            if not notifications.send_due(lambda messages: None, sender="kb@x", base_url="https://kb",
                                          secret_key=SECRET).busy:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the lock of a killed run was never freed")
        # A run that ended lets go: another host (its own process) gets the lock at once.
        taken = subprocess.run([sys.executable, "-c", TRY_LOCK, url, str(notifications.LOCK_KEY)],
                               capture_output=True, text=True, timeout=30)
        assert taken.stdout.strip() == "True", taken.stderr


def test_each_mail_is_marked_sent_when_accepted_so_a_failure_midway_resends_only_the_rest(db, world, make_user):
    reader, lead, _, project = world
    other = make_user(email="otto@gemeente.example")
    for user in (reader, other):
        follows.follow(user, "project", project.id)
    edit(project, lead, goal="Minder energie")
    db.session.commit()
    accepted = []

    def deliver(messages):
        if accepted:
            raise OSError("verbinding verbroken")
        accepted.extend(messages)

    with pytest.raises(OSError):
        notifications.send_due(deliver, sender="kb@x", base_url="https://kb", secret_key=SECRET, now=NOON_UTC)
    db.session.rollback()
    first = accepted[0]["To"].addresses[0].addr_spec
    still = {n.user.email for n in Notification.query.filter_by(sent_at=None)}
    assert still == {"rosa@gemeente.example", "otto@gemeente.example"} - {first}


# The signed link --------------------------------------------------------------------------------------

def aged_token(secret, days, payload):
    class Aged(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - days * 86400
    return URLSafeTimedSerializer(secret, salt=follows.TOKEN_SALT, signer=Aged).dumps(payload)


def test_the_link_works_until_it_expires(db, world):
    reader, _, _, project = world
    payload = [reader.id, "project", project.id]
    assert follows.read_token(SECRET, aged_token(SECRET, 59, payload), 60)[1:] == ("project", project.id)
    with pytest.raises(follows.BadLink) as refused:
        follows.read_token(SECRET, aged_token(SECRET, 61, payload), 60)
    assert refused.value.message.startswith("Deze afmeldlink is verlopen (een link werkt 60 dagen).")


def test_a_link_that_was_altered_or_made_elsewhere_is_refused(db, world):
    reader, _, _, project = world
    token = follows.unfollow_token(SECRET, reader.id, "project", project.id)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
                follows.unfollow_token("another-secret", reader.id, "project", project.id), "onzin"):
        with pytest.raises(follows.BadLink) as refused:
            follows.read_token(SECRET, bad, 60)
        assert refused.value.message.startswith("Deze afmeldlink klopt niet")
    with pytest.raises(follows.BadLink, match="geen bestaand account"):
        follows.read_token(SECRET, follows.unfollow_token(SECRET, 999_999, "project", project.id), 60)


# Over HTTP --------------------------------------------------------------------------------------------

@pytest.fixture
def logged_in(client, auth, world):
    auth.login("rosa@gemeente.example")
    return world


@pytest.mark.parametrize("kind", ["project", "lesson", "theme", "network"])
def test_every_kind_of_page_has_a_follow_button_that_toggles(db, client, logged_in, make_network, make_lesson, kind):
    reader, lead, theme, project = logged_in
    thing = {"project": project, "theme": theme, "lesson": make_lesson(author=lead),
             "network": make_network()}[kind]
    page = follows.path(kind, thing)
    slug = follows.SLUGS[kind]
    assert f'action="/volgen/{slug}/{thing.id}"' in client.get(page).get_data(as_text=True)
    response = client.post(f"/volgen/{slug}/{thing.id}", data={"csrf_token": csrf_token(client, page)},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"U volgt nu {follows.describe(kind, thing)}. U krijgt meteen een e-mail" in html
    assert f'action="/volgen/{slug}/{thing.id}/stoppen"' in html
    assert Follow.query.filter_by(user_id=reader.id, item_type=kind, item_id=thing.id).count() == 1
    client.post(f"/volgen/{slug}/{thing.id}/stoppen", data={"csrf_token": csrf_token(client, page)})
    assert Follow.query.filter_by(user_id=reader.id).count() == 0


def test_following_what_one_may_not_see_answers_not_found(db, client, logged_in, make_project):
    concept = make_project(lead=logged_in[1])
    token = csrf_token(client, "/mijn/instellingen")
    assert client.post(f"/volgen/project/{concept.id}", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/volgen/gebruiker/{logged_in[0].id}", data={"csrf_token": token}).status_code == 404
    assert Follow.query.count() == 0


def test_settings_list_what_is_followed_and_save_the_mode(db, client, logged_in):
    reader, _, theme, project = logged_in
    follows.follow(reader, "theme", theme.id)
    db.session.commit()
    html = client.get("/mijn/instellingen").get_data(as_text=True)
    assert "Wat u volgt (1)" in html and f'<a class="item-title" href="/themas/{theme.slug}">Energie</a>' in html and '<input checked id="mode-0" name="mode" required type="radio" value="direct">' in html
    response = client.post("/mijn/instellingen", data={"csrf_token": csrf_token(client, "/mijn/instellingen"),
                                                       "mode": "dagelijks"}, follow_redirects=True)
    assert "Uw instelling is opgeslagen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert reader.notify_mode == "dagelijks"


@pytest.mark.parametrize("mode", ["", "wekelijks"])
def test_a_mode_that_does_not_exist_is_refused_in_dutch(db, client, logged_in, mode):
    response = client.post("/mijn/instellingen", data={"csrf_token": csrf_token(client, "/mijn/instellingen"),
                                                       "mode": mode})
    assert response.status_code == 400 and "Kies direct of dagelijks." in response.get_data(as_text=True)
    db.session.expire_all()
    assert logged_in[0].notify_mode == "direct"


def test_the_unfollow_link_works_without_logging_in_and_without_a_form_token(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url, WTF_CSRF_ENABLED=True)
    with running(app):
        from kennisbank.extensions import db
        from tests import factories
        db.create_all()
        reader = factories.UserFactory(db)()
        project = factories.ProjectFactory(db, factories.UserFactory(db))(status=ProjectStatus.STARTED)
        follows.follow(reader, "project", project.id)
        db.session.commit()
        path = "/volgen/afmelden/" + follows.unfollow_token(app.config["SECRET_KEY"], reader.id, "project", project.id)
        client = app.test_client()
        page = client.get(path)
        assert page.status_code == 200 and "Niet meer volgen" in page.get_data(as_text=True)
        assert follows.is_following(reader, "project", project.id)
        done = client.post(path)  # a mail program's one-click POST carries no form token
        assert done.status_code == 200 and f"U volgt het project {project.title} niet meer" in done.get_data(as_text=True)
        db.session.expire_all()
        assert not follows.is_following(reader, "project", project.id)
        bad = client.get(path[:-3] + "xyz")
        assert bad.status_code == 400 and "Deze afmeldlink klopt niet" in bad.get_data(as_text=True)



def test_notifications_are_kept_thirty_days(db, world):
    reader = followed_change(db, world)
    [kept] = pending(reader)
    edit(world[3], world[1], goal="Nog een keer")
    db.session.commit()
    old = [n for n in pending(reader) if n.id != kept.id][0]
    kept.created_at, old.created_at = NOON_UTC - timedelta(days=29), NOON_UTC - timedelta(days=31)
    reader.active = False  # never mailed: only the age decides
    db.session.commit()
    notifications.send_due(lambda messages: None, sender="kb@x", base_url="https://kb", secret_key=SECRET,
                           now=NOON_UTC)
    db.session.expire_all()
    assert [n.id for n in Notification.query] == [kept.id]


# Each rule at its edge (found by mutating the two modules) ----------------------------------------------

def test_a_follow_belongs_to_one_person_and_one_kind_of_item(db, world, make_user):
    reader, lead, theme, project = world
    assert theme.id == project.id  # the first of each: only the kind tells them apart
    other = make_user()
    follows.follow(reader, "project", project.id)
    follows.follow(reader, "theme", theme.id)
    follows.follow(other, "project", project.id)
    assert follows.follow(reader, "theme", theme.id).item_type == "theme"
    assert Follow.query.filter_by(user_id=reader.id).count() == 2
    assert not follows.is_following(lead, "project", project.id)
    assert not follows.is_following(reader, "network", project.id)
    assert follows.unfollow(reader, "project", project.id)
    assert follows.is_following(reader, "theme", theme.id) and follows.is_following(other, "project", project.id)


def test_a_follow_is_of_one_item(db, world, make_project):
    reader, lead, _, project = world
    second = make_project(lead=lead, status=ProjectStatus.STARTED)
    first = follows.follow(reader, "project", project.id)
    assert not follows.is_following(reader, "project", second.id)
    assert follows.follow(reader, "project", second.id).id != first.id
    assert follows.unfollow(reader, "project", second.id)
    assert follows.is_following(reader, "project", project.id)


def test_refusals_read_in_full(db, world):
    from .conftest import assert_refused

    reader, _, _, project = world
    assert_refused([
        (follows.NotFollowable, lambda: follows.follow(reader, "project", 999_999), "Dit item bestaat niet (meer).",
         None),
        (DomainError, lambda: follows.set_mode(reader, "wekelijks"), "Kies hoe u berichten wilt krijgen.",
         {"mode": "Kies direct of dagelijks."}),
        (follows.BadLink, lambda: follows.read_token(SECRET, "onzin", 60),
         "Deze afmeldlink klopt niet: misschien is hij niet helemaal gekopieerd. Log in en kies 'Niet meer volgen' "
         "op de pagina zelf, of op Mijn instellingen.", None),
        (follows.BadLink, lambda: follows.read_token(SECRET, aged_token(SECRET, 61, [reader.id, "project", 1]), 60),
         "Deze afmeldlink is verlopen (een link werkt 60 dagen). Log in en kies 'Niet meer volgen' op de pagina "
         "zelf, of op Mijn instellingen.", None),
        (follows.BadLink, lambda: follows.read_token(SECRET, follows.unfollow_token(SECRET, reader.id, "gebruiker", 1),
                                                      60), "Deze afmeldlink hoort bij geen bestaand account meer.", None),
    ])


def test_the_link_expires_to_the_second(db, world):
    reader = world[0]

    class JustOver(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 60 * 86400 - 30

    token = URLSafeTimedSerializer(SECRET, salt=follows.TOKEN_SALT, signer=JustOver).dumps([reader.id, "project", 1])
    with pytest.raises(follows.BadLink, match="verlopen"):
        follows.read_token(SECRET, token, 60)


def test_followers_of_a_lesson_hear_that_it_was_reviewed(db, world, make_user, make_theme):
    reader, lead, _, project = world
    owner, theme = make_user(), make_theme()
    theme.owners.append(owner)
    lesson = new_lesson(lead, project=project)
    lesson.themes = [theme]
    follows.follow(reader, "lesson", lesson.id)
    db.session.commit()
    lessons.review_lesson(lesson, owner, approve=True)
    db.session.commit()
    assert [(n.revision.action, n.via_type) for n in pending(reader)] == [("getoetst", "lesson")]


def test_a_theme_follower_never_hears_of_a_concept_they_may_not_see(db, world, make_user):
    from kennisbank.services.registry import projects

    reader, _, theme, _ = world
    follows.follow(reader, "theme", theme.id)
    other = make_user()
    projects.create_project(projects.ProjectInput(title="Geheim plan", question="Wat doen we stil?",
                                                  municipality="Utrecht", theme_ids=[theme.id]), other)
    db.session.commit()
    assert len(pending(reader)) == 1  # queued: visibility is decided when sending
    assert notifications.due(NOON_UTC) == ([], pending(reader))


def test_lines_come_in_the_order_of_the_changes_and_each_user_gets_their_own_mail(db, world, make_user):
    reader, lead, _, project = world
    waiting = make_user(notify_mode="dagelijks")  # not due before 7:00, and listed before `later`
    later = make_user()
    for user in (waiting, reader, later):
        follows.follow(user, "project", project.id)
    edit(project, lead, goal="Eerst")
    edit(project, lead, approach="Daarna")
    db.session.commit()
    early = datetime(2026, 11, 26, 5, 0)  # 6:00 in Amsterdam
    mails, _ = notifications.due(early)
    assert [mail.user.id for mail in mails] == [reader.id, later.id]
    assert [line.fields for line in mails[0].lines] == [["doel"], ["aanpak"]]
    two = notifications.as_email(mails[0], sender="kb@x.example", base_url="https://kb", secret_key=SECRET)
    assert two.get_content().startswith("Beste Rosa Lezer,\n\nDit is er veranderd in wat u volgt in kennisbank:")
    outbox = []
    result = notifications.send_due(outbox.extend, sender="kb@x.example", base_url="https://kb", secret_key=SECRET,
                                    daily_hour=5, now=early)  # 5:00 chosen: the daily one is due now too
    assert result.sent == 3 and len(outbox) == 3
    daily = next(m for m in outbox if m["To"].addresses[0].addr_spec == waiting.email)
    assert daily["Subject"] == "kennisbank: dagoverzicht, 2 wijzigingen in wat u volgt"


def test_a_later_daily_hour_holds_the_bundle(db, world):
    followed_change(db, world, mode="dagelijks")
    outbox = []
    notifications.send_due(outbox.extend, sender="kb@x.example", base_url="https://kb", secret_key=SECRET,
                           daily_hour=14, now=NOON_UTC)  # 13:00 in Amsterdam
    assert outbox == []


def test_notifications_exactly_thirty_days_old_are_kept(db, world):
    reader = followed_change(db, world)
    [one] = pending(reader)
    one.created_at = NOON_UTC - timedelta(days=30)
    reader.active = False
    db.session.commit()
    notifications.send_due(lambda messages: None, sender="kb@x", base_url="https://kb", secret_key=SECRET,
                           now=NOON_UTC)
    assert Notification.query.count() == 1


def test_the_whole_mail_for_one_change(db, world):
    followed_change(db, world)
    [mail], _ = notifications.due(NOON_UTC)
    message = notifications.as_email(mail, sender="kennisbank <kb@gemeente.example>", base_url="https://kb.example/",
                                     secret_key=SECRET)
    link = message["List-Unsubscribe"].strip("<>")
    assert message["From"] == "kennisbank <kb@gemeente.example>"
    assert message["To"] == "Rosa Lezer <rosa@gemeente.example>"
    assert message["Message-ID"].endswith("@gemeente.example>") and message["Date"]
    project = world[3]
    assert message.get_content() == (
        "Beste Rosa Lezer,\n\nEr is iets veranderd dat u volgt in kennisbank:\n\n"
        f"- Het project Slimme verlichting: {mail.lines[0].action}\n  Gewijzigd: doel, aanpak\n"
        f"  https://kb.example/projecten/{project.id}\n"
        "  Waarom u dit krijgt: u volgt het project Slimme verlichting.\n"
        f"  Niet meer volgen (zonder in te loggen): {link}\n\n"
        "Direct of één keer per dag? Kies het op https://kb.example/mijn/instellingen\n")
    assert re.search(r" op \d+ \w+ 20\d\d, \d\d:\d\d$", mail.lines[0].action)


def test_a_daily_mail_with_one_change_says_so_in_the_singular(db, world):
    followed_change(db, world, mode="dagelijks")
    [mail], _ = notifications.due(NOON_UTC)
    message = notifications.as_email(mail, sender="kb@x.example", base_url="https://kb", secret_key=SECRET)
    assert message["Subject"] == "kennisbank: dagoverzicht, 1 wijziging in wat u volgt"
    assert message.get_content().startswith("Beste Rosa Lezer,\n\nDit is er veranderd in wat u volgt in kennisbank:")


def test_the_daily_hour_is_dutch_time_whatever_the_servers_clock_says(db, world, monkeypatch):
    followed_change(db, world, mode="dagelijks")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert notifications.due(datetime(2026, 11, 26, 6, 0), daily_hour=7)[0]  # 7:00 in Amsterdam
        assert not notifications.due(datetime(2026, 11, 26, 5, 59), daily_hour=7)[0]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_change_without_a_person_and_an_attachment_read_plainly(db, world):
    from kennisbank.services.registry import attachments, revisions

    reader, lead, _, project = world
    follows.follow(reader, "project", project.id)
    revisions.record(project, "bijgewerkt uit de inhoud", None)  # a content load: nobody made it
    attachments.add("project", project, "evaluatie.txt", b"Evaluatie", lead)
    db.session.commit()
    [mail], _ = notifications.due(NOON_UTC)
    first, second = mail.lines
    assert first.action.startswith("bijgewerkt uit de inhoud op ") and " door " not in first.action
    assert second.fields == ["bijlage"]


def test_an_administrator_following_a_team_lesson_sees_who_wrote_it(db, world, make_user):
    _, lead, _, project = world
    admin = make_user(is_admin=True)
    follows.follow(admin, "project", project.id)
    lesson = new_lesson(lead, project=project)
    lesson.on_behalf_of_team = True
    db.session.commit()
    [mail], _ = notifications.due(NOON_UTC)
    assert "door Lars Leider" in mail.lines[0].action


def test_a_concept_leaves_the_list_of_someone_who_may_no_longer_see_it(db, world, make_user, make_project):
    """A theme owner follows a concept in their theme; once no longer its owner, its title must not show."""
    _, lead, theme, _ = world
    owner = make_user()
    theme.owners.append(owner)
    concept = make_project(title="Stil plan", lead=lead, themes=[theme])
    follows.follow(owner, "project", concept.id)
    assert [f.title for f in follows.followed_by(owner)] == ["Stil plan"]
    theme.owners.remove(owner)
    db.session.commit()
    assert follows.followed_by(owner) == []


def test_unfollowing_something_one_may_not_see_never_names_it(db, client, logged_in, make_project):
    concept = make_project(title="Geheim concept aan de kade", lead=logged_in[1])
    response = client.post(f"/volgen/project/{concept.id}/stoppen",
                           data={"csrf_token": csrf_token(client, "/mijn/instellingen")}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "U volgde dit item al niet meer." in html and "Geheim concept" not in html
