"""The weekly digest: who gets what and why (service level), and the command against a real local SMTP
server (aiosmtpd) and in outbox mode."""
import email
from datetime import date, timedelta
from email import policy

import pytest

from kennisbank.models import LessonKind, ProjectStatus, ReviewState
from kennisbank.services.reporting import digest

from .local_servers import free_port, smtp_server


@pytest.fixture
def owner_with_work(db, make_user, make_theme, make_lesson):
    owner = make_user(email="eigenaar@gemeente.example", name="Thea Eigenaar")
    theme = make_theme(slug="energie", name="Energie")
    theme.owners.append(owner)
    db.session.commit()
    make_lesson(title="Warmtenet te laat aanbesteed", themes=[theme], kind=LessonKind.FAILURE)
    return owner


def items_of(user):
    return next((d.items for d in digest.build_digests() if d.user.id == user.id), [])


def test_theme_owner_is_told_which_lessons_wait_and_why(db, owner_with_work):
    items = items_of(owner_with_work)
    assert [i.text.split(" (")[0] for i in items] == ["Les wacht op toetsing: Warmtenet te laat aanbesteed"]
    assert items[0].why == "U bent eigenaar van het thema Energie." and items[0].path.startswith("/lessen/")


def test_project_lead_is_told_what_the_projects_need(db, make_user, make_project, make_lesson):
    lead = make_user()
    make_project(title="Nog een concept", lead=lead)
    make_project(title="Over tijd", lead=lead, status=ProjectStatus.STARTED,
                 start_date=date.today() - timedelta(days=400), end_date=date.today() - timedelta(days=5))
    make_project(title="Loopt nog", lead=lead, status=ProjectStatus.STARTED, end_date=date.today() + timedelta(days=50))
    make_lesson(author=lead, title="Teruggestuurd", review_state=ReviewState.UNREVIEWED,
                review_remark="Voeg de context toe.")
    texts = [i.text for i in items_of(lead)]
    assert any(t.startswith("Concept wacht op de voortoets: Nog een concept") for t in texts)
    assert any(t.startswith("Einddatum verstreken: sluit Over tijd af") for t in texts)
    assert not any("Loopt nog" in t for t in texts)
    assert "Les teruggestuurd: Teruggestuurd – Voeg de context toe." in texts
    assert all(i.why for i in items_of(lead))


def test_nobody_gets_an_empty_or_a_former_colleagues_mail(db, make_user, make_project):
    idle = make_user()
    gone = make_user(active=False)
    make_project(lead=gone)
    people = {d.user.id for d in digest.build_digests()}
    assert idle.id not in people and gone.id not in people


def test_email_says_why_and_links_back(db, owner_with_work):
    mail = digest.as_email(digest.build_digests()[0], sender="kb@gemeente.example",
                           base_url="https://kennisbank.gemeente.example/")
    body = mail.get_content()
    assert mail["Subject"] == "kennisbank: 1 punt wacht op u"
    assert mail["Message-ID"].endswith("@gemeente.example>") and mail["Date"]
    assert "Waarom u dit krijgt: U bent eigenaar van het thema Energie." in body
    assert "https://kennisbank.gemeente.example/lessen/" in body


def test_command_writes_eml_files_to_the_outbox_without_smtp(app, db, runner, owner_with_work, tmp_path):
    result = runner.invoke(args=["kb", "digest"])
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(files) == 1 and "eigenaar@gemeente.example" in files[0].name
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"].addresses[0].addr_spec == "eigenaar@gemeente.example"
    assert "Warmtenet te laat aanbesteed" in parsed.get_content()


def test_dry_run_sends_nothing(app, db, runner, owner_with_work, tmp_path):
    result = runner.invoke(args=["kb", "digest", "--dry-run"])
    assert "eigenaar@gemeente.example: 1 punt\n" in result.output and "Niets verstuurd." in result.output
    assert not (tmp_path / "instance" / "outbox").exists()


def test_command_delivers_through_a_real_smtp_server(app, db, runner, owner_with_work):
    with smtp_server() as (port, received):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="kb@gemeente.example")
        result = runner.invoke(args=["kb", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 e-mails afgeleverd bij SMTP-server 127.0.0.1" in result.output
    [envelope] = received
    assert envelope.rcpt_tos == ["eigenaar@gemeente.example"] and envelope.mail_from == "kb@gemeente.example"
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Waarom u dit krijgt" in parsed.get_content()


def test_unreachable_smtp_server_gives_a_dutch_error(app, db, runner, owner_with_work):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    result = runner.invoke(args=["kb", "digest"])
    assert result.exit_code != 0 and "De e-mails zijn niet verstuurd" in result.output
