"""The role matrix: every route × every role, over HTTP. CSRF is off here (tested in test_auth.py), so
each case checks only who may see and do what."""
from datetime import date
from typing import NamedTuple

import pytest

from kennisbank.extensions import db as _db
from kennisbank.models import LessonKind, MembershipRole, ProjectStatus

from . import factories
from .conftest import PASSWORD, make_app, running

ROLES = ["anonymous", "medewerker", "lead", "owner", "other_owner", "admin"]
OK, REDIRECT, FORBIDDEN, HIDDEN, LOGIN = 200, 302, 403, 404, "login"


class Refused(NamedTuple):
    """Let past the permission check, then refused by a rule of the domain: the user reads `told`."""
    status: int
    told: str


NOT_SET_UP = Refused(404, "Inloggen via uw organisatie is hier niet ingesteld.")


def expect(anonymous=LOGIN, medewerker=OK, lead=OK, owner=OK, other_owner=OK, admin=OK):
    return dict(anonymous=anonymous, medewerker=medewerker, lead=lead, owner=owner, other_owner=other_owner,
                admin=admin)


# The voortoets of a concept: its lead (and administrators) act; theme owners see it; others not at all.
VOORTOETS_LEAD = expect(medewerker=HIDDEN, other_owner=HIDDEN, owner=FORBIDDEN, lead=REDIRECT, admin=REDIRECT)
ONLY_ADMIN = expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=FORBIDDEN, other_owner=FORBIDDEN)
LEAD_OWNER_ADMIN = expect(medewerker=FORBIDDEN, other_owner=FORBIDDEN)
OWNER_ADMIN = expect(medewerker=FORBIDDEN, lead=FORBIDDEN, other_owner=FORBIDDEN)

