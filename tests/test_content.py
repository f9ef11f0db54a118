"""Loading content/: the demo data set is realistic, and loading twice changes nothing."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kennisbank.extensions import db as _db
from kennisbank.models import (Lesson, LessonKind, LessonUse, Membership, Network, Project, ProjectStatus, Revision,
                               Theme, User)
from kennisbank.services.content import loading

from .conftest import REPO, make_app, running

COUNTED = [Theme, User, Network, Membership, Project, Lesson, LessonUse, Revision]


def counts() -> dict:
    return {model.__name__: _db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def load(demo=True):
    report = loading.load_content(REPO / "content", demo=demo, demo_password="demo-wachtwoord")
    _db.session.commit()
    return report


def test_load_twice_changes_nothing(app, db):
    load()
    first = counts()
    assert first["Project"] > 0
    report = load()
    assert counts() == first
    assert report.created == {}


def test_load_does_not_overwrite_what_people_edited(app, db):
    load()
    project = db.session.scalar(select(Project).where(Project.content_key == "eindhoven-slimme-verlichting"))
    project.title = "Door een gebruiker aangepast"
    db.session.commit()
    load()
    assert db.session.get(Project, project.id).title == "Door een gebruiker aangepast"


def test_themes_only_without_demo(app, db):
    load(demo=False)
    assert counts()["Theme"] >= 8
    assert counts()["User"] == 0 and counts()["Project"] == 0


def test_starting_themes_have_a_description(app, db):
    load(demo=False)
    themes = db.session.scalars(select(Theme)).all()
    assert len(themes) >= 8
    assert all(len(theme.description) > 20 for theme in themes)


def test_a_theme_page_names_its_synthesis_once(app, db, client, auth, make_user):
    """The page heads the synthesis "Wat we weten"; the starting texts must not repeat that heading."""
    load(demo=False)
    auth.login(make_user().email)
    for theme in db.session.scalars(select(Theme)):
        html = client.get(f"/themas/{theme.slug}").get_data(as_text=True)
        assert html.count("Wat we weten") == 1, theme.slug


def test_demo_data_set_is_realistic(app, db):
    load()
    projects = db.session.scalars(select(Project)).all()
    lessons = db.session.scalars(select(Lesson)).all()
    assert len(projects) >= 12
    assert len({p.municipality_code for p in projects if p.municipality_code}) >= 5
    assert {p.status for p in projects} == set(ProjectStatus)
    assert len({p.stage for p in projects}) == 4
    assert len(lessons) >= 30
    assert sum(lesson.kind in (LessonKind.FAILURE, LessonKind.IMPROVEMENT) for lesson in lessons) >= 10
    assert all(lesson.context and lesson.advice for lesson in lessons)
    networks = db.session.scalars(select(Network)).all()
    assert len(networks) >= 6 and all(network.memberships for network in networks)
    assert any(m.personal_capacity for n in networks for m in n.memberships)


def test_demo_has_users_in_every_role(app, db):
    load()
    all_users = db.session.scalars(select(User)).all()
    admins = [u for u in all_users if u.is_admin]
    owners = {owner for theme in db.session.scalars(select(Theme)) for owner in theme.owners}
    leads = {p.lead for p in db.session.scalars(select(Project))}
    plain = [u for u in all_users if not u.is_admin and u not in owners and u not in leads and u.active]
    assert admins and owners and leads and plain
    assert any(not u.active for u in all_users), "an oud-medewerker shows how leaving works"


def test_demo_medewerker_follows_a_theme_and_loading_twice_keeps_one_follow(app, db):
    from kennisbank.services.access import users
    from kennisbank.services.notifying import follows

    load()
    load()
    noor = users.find_by_email("noor.bakker@amsterdam.example")
    assert [f.description for f in follows.followed_by(noor)] == ["het thema Energietransitie"]


def test_demo_shows_someone_about_to_leave(app, db):
    from datetime import date, timedelta

    from kennisbank.services.reporting import dashboard

    load()
    leavers = dashboard.leaving_soon()
    assert [(l.user.email, l.user.leaves_on) for l in leavers] == [
        ("sophie.vandijk@heerlen.example", date.today() + timedelta(days=30))]


def test_demo_started_projects_carry_their_voortoets(app, db):
    load()
    for project in db.session.scalars(select(Project)):
        if project.status != ProjectStatus.CONCEPT:
            assert project.prior_work_check is not None and project.prior_work_check.is_complete, project.title
        if project.status in (ProjectStatus.CLOSED, ProjectStatus.STOPPED):
            assert project.outcome, project.title
            assert any(lesson.is_failure_or_improvement for lesson in project.lessons) or project.closure_note, \
                project.title


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("bad_project, message", [
    ("---\ntitle: X\nlead: niemand@x.example\nquestion: Q\nstatus: concept\n---\n", "onbekende gebruiker"),
    ("---\ntitle: X\nlead: a@x.example\nquestion: Q\nstatus: concept\nmunicipality: Atlantis\n---\n",
     "geen Nederlandse gemeente"),
    ("---\ntitle: X\nlead: a@x.example\nquestion: Q\nstatus: klaar\n---\n", "geen geldige status"),
    ("---\ntitle: X\nlead: a@x.example\nstatus: concept\n---\n", "verplicht veld ontbreekt: question"),
    ("---\ntitle: X\nlead: a@x.example\nquestion: Q\nstatus: gestart\n---\n", "heeft een voortoets nodig"),
    ("---\ntitle: [unbalanced\n---\n", "ongeldige YAML"),
])
def test_bad_content_names_the_file_and_loads_nothing(tmp_path, bad_project, message):
    content_dir = tmp_path / "content"
    write(content_dir / "themes", "t.md", "---\nname: T\ndescription: Een thema voor de test.\n---\n")
    write(content_dir / "demo", "users.md", "---\nusers:\n  - {email: a@x.example, name: A}\n---\n")
    write(content_dir / "demo" / "projects", "kapot.md", bad_project)
    app = make_app(tmp_path, CONTENT_DIR=str(content_dir))
    runner = app.test_cli_runner()
    with running(app):
        _db.create_all()
        result = runner.invoke(args=["kb", "load-content", "--demo"])
        assert result.exit_code != 0
        assert "kapot.md" in result.output and message in result.output
        assert "Er is niets geladen." in result.output
        assert counts()["Theme"] == 0 and counts()["User"] == 0



def test_demo_accounts_are_marked_and_listed_for_the_administrator(app, db, client):
    load()
    demo = db.session.scalars(select(User).where(User.is_demo)).all()
    assert demo and len(demo) == counts()["User"]
    admin = next(u for u in demo if u.is_admin)
    from .conftest import AuthActions

    assert AuthActions(client).login(admin.email, "demo-wachtwoord").status_code == 302
    page = client.get("/beheer/").get_data(as_text=True)
    assert "Demo-accounts" in page and "gepubliceerde demowachtwoord" in page


def test_demo_data_is_refused_in_production_and_themes_still_load(tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from .conftest import make_app, running

    app = make_app(tmp_path, ENV_NAME="production", SECRET_KEY="p" * 40)
    with running(app):
        upgrade()
        refused = app.test_cli_runner().invoke(args=["kb", "load-content", "--demo"])
        assert refused.exit_code == 1
        assert "niet geladen in productie" in refused.output
        assert _db.session.scalar(select(func.count()).select_from(User)) == 0
        themes_only = app.test_cli_runner().invoke(args=["kb", "load-content"])
        assert themes_only.exit_code == 0, themes_only.output
        assert _db.session.scalar(select(func.count()).select_from(Theme)) >= 8


def test_a_broken_vocabulary_file_names_file_and_line_and_loads_nothing(app, db, tmp_path):
    import shutil

    from kennisbank.models import Theme, VocabularyEntry

    shutil.copytree(REPO / "content" / "themes", tmp_path / "themes")
    (tmp_path / "synoniemen").mkdir()
    (tmp_path / "synoniemen" / "a.md").write_text("---\ntitel: A\n---\n- AVG; privacy | bron: AVG\n")
    (tmp_path / "synoniemen" / "b.md").write_text("Uitleg.\n\n- persoonsgegevens; privacy | bron: AVG\n")
    with pytest.raises(loading.ContentError) as refused:
        loading.load_content(tmp_path, demo=False, demo_password="x")
    db.session.rollback()
    assert str(refused.value).startswith("b.md, regel 3: 'privacy' staat ook in a.md, regel 4.")
    assert db.session.scalar(select(func.count(VocabularyEntry.id))) == 0
    assert db.session.scalar(select(func.count(Theme.id))) == 0  # the caller rolls back: nothing half-loaded
    (tmp_path / "synoniemen" / "b.md").write_text("- persoonsgegevens; gegevens | bron: AVG\n")
    report = loading.load_content(tmp_path, demo=False, demo_password="x")
    assert report.created["woordgroepen"] == 2
