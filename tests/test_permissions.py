"""The role matrix: every route × every role, over HTTP. CSRF is off here (tested in test_auth.py), so
each case checks only who may see and do what."""
from datetime import date

import pytest

from kennisbank.extensions import db as _db
from kennisbank.models import LessonKind, MembershipRole, ProjectStatus

from . import factories
from .conftest import PASSWORD, make_app, running

ROLES = ["anonymous", "medewerker", "lead", "owner", "other_owner", "admin"]
OK, REDIRECT, FORBIDDEN, HIDDEN, LOGIN = 200, 302, 403, 404, "login"


def expect(anonymous=LOGIN, medewerker=OK, lead=OK, owner=OK, other_owner=OK, admin=OK):
    return dict(anonymous=anonymous, medewerker=medewerker, lead=lead, owner=owner, other_owner=other_owner,
                admin=admin)


# The voortoets of a concept: its lead (and administrators) act; theme owners see it; others not at all.
VOORTOETS_LEAD = expect(medewerker=HIDDEN, other_owner=HIDDEN, owner=FORBIDDEN, lead=REDIRECT, admin=REDIRECT)
ONLY_ADMIN = expect(medewerker=FORBIDDEN, lead=FORBIDDEN, owner=FORBIDDEN, other_owner=FORBIDDEN)
LEAD_OWNER_ADMIN = expect(medewerker=FORBIDDEN, other_owner=FORBIDDEN)
OWNER_ADMIN = expect(medewerker=FORBIDDEN, lead=FORBIDDEN, other_owner=FORBIDDEN)

# (method, url template, endpoint, expected per role). {p}=started project, {c}=concept, {l}=lesson,
# {n}=network slug, {t}=theme slug, {u}=a user id, {m}=membership id of the medewerker.
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
    ("POST", "/projecten/{c}/starten", "projects.start", VOORTOETS_LEAD),
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
    ("POST", "/netwerken/{n}/leden", "networks.add_member",
     expect(medewerker=REDIRECT, lead=REDIRECT, owner=REDIRECT, other_owner=REDIRECT, admin=REDIRECT)),
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
    ("POST", "/bijlagen/project/{p}", "attachments.upload", dict(LEAD_OWNER_ADMIN, lead=REDIRECT, owner=REDIRECT,
                                                                 admin=REDIRECT)),
    ("GET", "/bijlagen/{a}/verslag.txt", "attachments.download", expect()),
    ("POST", "/bijlagen/{a}/verwijderen", "attachments.remove", dict(LEAD_OWNER_ADMIN, lead=REDIRECT, owner=REDIRECT,
                                                                    admin=REDIRECT)),
    ("GET", "/zoeken?q=verlichting", "search.results", expect()),
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
    # Everyone may change their own password; this form data has a wrong current password: 400.
    ("POST", "/sessies/wachtwoord", "auth.change_password",
     expect(medewerker=400, lead=400, owner=400, other_owner=400, admin=400), {"current": "fout", "new": "x" * 12}),
    # No identity provider configured here: the organisation login does not exist (tests/test_oidc.py).
    ("GET", "/inloggen/organisatie", "auth.oidc_start", expect(*[HIDDEN] * 6)),
    ("GET", "/inloggen/organisatie/terug", "auth.oidc_callback", expect(*[HIDDEN] * 6)),
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
    from kennisbank.services import api_tokens

    token, _ = api_tokens.create_token("t", people["admin"], by=people["admin"])
    from kennisbank.services.importing import run as importing

    from kennisbank.services import attachments

    attachment = attachments.add("project", started, "verslag.txt", b"Verslag van de pilot", people["lead"])
    import_run = importing.start("projecten", "p.csv", b"Titel;Vraag;Gemeente\nProef;Vraag?;Utrecht\n", people["admin"])
    basis, lesson_id = f"{concept.title}\n{concept.question}", lesson.id  # load before building the check
    check = PriorWorkCheck(basis_text=basis)
    _db.session.add(check)
    check.project = concept
    check.suggestions.append(PriorWorkSuggestion(item_type="lesson", item_id=lesson_id, rank=1))
    _db.session.flush()
    suggestion = check.suggestions[0]
    _db.session.commit()
    return people, {"a": attachment.id, "i": import_run.id, "k": token.id, "s": suggestion.id, "p": started.id, "c": concept.id, "l": lesson.id, "n": network.slug, "t": theme.slug,
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
        else:
            assert response.status_code == want, f"{role} {method} {url}"


def test_every_route_is_in_the_matrix(app):
    covered = {endpoint for _, _, endpoint, _, _ in MATRIX}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - covered == set()