# (method, url template, endpoint, expected per role). {p}=started project, {c}=concept, {l}=lesson,
# {n}=network slug, {t}=theme slug, {u}=a user id, {m}=membership id of the medewerker, {f}=the medewerker's
# unfollow link for {p}.
MATRIX = [
    ("GET", "/", "core.home", expect()),
    ("GET", "/mijn", "core.mine", expect()),
    ("GET", "/projecten/", "projects.index", expect()),
    ("GET", "/projecten/nieuw", "projects.new", expect()),
    ("GET", "/projecten/{p}", "projects.detail", expect()),
    ("GET", "/projecten/{c}", "projects.detail", expect(medewerker=HIDDEN, other_owner=HIDDEN)),
    ("GET", "/projecten/{p}/bewerken", "projects.edit", LEAD_OWNER_ADMIN),
    ("POST", "/projecten/{p}/verwijderen", "projects.delete", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("POST", "/projecten/{p}/herstellen", "projects.restore", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("GET", "/projecten/vergelijkbaar?titel=Slimme+verlichting", "projects.similar_panel", expect()),
    ("GET", "/projecten/{c}/voortoets", "projects.voortoets", expect(medewerker=HIDDEN, other_owner=HIDDEN)),
    ("POST", "/projecten/{c}/voortoets/vernieuwen", "projects.refresh", VOORTOETS_LEAD),
    ("POST", "/projecten/{c}/voortoets/oordeel/{s}", "projects.verdict", VOORTOETS_LEAD),
    ("POST", "/projecten/{c}/voortoets/zoeken", "projects.own_search",
     expect(medewerker=HIDDEN, other_owner=HIDDEN)),
    ("POST", "/projecten/{c}/voortoets/toevoegen", "projects.add",
     expect(medewerker=HIDDEN, other_owner=HIDDEN, lead=REDIRECT, owner=REDIRECT, admin=REDIRECT)),
    # Refused here (suggestions without a verdict): the page again with the reasons and the text (400).
    ("POST", "/projecten/{c}/voortoets/afronden", "projects.complete", dict(VOORTOETS_LEAD, lead=400, admin=400)),
    # Both may start it, but not before the voortoets is done (one suggestion is still open here).
    ("POST", "/projecten/{c}/starten", "projects.start",
     dict(VOORTOETS_LEAD, lead=Refused(302, "Het project kan nog niet starten"),
          admin=Refused(302, "Het project kan nog niet starten"))),
    ("POST", "/projecten/{c}/starten-zonder-voortoets", "projects.override",
     expect(medewerker=HIDDEN, other_owner=HIDDEN, lead=FORBIDDEN, owner=FORBIDDEN, admin=REDIRECT)),
    ("GET", "/projecten/{p}/afsluiten", "projects.close", expect(medewerker=FORBIDDEN, owner=FORBIDDEN,
                                                                   other_owner=FORBIDDEN)),
    ("GET", "/projecten/{p}/lessenrapport", "projects.report", expect()),
    ("GET", "/projecten/{c}/lessenrapport", "projects.report", expect(medewerker=HIDDEN, other_owner=HIDDEN)),
    ("GET", "/projecten/{p}/lessenrapport.xlsx", "projects.report_sheet", expect()),
    ("GET", "/projecten/{c}/lessenrapport.xlsx", "projects.report_sheet",
     expect(medewerker=HIDDEN, other_owner=HIDDEN)),
    ("GET", "/lessen/", "lessons.index", expect()),
    ("GET", "/lessen/nieuw", "lessons.new", expect()),
    ("GET", "/lessen/nieuw?project={p}", "lessons.new", LEAD_OWNER_ADMIN),
    ("GET", "/lessen/{l}", "lessons.detail", expect()),
    ("GET", "/lessen/{l}/bewerken", "lessons.edit", LEAD_OWNER_ADMIN),
    ("POST", "/lessen/{l}/toetsen", "lessons.review", dict(OWNER_ADMIN, owner=REDIRECT, admin=REDIRECT)),
    ("POST", "/lessen/{l}/archiveren", "lessons.archive", dict(OWNER_ADMIN, owner=REDIRECT, admin=REDIRECT)),
    ("POST", "/lessen/{l}/verwijderen", "lessons.delete", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("POST", "/lessen/{l}/herstellen", "lessons.restore", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("GET", "/themas/", "themes.index", expect()),
    ("GET", "/themas/{t}", "themes.detail", expect()),
    ("GET", "/themas/{t}/bewerken", "themes.edit", OWNER_ADMIN),
    ("GET", "/themas/nieuw", "themes.new", ONLY_ADMIN),
    ("POST", "/themas/{t}/eigenaren", "themes.owners", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("GET", "/netwerken/", "networks.index", expect()),
    ("GET", "/netwerken/{n}", "networks.detail", expect()),
    ("GET", "/netwerken/nieuw", "networks.new", expect(medewerker=FORBIDDEN, lead=FORBIDDEN)),
    ("GET", "/netwerken/{n}/bewerken", "networks.edit", OWNER_ADMIN),
    # Already a member: refused on the page, with what was filled in (400).
    ("POST", "/netwerken/{n}/leden", "networks.add_member",
     expect(medewerker=Refused(400, "is al lid van"), lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    # Joining as trekker takes over the network: only its theme owners, trekkers and administrators.
    ("POST", "/netwerken/{n}/leden", "networks.add_member",
     expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=REDIRECT, other_owner=FORBIDDEN, admin=REDIRECT),
     {"role": "trekker"}),
    ("POST", "/netwerken/{n}/leden/{m}/beeindigen", "networks.end_member",
     expect(medewerker=REDIRECT, lead=FORBIDDEN, owner=REDIRECT, other_owner=FORBIDDEN, admin=REDIRECT)),
    ("POST", "/netwerken/{n}/verwijderen", "networks.delete", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("POST", "/netwerken/{n}/herstellen", "networks.restore", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("GET", "/mensen/?q=a", "people.index", expect()),
    ("GET", "/mensen/{u}", "people.detail", expect()),
    ("GET", "/beheer/", "admin.index", ONLY_ADMIN),
    ("GET", "/beheer/gebruikers/{u}/deactiveren", "admin.deactivate", ONLY_ADMIN),
    ("POST", "/beheer/gebruikers/{u}/vertrekdatum", "admin.departure", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("POST", "/beheer/gebruikers/{u}/heractiveren", "admin.reactivate", dict(ONLY_ADMIN, admin=REDIRECT)),
    ("GET", "/beheer/tokens", "admin.tokens", ONLY_ADMIN),
    ("GET", "/beheer/audit", "admin.audit_log", ONLY_ADMIN),
    # Administrators and theme owners import (a theme owner's own runs only; "i" is the administrator's).
    ("GET", "/import/", "imports.start", expect(medewerker=FORBIDDEN, lead=FORBIDDEN)),
    # No file: the form comes back with a Dutch message (400).
    ("POST", "/import/", "imports.start", expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=400, other_owner=400,
                                                 admin=400)),
    ("GET", "/import/{i}", "imports.report", expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=HIDDEN,
                                                    other_owner=HIDDEN)),
    ("POST", "/import/{i}/kolommen", "imports.columns_chosen",
     expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=HIDDEN, other_owner=HIDDEN, admin=REDIRECT)),
    ("POST", "/import/{i}/uitvoeren", "imports.execute",
     expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=HIDDEN, other_owner=HIDDEN, admin=REDIRECT)),
    ("GET", "/import/{i}/geweigerd.csv", "imports.refused", expect(medewerker=FORBIDDEN, lead=FORBIDDEN,
                                                                   owner=HIDDEN, other_owner=HIDDEN)),
    ("GET", "/import/sjabloon.xlsx", "imports.template_download", expect(medewerker=FORBIDDEN, lead=FORBIDDEN)),
    ("GET", "/beheer/export.xlsx", "admin.export_everything", ONLY_ADMIN),
    ("GET", "/beheer/export.zip", "admin.export_archive", ONLY_ADMIN),
    ("GET", "/beheer/audit.csv", "admin.audit_export", ONLY_ADMIN),
    ("POST", "/beheer/tokens/{k}/intrekken", "admin.revoke_token", dict(ONLY_ADMIN, admin=REDIRECT)),
    # Attachments follow their item: editors add and remove (no file sent here: a flash and back), all see.
    ("POST", "/bijlagen/project/{p}", "attachments.upload", dict(LEAD_OWNER_ADMIN, **dict.fromkeys(
        ("lead", "owner", "admin"), Refused(302, "Kies een bestand om toe te voegen.")))),
    ("GET", "/bijlagen/{a}/verslag.txt", "attachments.download", expect()),
    ("POST", "/bijlagen/{a}/verwijderen", "attachments.remove", dict(LEAD_OWNER_ADMIN, lead=REDIRECT, owner=REDIRECT,
                                                                    admin=REDIRECT)),
    # Everyone follows what they may see (a concept only its people and theme owners) and keeps their settings.
    ("GET", "/mijn/instellingen", "follows.settings", expect()),
    ("POST", "/mijn/instellingen", "follows.settings", expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT), {"mode": "dagelijks"}),
    ("POST", "/volgen/project/{p}", "follows.follow", expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    ("POST", "/volgen/project/{c}", "follows.follow",
     expect(medewerker=HIDDEN, other_owner=HIDDEN, lead=REDIRECT, owner=REDIRECT, admin=REDIRECT)),
    ("POST", "/volgen/project/{p}/stoppen", "follows.unfollow", expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    # The signed link in a mail works for anyone holding it, logged in or not.
    ("GET", "/volgen/afmelden/{f}", "follows.unfollow_link", expect(anonymous=OK)),
    ("POST", "/volgen/afmelden/{f}", "follows.unfollow_link", expect(anonymous=OK)),
    ("GET", "/zoeken?q=verlichting", "searching.results", expect()),
    # The search vocabulary: everyone reads it, theme owners and administrators keep it.
    ("GET", "/woordenlijst", "searching.vocabulary_list", expect()),
    ("GET", "/woordenlijst/nieuw", "searching.vocabulary_new", expect(medewerker=FORBIDDEN, lead=FORBIDDEN)),
    ("GET", "/woordenlijst/{v}/bewerken", "searching.vocabulary_edit", expect(medewerker=FORBIDDEN, lead=FORBIDDEN)),
    ("POST", "/woordenlijst/{v}/verwijderen", "searching.vocabulary_remove",
     expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    ("GET", "/api/v1/zoeken?q=verlichting", "api.search", expect(anonymous=401)),
    ("GET", "/help/", "help.index", expect(anonymous=OK)),
    ("GET", "/healthz", "ops.healthz", expect(anonymous=OK)),
    # Only for a scraper with the metrics token (none is configured here): no role opens it.
    ("GET", "/metrics", "ops.prometheus", expect(anonymous=401, medewerker=401, lead=401, owner=401,
                                                 other_owner=401, admin=401)),
    # Open to the orchestrator without login; here the tables come from create_all, not from the
    # migrations, so every role hears "not ready" (tests/test_ops.py checks the ready case).
    ("GET", "/readyz", "ops.readyz", expect(anonymous=503, medewerker=503, lead=503, owner=503, other_owner=503,
                                            admin=503)),
    ("GET", "/help/voortoets", "help.page", expect(anonymous=OK)),
    ("GET", "/inloggen", "auth.login", expect(anonymous=OK)),
    ("POST", "/uitloggen", "auth.logout", expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT,
                                                  other_owner=REDIRECT, admin=REDIRECT)),
    ("GET", "/sessies", "auth.my_sessions", expect()),
    ("POST", "/sessies/overal-uitloggen", "auth.logout_everywhere",
     expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    # Everyone keeps their own phone number (none sent here: removed, back to the page).
    ("POST", "/sessies/telefoon", "auth.set_phone",
     expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
    # Everyone may change their own password; this form data has a wrong current password: 400.
    ("POST", "/sessies/wachtwoord", "auth.change_password",
     expect(medewerker=400, lead=400, owner=400, other_owner=400, admin=400), {"current": "fout", "new": "x" * 12}),
    # No identity provider configured here: the organisation login does not exist (tests/test_oidc.py).
    ("GET", "/inloggen/organisatie", "auth.oidc_start", expect(*[NOT_SET_UP] * 6)),
    ("GET", "/inloggen/organisatie/terug", "auth.oidc_callback", expect(*[NOT_SET_UP] * 6)),
]
MATRIX = [row if len(row) == 5 else (*row, {}) for row in MATRIX]


# Every POST gets these fields; each route reads the ones it needs.
FORM_DATA = {"remark": "Graag aanvullen.", "oordeel": "relevant", "zoekvraag": "verlichting", "soort": "lesson",
             "conclusie": "Een conclusie die lang genoeg is om te worden geaccepteerd.",
             "reden": "Een reden die lang genoeg is voor de beheerder."}


def build_world():
    users = factories.UserFactory(_db)
    people = {"medewerker": users(email="medewerker@x.example"), "lead": users(email="lead@x.example"),
              "owner": users(email="owner@x.example"), "other_owner": users(email="other@x.example"),
              "admin": users(email="admin@x.example", is_admin=True)}
    theme = factories.ThemeFactory(_db)(owners=[people["owner"]])
    factories.ThemeFactory(_db)(owners=[people["other_owner"]])
    projects = factories.ProjectFactory(_db, users)
    started = projects(lead=people["lead"], themes=[theme], status=ProjectStatus.STARTED)
    concept = projects(lead=people["lead"], themes=[theme])
    lesson = factories.LessonFactory(_db, users)(author=people["lead"], project=started, themes=[theme],
                                                 kind=LessonKind.FAILURE)
    network = factories.NetworkFactory(_db)(themes=[theme], members=[
        {"user": people["medewerker"], "role": MembershipRole.MEMBER, "since": date(2020, 1, 1)}])
    from kennisbank.models import PriorWorkCheck, PriorWorkSuggestion
    from kennisbank.services.access import api_tokens

    token, _ = api_tokens.create_token("t", people["admin"], by=people["admin"])
    from kennisbank.services.importing import run as importing
    from kennisbank.services.registry import attachments

    attachment = attachments.add("project", started, "verslag.txt", b"Verslag van de pilot", people["lead"])
    import_run = importing.start("projecten", "p.csv", b"Titel;Vraag;Gemeente\nProef;Vraag?;Utrecht\n", people["admin"])
    basis, lesson_id = f"{concept.title}\n{concept.question}", lesson.id  # load before building the check
    check = PriorWorkCheck(basis_text=basis)
    _db.session.add(check)
    check.project = concept
    check.suggestions.append(PriorWorkSuggestion(item_type="lesson", item_id=lesson_id, rank=1))
    _db.session.flush()
    suggestion = check.suggestions[0]
    from kennisbank.models import VocabularyEntry

    entry = VocabularyEntry(terms="AVG; privacy", source="AVG")
    _db.session.add(entry)
    _db.session.commit()
    from flask import current_app

    from kennisbank.services.notifying import follows

    link = follows.unfollow_token(current_app.config["SECRET_KEY"], people["medewerker"].id, "project", started.id)
    return people, {"f": link, "v": entry.id, "a": attachment.id, "i": import_run.id, "k": token.id, "s": suggestion.id, "p": started.id, "c": concept.id, "l": lesson.id, "n": network.slug, "t": theme.slug,
                    "u": people["medewerker"].id, "m": network.memberships[0].id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, endpoint, expected, data", MATRIX,
                         ids=[f"{m} {t}{' ' + str(d) if d else ''}" for m, t, _, _, d in MATRIX])
def test_route_by_role(tmp_path, any_database_url, method, template, endpoint, expected, data, role):
    app = make_app(tmp_path, any_database_url, WTF_CSRF_ENABLED=False)
    with running(app):
        _db.create_all()
        people, ids = build_world()
        client = app.test_client()
        if role != "anonymous":
            assert client.post("/inloggen", data={"email": people[role].email, "password": PASSWORD}).status_code \
                == 302
        url = template.format(**ids)
        response = client.open(url, method=method, data=FORM_DATA | {"id": str(ids["l"])} | data)
        want = expected[role]
        if want == LOGIN:
            assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
            return
        told = what_the_user_is_told(client, response)
        if isinstance(want, Refused) and want.status == 400:  # refused on the form itself, input kept
            told = response.get_data(as_text=True)
        if isinstance(want, Refused):
            assert response.status_code == want.status and want.told in told, f"{role} {method} {url}: {told}"
        else:
            assert response.status_code == want, f"{role} {method} {url}"
            assert told in (TOLD.get(want), "not a page"), f"{role} {method} {url}: {told}"


# What a user reads after each kind of answer: a refusal shows its page or flashes an error, so a redirect
# only counts as "allowed" when no refusal was flashed on the way.
TOLD = {OK: "allowed", 400: "allowed", REDIRECT: "allowed", FORBIDDEN: "Geen toegang", HIDDEN: "Pagina niet gevonden"}



def what_the_user_is_told(client, response) -> str:
    """For pages and redirects; files, feeds and the API answer machines, which read the status code."""
    if response.status_code != 302 and response.mimetype != "text/html":
        return "not a page"
    body = response.get_data(as_text=True)
    for title in ("Geen toegang", "Pagina niet gevonden"):
        if f"<h1>{title}</h1>" in body:
            return title
    if NOT_SET_UP.told in body:
        return NOT_SET_UP.told
    with client.session_transaction() as session:
        refused = [message for category, message in session.get("_flashes", []) if category == "error"]
    return f"refused: {refused}" if refused else "allowed"


def test_every_route_is_in_the_matrix(app):
    covered = {endpoint for _, _, endpoint, _, _ in MATRIX}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - covered == set()


# The same rules at the service level: every function, every kind of person, every state of the item -----

def test_every_rule_for_every_kind_of_person(db, make_user, make_theme, make_project, make_lesson, make_network):
    from datetime import timedelta

    from flask_login import AnonymousUserMixin

    from kennisbank.services.access import permissions as can

    people = {"anonymous": AnonymousUserMixin(), "nobody": None, "gone": make_user(active=False),
              "gone_admin": make_user(active=False, is_admin=True), "stranger": make_user(), "lead": make_user(),
              "member": make_user(), "owner": make_user(), "trekker": make_user(), "former": make_user(),
              "admin": make_user(is_admin=True), "old_owner": make_user()}
    p = people
    theme = make_theme(owners=[p["owner"]])
    deleted_theme = make_theme(owners=[p["old_owner"]], deleted_at=date(2026, 1, 1))
    make_theme(owners=[p["gone"]])  # an inactive owner may do nothing with it
    concept = make_project(lead=p["lead"], team=[p["member"]], themes=[theme])
    started = make_project(lead=p["lead"], team=[p["member"]], themes=[theme], status=ProjectStatus.STARTED)
    deleted = make_project(lead=p["lead"], team=[p["member"]], themes=[theme], status=ProjectStatus.STARTED,
                           deleted_at=date(2026, 1, 1))
    on_concept = make_lesson(author=p["member"], project=concept, themes=[theme])
    on_started = make_lesson(author=p["member"], project=started, themes=[theme])
    team_lesson = make_lesson(author=p["member"], project=started, themes=[theme], on_behalf_of_team=True)
    gone_lesson = make_lesson(author=p["member"], project=started, themes=[theme], deleted_at=date(2026, 1, 1))
    loose = make_lesson(author=p["member"], themes=[theme])
    today = date.today()
    network = make_network(themes=[theme], members=[
        {"user": p["trekker"], "role": MembershipRole.LEAD, "since": today},
        {"user": p["former"], "role": MembershipRole.LEAD, "since": date(2020, 1, 1), "until": today - timedelta(1)},
        {"user": p["member"], "role": MembershipRole.MEMBER, "since": date(2020, 1, 1), "until": today},
        {"user": p["stranger"], "role": MembershipRole.MEMBER, "since": today + timedelta(1)}])
    closed_network = make_network(themes=[theme], deleted_at=date(2026, 1, 1),
                                  members=[{"user": p["member"], "role": MembershipRole.LEAD, "since": today}])
    membership = next(m for m in network.memberships if m.user_id == p["member"].id)
    checks = {
        "is_admin": lambda u: can.is_admin(u),
        "create project": lambda u: can.can_create_project(u),
        "works on": lambda u: can.works_on(u, started),
        "view concept": lambda u: can.can_view_project(u, concept),
        "view started": lambda u: can.can_view_project(u, started),
        "view deleted": lambda u: can.can_view_project(u, deleted),
        "view item concept": lambda u: can.can_view_item(u, "project", concept),
        "view item lesson on concept": lambda u: can.can_view_item(u, "lesson", on_concept),
        "view item network": lambda u: can.can_view_item(u, "network", network),
        "view item deleted network": lambda u: can.can_view_item(u, "network", closed_network),
        "view item person": lambda u: can.can_view_item(u, "person", p["lead"]),
        "edit started": lambda u: can.can_edit_project(u, started),
        "edit deleted": lambda u: can.can_edit_project(u, deleted),
        "close started": lambda u: can.can_close_project(u, started),
        "close deleted": lambda u: can.can_close_project(u, deleted),
        "view lesson on concept": lambda u: can.can_view_lesson(u, on_concept),
        "view lesson on started": lambda u: can.can_view_lesson(u, on_started),
        "view deleted lesson": lambda u: can.can_view_lesson(u, gone_lesson),
        "see author": lambda u: can.can_see_author(u, on_started),
        "see team author": lambda u: can.can_see_author(u, team_lesson),
        "log on started": lambda u: can.can_log_lesson_on(u, project=started),
        "log on deleted": lambda u: can.can_log_lesson_on(u, project=deleted),
        "log from network": lambda u: can.can_log_lesson_on(u, network=network),
        "log from closed network": lambda u: can.can_log_lesson_on(u, network=closed_network),
        "log loose": lambda u: can.can_log_lesson_on(u),
        "edit lesson": lambda u: can.can_edit_lesson(u, loose),
        "edit deleted lesson": lambda u: can.can_edit_lesson(u, gone_lesson),
        "review lesson": lambda u: can.can_review_lesson(u, loose),
        "review deleted lesson": lambda u: can.can_review_lesson(u, gone_lesson),
        "edit theme": lambda u: can.can_edit_theme(u, theme),
        "edit deleted theme": lambda u: can.can_edit_theme(u, deleted_theme),
        "manage themes": lambda u: can.can_manage_themes(u),
        "create network": lambda u: can.can_create_network(u),
        "edit network": lambda u: can.can_edit_network(u, network),
        "edit closed network": lambda u: can.can_edit_network(u, closed_network),
        "appoint trekker": lambda u: can.can_appoint_trekker(u, network),
        "end membership": lambda u: can.can_end_membership(u, membership),
        "delete": lambda u: can.can_delete(u),
        "import": lambda u: can.can_import(u),
        "edit vocabulary": lambda u: can.can_edit_vocabulary(u),
        "administer": lambda u: can.can_administer(u),
    }
    active = {"stranger", "lead", "member", "owner", "trekker", "former", "admin", "old_owner"}
    expected = {
        "is_admin": {"admin"}, "create project": active, "works on": {"lead", "member"},
        "view concept": {"lead", "member", "owner", "admin"}, "view started": active, "view deleted": {"admin"},
        "view item concept": {"lead", "member", "owner", "admin"},
        "view item lesson on concept": {"lead", "member", "owner", "admin"}, "view item network": active,
        "view item deleted network": set(), "view item person": active,
        "edit started": {"lead", "owner", "admin"}, "edit deleted": set(),
        "close started": {"lead", "admin"}, "close deleted": set(),
        "view lesson on concept": {"lead", "member", "owner", "admin"}, "view lesson on started": active,
        "view deleted lesson": {"admin"},
        "see author": set(people), "see team author": {"member", "admin"},
        "log on started": {"lead", "member", "owner", "admin"}, "log on deleted": set(),
        "log from network": {"member", "trekker", "owner", "admin"}, "log from closed network": set(),
        "log loose": active, "edit lesson": {"member", "owner", "admin"}, "edit deleted lesson": set(),
        "review lesson": {"owner", "admin"}, "review deleted lesson": set(),
        "edit theme": {"owner", "admin"}, "edit deleted theme": set(),
        "manage themes": {"admin"}, "create network": {"owner", "admin"},
        "edit network": {"owner", "trekker", "admin"}, "edit closed network": set(),
        "appoint trekker": {"owner", "trekker", "admin"}, "end membership": {"member", "owner", "trekker", "admin"},
        "delete": {"admin"}, "import": {"owner", "admin"}, "administer": {"admin"},
        "edit vocabulary": {"owner", "admin"},
    }
    found = {name: {role for role, person in people.items() if check(person)} for name, check in checks.items()}
    assert found == expected
