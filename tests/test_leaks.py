"""Someone else's concept project stays out of sight everywhere: direct pages, lists, search, the API, and
the side channels (voortoets additions, the start page, "Gebruikt in", "bedoelde u"). One test per side
channel, then a sweep that asks every page and API endpoint for a word that only a concept contains."""
import re

import pytest

from kennisbank.models import LessonKind, LessonUse, LessonUseSource, PriorWorkCheck, ProjectStatus
from kennisbank.search import indexer

from .conftest import csrf_token

SECRET = "Zeppelinhavenproef"  # occurs only in the concept and its lesson
SECRET_WORD = "zeppelinhavenproef"
OTHER_WORD = "blauwvintonijn"  # also only there: searched for, so that the echoed query is not the secret


@pytest.fixture
def world(app, db, make_user, make_theme, make_project, make_lesson):
    owner_of_draft = make_user(email="eigenaar@gemeente.example", name="Dirk Concept")
    colleague = make_user(email="collega@gemeente.example", name="Cora Collega")
    theme = make_theme(name="Mobiliteit")
    draft = make_project(title=f"{SECRET} aan de kade", question=f"Kan een {SECRET} werken met {OTHER_WORD}?", lead=owner_of_draft,
                         themes=[theme], status=ProjectStatus.CONCEPT)
    draft_lesson = make_lesson(title=f"Les uit de {SECRET}", author=owner_of_draft, project=draft, themes=[theme],
                               kind=LessonKind.FAILURE, advice=f"Begin de {SECRET} klein, met {OTHER_WORD}.")
    public_lesson = make_lesson(title="Openbare les over kademuren", author=owner_of_draft, themes=[theme],
                                kind=LessonKind.INSIGHT)
    db.session.add(LessonUse(lesson=public_lesson, project=draft, user=owner_of_draft,
                             source=LessonUseSource.PRIOR_WORK_CHECK, note=f"Gebruikt in {SECRET}"))
    mine = make_project(title="Kademuren herstellen", question="Hoe herstellen we kademuren?", lead=colleague,
                        themes=[theme], status=ProjectStatus.CONCEPT)
    check = PriorWorkCheck(basis_text="Kademuren herstellen")
    check.project = mine
    db.session.add(check)
    from kennisbank.services.registry import attachments


    report = attachments.add("project", draft, f"{SECRET}.txt", f"Verslag {SECRET} {OTHER_WORD}".encode(),
                             owner_of_draft)
    db.session.commit()
    indexer.catch_up(app)  # reads the report's text too
    return {"colleague": colleague, "report": report, "draft": draft, "draft_lesson": draft_lesson, "public_lesson": public_lesson, "mine": mine,
            "theme": theme, "owner": owner_of_draft}


def _as_colleague(auth):
    assert auth.login("collega@gemeente.example").status_code == 302


def test_adding_someone_elses_concept_to_a_voortoets_answers_like_a_missing_id(client, auth, world):
    _as_colleague(auth)
    token = csrf_token(client, f"/projecten/{world['mine'].id}/voortoets")
    answers = {}
    for label, item_id in (("concept", world["draft"].id), ("missing", 999999)):
        response = client.post(f"/projecten/{world['mine'].id}/voortoets/toevoegen",
                               data={"csrf_token": token, "soort": "project", "id": str(item_id)},
                               follow_redirects=True)
        answers[label] = response.get_data(as_text=True)
        assert "Dit item bestaat niet (meer)" in answers[label]
    assert SECRET not in answers["concept"]
    same_for_a_lesson = client.post(f"/projecten/{world['mine'].id}/voortoets/toevoegen", follow_redirects=True,
                                    data={"csrf_token": token, "soort": "lesson", "id": str(world["draft_lesson"].id)})
    assert SECRET not in same_for_a_lesson.get_data(as_text=True)


def test_a_theme_owner_cannot_point_a_lead_to_a_concept_the_lead_may_not_see(app, db, make_user, world):
    from kennisbank.ground.errors import DomainError
    from kennisbank.services.gates import voortoets

    curator = make_user(email="curator@gemeente.example")
    world["theme"].owners.append(curator)  # owns the theme: sees the concept herself
    db.session.commit()
    check = world["mine"].prior_work_check
    with pytest.raises(DomainError, match="bestaat niet"):
        voortoets.add_suggestion(check, "project", world["draft"].id, curator, note="kijk hiernaar")


def test_the_start_page_lists_no_lessons_of_concepts(client, auth, world):
    _as_colleague(auth)
    page = client.get("/").get_data(as_text=True)
    assert "Openbare les over kademuren" in page
    assert SECRET not in page


def test_used_in_lists_only_projects_the_reader_may_see(client, auth, world):
    _as_colleague(auth)
    page = client.get(f"/lessen/{world['public_lesson'].id}").get_data(as_text=True)
    assert SECRET not in page and "Gebruikt in 0 projecten" in page
    auth.logout()
    auth.login("eigenaar@gemeente.example")
    own = client.get(f"/lessen/{world['public_lesson'].id}").get_data(as_text=True)
    assert f"{SECRET} aan de kade" in own and "Gebruikt in 1 project" in own


@pytest.mark.parametrize("url", ["/zoeken?q=zeppelinhavenprof", "/api/v1/zoeken?q=zeppelinhavenprof"])
def test_did_you_mean_never_offers_a_word_that_only_a_concept_contains(client, auth, world, url):
    _as_colleague(auth)
    assert SECRET_WORD not in client.get(url).get_data(as_text=True).lower()
    auth.logout()
    auth.login("eigenaar@gemeente.example")  # its own people are offered it
    assert SECRET_WORD in client.get(url).get_data(as_text=True).lower()


def test_a_word_only_a_concept_contains_is_unknown_to_others_and_known_to_its_people(app, db, world):
    from kennisbank.search import engine

    others = engine.Visibility(user_id=None)
    own = engine.Visibility(user_id=world["owner"].id)
    assert engine.suggest(["zeppelinhavenprof"], others) is None
    assert SECRET_WORD in engine.suggest(["zeppelinhavenprof"], own)
    assert engine.suggest(["mobilitijt"], others) == "mobiliteit"  # public words are still offered


def _readable(data: bytes) -> str:
    """A response as text; a spreadsheet (a zip of XML parts) by the text of its parts."""
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(data))
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


def _get_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and rule.endpoint not in {"static", "auth.oidc_callback"})


def test_sweep_no_page_or_api_endpoint_shows_a_concept_to_others(app, client, auth, world):
    """Every GET route, its placeholders filled with the concept's own ids and with public ones, plus the
    searches that would find the word: the word appears nowhere."""
    from kennisbank.services.notifying import follows

    ids = {"project_id": [world["draft"].id, world["mine"].id], "lesson_id": [world["draft_lesson"].id,
           world["public_lesson"].id], "slug": [world["theme"].slug], "user_id": [world["owner"].id],
           "name": ["voortoets", f"{SECRET}.txt"], "token_id": [1], "run_id": [1],
           "attachment_id": [world["report"].id], "kind": ["project", "lesson"], "item_id": [world["draft"].id],
           "entry_id": [1],
           # an unfollow link of the colleague's own for the concept (as if she once could see it)
           "token": [follows.unfollow_token(app.config["SECRET_KEY"], world["colleague"].id, kind, world[key].id)
                     for kind, key in (("project", "draft"), ("lesson", "draft_lesson"))]}
    queries = [f"q={OTHER_WORD}", "q=zeppelinhavenprof", f"titel={OTHER_WORD}", f"q={OTHER_WORD}&pagina=2"] + [
        f"formaat={fmt}" + extra for fmt in ("csv", "json", "xlsx") for extra in ("", f"&q={OTHER_WORD}")]
    _as_colleague(auth)
    asked = []
    for rule in _get_routes(app):
        names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
        if any(name not in ids for name in names):
            raise AssertionError(f"the sweep does not know how to fill {rule}: add its placeholder")
        fillings = [{}]
        for name in names:
            fillings = [dict(f, **{name: value}) for f in fillings for value in ids[name]]
        for filling in fillings:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(filling[m.group(1)]), rule)
            for query in [""] + queries:
                url = f"{path}?{query}" if query else path
                response = client.get(url)
                asked.append(url)
                body = _readable(response.data)
                assert SECRET_WORD not in body.lower(), f"{url} ({response.status_code}) shows the concept"
    assert len(asked) > 100  # the sweep really went round
    assert any(url.startswith("/api/") for url in asked) and any(url.startswith("/zoeken") for url in asked)
