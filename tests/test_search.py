"""Dutch full-text search: word forms, compounds, syntax, facets, suggestions, visibility — over the
service and over HTTP. The index catches up explicitly (SEARCH_SYNC=manual)."""
import pytest
from sqlalchemy import func, select

from kennisbank.models import LessonKind, ProjectStatus, ReviewState, SearchLog
from kennisbank.search import indexer
from kennisbank.services.finding import search
from kennisbank.services.registry.editing import soft_delete

from .conftest import csrf_token


@pytest.fixture
def index(app):
    """Call after creating data: applies the change log to the index."""
    return lambda: indexer.catch_up(app)


def titles(page) -> list[str]:
    return [getattr(hit.item, "title", None) or hit.item.name for hit in page.hits]


@pytest.fixture
def viewer(make_user):
    return make_user(name="Kijker")


@pytest.mark.parametrize("query, stored", [
    ("gemeente", "Samenwerking tussen gemeenten"),
    ("gemeenten", "Een gemeente alleen"),
    ("les", "Lessen uit de pilot"),
    ("lessen", "Een les over inkoop"),
    ("haalde", "Wat we halen uit netwerken"),
    ("verlichting", "Straatverlichting vervangen"),
    ("energie", "Energietransitie in de wijk"),
    ("lantaarnpaal", "Lantaarnpalen met sensoren"),
])

def test_dutch_word_forms_and_compound_parts(db, index, viewer, make_lesson, query, stored):
    make_lesson(title=stored)
    make_lesson(title="Iets heel anders over water")
    index()
    assert titles(search.search(viewer, query, facet_filters={"type": "lesson"})) == [stored]


@pytest.mark.parametrize("forms", [
    ("heb", "hebben", "heeft"),                 # a regular verb: its present stem for every form
    ("les", "lessen"),                          # simplemma swaps these two; one spelling makes them meet
    ("stroom", "stromen", "stroomt"),
    ("gebruik", "gebruiken", "gebruikte"),      # the noun and the verb of one stem share a term
    ("man", "mannetje", "mannetjes"),           # a diminutive meets its base
    ("film", "filmpje"),
    ("vernietigen", "vernietigend", "vernietigende"),  # a present participle meets its verb
    ("zijn", "is"),                             # two-letter words are words too
])
def test_the_forms_of_a_word_share_one_term(forms):
    from kennisbank.search.dutch import lemma

    assert len({lemma(form) for form in forms}) == 1, {form: lemma(form) for form in forms}


@pytest.mark.parametrize("first, second", [
    ("legende", "legen"),        # a noun in -ende is no participle
    ("meisje", "meis"),          # no known base: not a diminutive
    ("archivering", "archiveren"),  # -ing nouns stay apart (the vocabulary joins them where it matters)
    ("a", "aan"),                # single letters stay
])
def test_words_that_only_look_alike_keep_their_own_term(first, second):
    from kennisbank.search.dutch import lemma

    assert lemma(first) != lemma(second)


def test_exact_match_ranks_before_compound_part(db, index, viewer, make_lesson):
    make_lesson(title="Straatverlichting in de wijk")
    make_lesson(title="Verlichting in de wijk")
    index()
    assert titles(search.search(viewer, "verlichting")) == ["Verlichting in de wijk", "Straatverlichting in de wijk"]


def test_title_outranks_body(db, index, viewer, make_lesson):
    make_lesson(title="Over inkoop", advice="Let op de aanbesteding.")
    make_lesson(title="Aanbesteding", advice="Begin op tijd.")
    index()
    assert titles(search.search(viewer, "aanbesteding"))[0] == "Aanbesteding"


def test_query_syntax(db, index, viewer, make_lesson, make_theme):
    energy = make_theme(slug="energie", name="Energie")
    make_lesson(title="Slimme verlichting in de straat", themes=[energy])
    make_lesson(title="Verlichting die slim werd", kind=LessonKind.SUCCESS)
    make_lesson(title="Warmtenet en warmte", themes=[energy])
    index()
    assert titles(search.search(viewer, '"slimme verlichting"')) == ["Slimme verlichting in de straat"]
    assert set(titles(search.search(viewer, "verlichting -straat"))) == {"Verlichting die slim werd"}
    assert set(titles(search.search(viewer, "warmtenet OF straat"))) == {"Warmtenet en warmte",
                                                                         "Slimme verlichting in de straat"}
    assert set(titles(search.search(viewer, "verlichting NIET straat"))) == {"Verlichting die slim werd"}
    assert set(titles(search.search(viewer, "thema:energie"))) == {"Slimme verlichting in de straat",
                                                                   "Warmtenet en warmte", "Energie"}
    assert titles(search.search(viewer, "verlichting soort:succes")) == ["Verlichting die slim werd"]


@pytest.mark.parametrize("query, notice", [
    ('"slimme verlichting', "afsluitend aanhalingsteken"),
    ("OF", "geen zoekwoorden"),
    ("de", "geen zoekwoorden"),
    ("*", "geen zoekwoorden"),
    ("verlichting OF", "losse OF"),
    ("-", "geen zoekwoorden"),
    ("-verlichting", "Alleen uitsluiten kan niet"),
    ("x" * 10_000, "erg lang"),
    ("type:vliegtuig verlichting", "geen soort resultaat"),
    ("gemeente:Atlantis verlichting", "geen Nederlandse gemeente"),
    ("jaar:vorig verlichting", "geen jaartal"),
])

def test_malformed_queries_give_a_dutch_notice_never_an_error(db, index, viewer, make_lesson, query, notice):
    make_lesson(title="Slimme verlichting")
    index()
    page = search.search(viewer, query)
    assert any(notice in n for n in page.notices), page.notices


def test_a_query_keeps_its_first_words_and_says_it_dropped_the_rest(db, index, viewer, make_lesson):
    """A pasted list of words: the first MAX_WORDS count, the rest is dropped with a notice."""
    from kennisbank.search.query import MAX_WORDS

    words = [f"woord{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(MAX_WORDS + 1)]
    make_lesson(title=f"Les over {words[MAX_WORDS - 1]}")
    make_lesson(title=f"Les over {words[MAX_WORDS]}")
    index()
    at_limit = search.search(viewer, " OF ".join(words[:MAX_WORDS]))
    assert titles(at_limit) == [f"Les over {words[MAX_WORDS - 1]}"] and not at_limit.notices
    over = search.search(viewer, " OF ".join(words))
    assert titles(over) == [f"Les over {words[MAX_WORDS - 1]}"]
    assert over.notices == [f"Uw zoekvraag had meer dan {MAX_WORDS} woorden; we zochten op de eerste {MAX_WORDS}."]


def test_a_page_beyond_the_last_shows_the_last_page_and_says_so(db, index, viewer, make_lesson):
    for n in range(5):
        make_lesson(title=f"Verlichting {n}")
    index()
    last = search.search(viewer, "verlichting", page=3, per_page=2)
    assert last.page == 3 and len(last.hits) == 1 and not last.notices
    beyond = search.search(viewer, "verlichting", page=10_000, per_page=2)
    assert beyond.page == 3 and [h.item.id for h in beyond.hits] == [h.item.id for h in last.hits]
    assert beyond.notices == ["Pagina 10000 bestaat niet; dit is de laatste pagina (3)."]


def test_counts_read_as_dutch_for_one_and_for_many(app):
    from kennisbank.web.templating import counted

    assert [counted(n, "resultaat", "resultaten") for n in (0, 1, 2)] == ["0 resultaten", "1 resultaat", "2 resultaten"]


def test_spelling_suggestions_try_at_most_a_few_words(app, db, index, make_lesson):
    from kennisbank.search import engine

    words = ["verlichting", "lantaarnpaal", "wijkcentrum", "subsidie", "parkeerplaats", "zonnepaneel", "riolering",
             "begroting"]
    make_lesson(title=" ".join(words))
    index()
    typos = [word[:3] + word[4:] for word in words]  # one letter missing in each
    who = engine.visibility(None, True)
    corrected = engine.suggest(typos, who).split()
    assert corrected[:engine.MAX_CORRECTED] == words[:engine.MAX_CORRECTED]
    assert corrected[engine.MAX_CORRECTED:] == typos[engine.MAX_CORRECTED:]


def test_an_empty_index_finds_nothing_without_error(db, index, viewer):
    index()
    page = search.search(viewer, "verlichting")
    assert page.total == 0 and page.hits == []


def test_control_characters_are_dropped(db, index, viewer, make_lesson):
    make_lesson(title="Slimme verlichting")
    index()
    assert titles(search.search(viewer, "verlich\x00ting\x07")) == ["Slimme verlichting"]


def test_no_result_suggests_and_is_logged(db, index, viewer, make_lesson):
    make_lesson(title="Slimme verlichting")
    index()
    page = search.search(viewer, "verlichtng")
    assert page.total == 0 and page.suggestion == "verlichting"
    db.session.commit()
    logged = db.session.scalars(select(SearchLog)).one()
    assert logged.query == "verlichtng" and logged.result_count == 0 and logged.user == viewer


def test_one_person_cannot_fill_the_zero_result_list(db, index, viewer, make_user):
    index()
    for _ in range(3):
        search.search(viewer, "wachtrijrobot")  # the same search again that day: kept once
    for n in range(search.SEARCH_LOG_PER_USER_PER_DAY + 5):
        search.search(viewer, f"onzin{n}woord")
    other = make_user()
    search.search(other, "wachtrijrobot")  # someone else's counts
    db.session.commit()
    mine = db.session.scalar(select(func.count(SearchLog.id)).where(SearchLog.user_id == viewer.id))
    assert mine == search.SEARCH_LOG_PER_USER_PER_DAY
    assert db.session.scalar(select(func.count(SearchLog.id)).where(SearchLog.query == "wachtrijrobot")) == 2


def test_facets_count_and_narrow(db, index, viewer, make_lesson, make_project, make_theme):
    theme = make_theme(slug="licht", name="Licht")
    make_lesson(title="Verlichting A", kind=LessonKind.FAILURE, themes=[theme])
    make_lesson(title="Verlichting B", kind=LessonKind.FAILURE)
    make_lesson(title="Verlichting C", kind=LessonKind.SUCCESS)
    make_project(title="Verlichting project", status=ProjectStatus.STARTED, municipality_code="GM0772")
    index()
    page = search.search(viewer, "verlichting")
    counts = {f.param + "=" + f.value: f.count for values in page.facets.values() for f in values}
    assert counts["type=lesson"] == 3 and counts["type=project"] == 1
    assert counts["soort=mislukking"] == 2 and counts["thema=licht"] == 1 and counts["gemeente=GM0772"] == 1
    narrowed = search.search(viewer, "verlichting", facet_filters={"soort": "mislukking"})
    assert set(titles(narrowed)) == {"Verlichting A", "Verlichting B"}
    assert set(titles(search.search(viewer, "verlichting", facet_filters={"gemeente": "GM0772"}))) == \
        {"Verlichting project"}


def test_pagination_and_date_order(db, index, viewer, make_lesson):
    for n in range(23):
        make_lesson(title=f"Verlichting {n:02d}")
    index()
    first, third = search.search(viewer, "verlichting"), search.search(viewer, "verlichting", page=3)
    assert first.total == 23 and first.pages == 3 and len(first.hits) == 10 and len(third.hits) == 3
    newest = search.search(viewer, "verlichting", order="datum")
    assert titles(newest)[0] == "Verlichting 22"


# Never out of step -----------------------------------------------------------------------------------


def test_rolled_back_change_never_reaches_the_index(app, db, index, viewer, make_lesson):
    lesson = make_lesson(title="Oorspronkelijk")
    index()
    lesson.title = "Teruggedraaid"
    db.session.flush()
    db.session.rollback()
    assert index() == 0
    assert search.search(viewer, "teruggedraaid").total == 0
    assert search.search(viewer, "oorspronkelijk").total == 1


def test_deleted_items_disappear_and_restored_come_back(db, index, viewer, make_user, make_lesson):
    lesson = make_lesson(title="Verlichting verwijderd")
    index()
    admin = make_user(is_admin=True)
    soft_delete(lesson, by=admin)
    db.session.commit()
    index()
    assert search.search(viewer, "verlichting").total == 0


def test_archived_lessons_stay_findable(db, index, viewer, make_lesson):
    make_lesson(title="Oude verlichting", review_state=ReviewState.ARCHIVED)
    index()
    page = search.search(viewer, "verlichting")
    assert titles(page) == ["Oude verlichting"] and page.hits[0].item.review_state == ReviewState.ARCHIVED


def test_drafts_only_for_their_own_people(db, index, viewer, make_project, make_lesson, make_user):
    concept = make_project(title="Geheime verlichting")
    make_lesson(title="Les uit geheime verlichting", project=concept, author=concept.lead)
    index()
    assert search.search(viewer, "verlichting").total == 0
    assert search.search(concept.lead, "verlichting").total == 2
    assert search.search(make_user(is_admin=True), "verlichting").total == 2
    concept.status = ProjectStatus.STARTED  # starting it makes project and lessons public
    db.session.commit()
    index()
    assert search.search(viewer, "verlichting").total == 2


def test_someone_taken_off_a_draft_no_longer_finds_it_while_the_index_lags(db, index, make_project, make_user):
    """The index still lists them as a viewer; the permission check on the loaded rows decides."""
    member = make_user()
    concept = make_project(title="Geheime verlichting", team=[member])
    index()
    assert search.search(member, "verlichting").total == 1 and len(search.search(member, "verlichting").hits) == 1
    concept.team.remove(member)
    db.session.commit()  # not applied to the index yet
    assert search.search(member, "verlichting").hits == []


def test_results_come_from_the_database_not_the_index(db, index, viewer, make_lesson):
    lesson = make_lesson(title="Verlichting oud")
    index()
    lesson.title = "Verlichting nieuw"
    db.session.commit()  # not applied yet: the index still has the old text
    page = search.search(viewer, "verlichting oud")
    assert titles(page) == ["Verlichting nieuw"]


def test_renamed_theme_updates_the_items_that_carry_it(db, index, viewer, make_user, make_theme, make_lesson):
    from kennisbank.services.registry import themes

    theme = make_theme(slug="t", name="Watermanagement")
    make_lesson(title="Een les", themes=[theme])
    index()
    themes.update_theme(theme, name="Klimaatadaptatie", description="d", synthesis="",
                        expected_version=theme.version, by=make_user(is_admin=True))
    db.session.commit()
    index()
    assert "Een les" in titles(search.search(viewer, "klimaatadaptatie type:les"))


# CLI: reindex and search-check -----------------------------------------------------------------------

def _remove_from_index_behind_the_logs_back(app, key: str) -> None:
    """Real drift: a document disappears while the cursor says the index is up to date."""
    from pathlib import Path

    from kennisbank.search import index

    generation = index.current_generation(Path(app.config["INDEX_DIR"]))
    writer = index.open_writer(generation, wait=True)
    writer.delete_by_term("key", key)
    index.commit(writer, generation, index.read_cursor(generation))


def test_search_check_tells_lag_from_drift_and_repairs_drift(app, db, runner, index, make_lesson):
    from sqlalchemy import update

    from kennisbank.models import Lesson

    lost, renamed = make_lesson(title="Kwijtgeraakt"), make_lesson(title="Oude titel")
    index()
    assert runner.invoke(args=["kb", "search-check"]).exit_code == 0
    _remove_from_index_behind_the_logs_back(app, f"lesson:{lost.id}")
    db.session.execute(update(Lesson).where(Lesson.id == renamed.id).values(title="Nieuwe titel"))  # no log row
    make_lesson(title="Nog onderweg")  # committed and logged, not applied yet: lag, not drift
    db.session.commit()
    found = runner.invoke(args=["kb", "search-check"])
    assert found.exit_code != 0
    assert "Achterstand: 2 wijzigingen" in found.output  # the new lesson and its new author
    assert "Ontbreekt in de index: 1" in found.output and f"lesson:{lost.id}" in found.output
    assert "Verouderd in de index: 1" in found.output and f"lesson:{renamed.id}" in found.output
    assert "Staat te veel in de index: 0" in found.output
    repaired = runner.invoke(args=["kb", "search-check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Hersteld: 2 documenten" in repaired.output
    assert search.search(db.session.get(Lesson, lost.id).author, "kwijtgeraakt").total == 1
    assert search.search(db.session.get(Lesson, lost.id).author, "nieuwe titel").total == 1
    index()
    clean = runner.invoke(args=["kb", "search-check"])
    assert clean.exit_code == 0 and "Achterstand: 0" in clean.output, clean.output
    assert "De zoekindex klopt met de database." in clean.output


def test_reindex_swaps_in_a_new_generation_with_its_own_cursor(app, db, runner, index, viewer, make_lesson):
    from pathlib import Path

    from kennisbank.search import index as search_index

    make_lesson(title="Voor de herbouw")
    index()
    root = Path(app.config["INDEX_DIR"])
    before = search_index.current_generation(root)
    rebuilt = runner.invoke(args=["kb", "reindex"])
    assert rebuilt.exit_code == 0 and "3 documenten geïndexeerd" in rebuilt.output, rebuilt.output
    after = search_index.current_generation(root)
    assert after != before and search_index.read_cursor(after) is not None
    make_lesson(title="Na de herbouw")
    index()
    assert search.search(viewer, "herbouw").total == 2


def test_load_content_applies_its_own_changes_before_it_exits(app, db, runner):
    loaded = runner.invoke(args=["kb", "load-content", "--demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "Zoekindex bijgewerkt: 76 documenten" in loaded.output
    checked = runner.invoke(args=["kb", "search-check"])
    assert checked.exit_code == 0 and "Achterstand: 0 wijzigingen" in checked.output, checked.output
    assert "Ontbreekt in de index: 0" in checked.output


# HTTP, API and people --------------------------------------------------------------------------------


def test_search_page_over_http(auth, client, index, make_user, make_lesson):
    make_user(email="a@gemeente.example")
    make_lesson(title="Straatverlichting met sensoren", context="Sensoren in de <b>straat</b>.")
    index()
    auth.login("a@gemeente.example")
    html = client.get("/zoeken?q=verlichting").get_data(as_text=True)
    assert "Straatverlichting met sensoren" in html and "1 resultaat" in html and "1 resultaten" not in html
    assert "<b>straat</b>" not in html
    for query in ['"kapot', "OF", "\x00", "x" * 10_000]:
        assert client.get("/zoeken", query_string={"q": query}).status_code == 200


def test_api_with_session_and_token(app, db, client, auth, index, make_user, make_lesson):
    from kennisbank.services.access import api_tokens

    admin, user = make_user(is_admin=True), make_user(email="api@gemeente.example")
    make_lesson(title="Verlichting via de API")
    index()
    assert client.get("/api/v1/zoeken?q=verlichting").status_code == 401
    record, token = api_tokens.create_token("Intranet", user, by=admin)
    db.session.commit()
    assert token not in record.token_hash
    response = client.get("/api/v1/zoeken?q=verlichting", headers={"Authorization": f"Bearer {token}"})
    data = response.get_json()
    assert response.status_code == 200 and data["total"] == 1
    assert data["hits"][0]["title"] == "Verlichting via de API" and data["hits"][0]["type"] == "lesson"
    assert data["hits"][0]["url"].endswith(f"/lessen/{data['hits'][0]['id']}")
    assert "facets" in data and data["facets"]["type"][0]["value"] == "lesson"
    api_tokens.revoke(record, by=admin)
    db.session.commit()
    assert client.get("/api/v1/zoeken?q=x", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    auth.login("api@gemeente.example")
    assert client.get("/api/v1/zoeken?q=verlichting").get_json()["total"] == 1
    assert client.get("/api/v1/zoeken").status_code == 400


def test_api_tokens_expire_at_the_end_of_their_last_day_and_never_live_for_good(app, db, client, auth, make_user):
    from datetime import datetime, timedelta

    from kennisbank.ground.errors import DomainError
    from kennisbank.models.base import utcnow
    from kennisbank.services.access import api_tokens

    admin, user = make_user(is_admin=True, email="beheer@gemeente.example"), make_user(email="api@gemeente.example")
    today = utcnow().date()
    default, _ = api_tokens.create_token("Standaard", user, by=admin)
    assert api_tokens.valid_until(default) == today + timedelta(days=365)
    for too_far in (today - timedelta(days=1), today + timedelta(days=731)):
        with pytest.raises(DomainError) as refused:
            api_tokens.create_token("Fout", user, by=admin, valid_until=too_far)
        assert refused.value.field_errors["valid_until"].startswith("Kies een datum van vandaag")
    api_tokens.create_token("Twee jaar", user, by=admin, valid_until=today + timedelta(days=730))
    record, token = api_tokens.create_token("Vandaag", user, by=admin, valid_until=today)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert record.expires_at == datetime.combine(today + timedelta(days=1), datetime.min.time())
    assert client.get("/api/v1/zoeken?q=x", headers=bearer).status_code == 200  # its last day
    record.expires_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    assert client.get("/api/v1/zoeken?q=x", headers=bearer).status_code == 200
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/zoeken?q=x", headers=bearer).status_code == 401  # past its end: refused
    auth.login("beheer@gemeente.example")
    page = client.get("/beheer/tokens").get_data(as_text=True)
    assert "Geldig tot en met" in page and "verlopen" in page and "Vandaag" in page
    typed = {"csrf_token": csrf_token(client, "/beheer/tokens"), "name": "Koppeling intranet",
             "email": "api@gemeente.example", "valid_until": (today - timedelta(days=1)).isoformat()}
    refused_page = client.post("/beheer/tokens", data=typed)
    html = refused_page.get_data(as_text=True)
    assert refused_page.status_code == 400 and "Kies een datum van vandaag" in html
    assert 'value="Koppeling intranet"' in html and "Bewaar dit token nu" not in html  # kept, nothing made


def test_people_who_know(auth, client, index, make_user, make_project, make_lesson, make_network):
    from datetime import date

    lead = make_user(name="Lotte Lantaarn")
    make_project(lead=lead, title="Slimme verlichting", status=ProjectStatus.STARTED)
    make_lesson(title="Verlichting en privacy", author=make_user(name="Sam Schrijver"))
    make_lesson(title="Verlichting anoniem", author=make_user(name="Anne Anoniem"), on_behalf_of_team=True)
    make_network(name="Verlichtingsnetwerk", description="Over verlichting",
                 members=[{"user": make_user(name="Nina Netwerk"), "since": date(2020, 1, 1)}])
    make_user(email="kijker@gemeente.example")
    index()
    auth.login("kijker@gemeente.example")
    html = client.get("/mensen/?q=verlichting").get_data(as_text=True)
    assert "Lotte Lantaarn" in html and "leidde 1 project: Slimme verlichting" in html
    assert "Sam Schrijver" in html and "schreef 1 les" in html
    assert "Nina Netwerk" in html and "zit in Verlichtingsnetwerk" in html
    assert "Anne Anoniem" not in html


def test_api_token_admin_screen(auth, client, db, make_user):
    make_user(email="beheer@gemeente.example", is_admin=True)
    auth.login("beheer@gemeente.example")
    url = "/beheer/tokens"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "name": "Intranet",
                                      "email": "beheer@gemeente.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "kb_" in html and "Bewaar dit token nu" in html
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "name": "", "email": "x@y.example"})
    assert refused.status_code == 400
    from kennisbank.models import ApiToken

    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


@pytest.mark.parametrize("text", ["verlichting", "slimme verlichting", "verlichting OF warmte",
                                  "verlichting -sensoren", "thema:energie verlichting", "type:les wijk"])

def test_fast_ranking_gives_whoosh_own_matches_and_scores(app, db, index, make_lesson, make_theme, text):
    """The decoded-postings ranking (search/postings.py) must equal Whoosh's matchers, also across
    several segments with deleted documents."""
    from kennisbank.search import engine, postings
    from kennisbank.search.query import parse

    energy = make_theme(slug="energie", name="Energie")
    words = ["slimme verlichting", "straatverlichting", "verlichting met sensoren", "warmte in de wijk",
             "verlichting en warmte", "sensoren", "wijk"]
    lessons = []
    for round_ in range(3):  # three catch-ups: three segments
        for n, words_ in enumerate(words):
            lessons.append(make_lesson(title=f"{words_} {round_}", advice=f"Advies {n} over de wijk {words_}",
                                       themes=[energy] if n % 2 else []))
        index()
    for lesson in lessons[::4]:  # updates delete the old document in its segment
        lesson.advice = lesson.advice + " opnieuw verlichting"
    db.session.commit()
    index()
    query = parse(text).query
    searcher = engine.searchers().get()
    assert len(searcher.reader().leaf_readers()) > 1 and searcher.reader().has_deletions()
    hits = postings.score_all(searcher, query)
    fast = hits.as_dict()
    slow = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
    assert fast.keys() == slow.keys() and fast
    for docnum, score in slow.items():
        assert fast[docnum] == pytest.approx(score, rel=1e-6)
    for limit in (1, 3, 5, len(slow) + 1):  # the partial sort at every cut, ties to the lower docnum
        assert [d for d, _ in postings.top(hits, limit)] == [hit.docnum for hit in searcher.search(query, limit=limit)]


def test_whoosh_own_top_k_stays_right_on_a_rebuilt_index(app, db, make_lesson):
    """A rebuild writes no per-block length statistics (search/parallel_build.py): Whoosh's own top-k
    search, which skips blocks by them, must still find exactly the best documents."""
    from kennisbank.search import engine, postings, rebuild
    from kennisbank.search.query import parse

    for n in range(300):  # several postings blocks per word, lengths from 3 to 60 words
        make_lesson(title=f"Les {n} verlichting", advice=" ".join(["verlichting wijk"] * (n % 7) + ["tekst"] * (n % 53)))
    rebuild.reindex(app)
    searcher = engine.searchers().get()
    for text in ("verlichting", "verlichting wijk", "tekst"):
        query = parse(text).query
        hits = postings.score_all(searcher, query)
        for limit in (1, 10, 50):
            assert [h.docnum for h in searcher.search(query, limit=limit)] == [d for d, _ in postings.top(hits, limit)]


@pytest.mark.parametrize("text", ['"slimme verlichting"', '"verlichting in de wijk"', '"wijk slimme"',
                                  '"warmte in de wijk" verlichting'])

def test_phrases_on_cached_positions_match_whoosh_phrase_matcher(app, db, index, make_lesson, text):
    """The phrase check on cached positions finds exactly the documents Whoosh's phrase matcher finds,
    across segments, with deleted documents and words that occur more than once in a document."""
    from kennisbank.search import engine, postings
    from kennisbank.search.query import parse

    titles_ = ["slimme verlichting in de wijk", "verlichting die slim is in de wijk", "wijk slimme verlichting",
               "slimme wijk, verlichting slimme verlichting", "warmte in de wijk en verlichting",
               "verlichting in de wijk slimme"]
    lessons = []
    for round_ in range(2):
        lessons += [make_lesson(title=f"{title} {round_}", advice=f"{title} nogmaals") for title in titles_]
        index()
    lessons[0].title = "iets anders geheel"
    db.session.commit()
    index()
    query = parse(text).query
    searcher = engine.searchers().get()
    assert len(searcher.reader().leaf_readers()) > 1 and searcher.reader().has_deletions()
    fast = set(postings.score_all(searcher, query).ids.tolist())
    assert fast == set(searcher.docs_for_query(query)) and fast


def test_phrases_need_the_words_side_by_side(db, index, viewer, make_lesson):
    make_lesson(title="Slimme verlichting in de wijk")
    make_lesson(title="Verlichting die slim is")
    index()
    assert titles(search.search(viewer, '"slimme verlichting"')) == ["Slimme verlichting in de wijk"]


def test_first_use_of_the_index_from_many_threads_at_once(tmp_path):
    """A command's own catch-up and the background indexer may both open a not-yet-existing index: one
    creates it, the others use it (this once failed with a half-created index)."""
    import threading

    from whoosh import index as whoosh_index

    from kennisbank.search import index

    root = tmp_path / "index"
    start, found, errors = threading.Barrier(8), [], []

    def first_use():
        start.wait()
        try:
            found.append(index.current_generation(root))
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(found)) == 1
    assert whoosh_index.exists_in(found[0]) and sorted(p.name for p in root.glob("gen-*")) == ["gen-1"]


def test_an_edited_item_is_found_once_and_no_longer_by_its_old_words(db, index, viewer, make_project):
    """A searcher that lives across commits (as a web worker's does) must see the old version go."""
    project = make_project(title="Fietsparkeren bij het station", status=ProjectStatus.STARTED)
    index()
    assert titles(search.search(viewer, "fietsparkeren")) == ["Fietsparkeren bij het station"]  # warms it
    project.title = "Deelscooters bij het station"
    db.session.commit()
    index()
    assert search.search(viewer, "fietsparkeren").total == 0
    assert search.search(viewer, "station").total == 1


def test_a_searcher_kept_across_a_merge_counts_every_document_once(app, db, index, viewer, make_lesson):
    from pathlib import Path

    from kennisbank.search import index as search_index

    for n in range(4):  # a commit each: several segments
        make_lesson(title=f"Kademuur herstel {n}")
        index()
    assert search.search(viewer, "kademuur").total == 4  # the thread's searcher, kept open
    generation = search_index.current_generation(Path(app.config["INDEX_DIR"]))
    writer = search_index.open_generation(generation).writer()
    writer.commit(optimize=True)  # another process merges everything into one segment
    assert search.search(viewer, "kademuur").total == 4


@pytest.mark.parametrize("query", ["mislukt", "mislukking", "fout", "wat ging mis"])

def test_failure_lessons_are_found_by_the_words_people_use_for_them(db, index, viewer, make_lesson, query):
    make_lesson(title="Aanbesteding liep vast", kind=LessonKind.FAILURE, advice="Begin eerder met de markt.")
    make_lesson(title="Bewonersavond", kind=LessonKind.FAILURE, advice="Nodig persoonlijk uit.")
    make_lesson(title="Proef bijna mislukt", kind=LessonKind.INSIGHT, advice="Houd een plan B achter de hand.")
    make_lesson(title="Warmtenet opgeleverd", kind=LessonKind.SUCCESS, advice="Vier het met de wijk.")
    index()
    found = titles(search.search(viewer, query))
    assert {"Aanbesteding liep vast", "Bewonersavond"} <= set(found)
    assert "Warmtenet opgeleverd" not in found


# Decoded segments (search/arrays.py) ---------------------------------------------------------------------


def test_the_cache_drops_the_least_recently_used_beyond_its_budget():
    from kennisbank.search.arrays import ByteBudgetCache

    cache = ByteBudgetCache(1000)
    cache.put("a", 1, 400)
    cache.put("b", 2, 400)
    cache.put("c", 3, 200)  # exactly the budget: all stay
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.size) == (1, 2, 3, 1000)
    cache.get("a")  # now b is the least recently used
    cache.put("d", 4, 1)
    assert cache.get("b") is None and (cache.get("a"), cache.get("c"), cache.get("d")) == (1, 3, 4)
    assert cache.size == 601


def test_a_commit_decodes_only_its_new_segment(app, db, index, make_lesson, viewer, monkeypatch):
    """Segments never change: what was decoded from one is reused after later commits; only a new
    segment is read (with its own deletions applied as a mask)."""
    from kennisbank.search import arrays, rebuild

    lessons = [make_lesson(title=f"Verlichting {n}") for n in range(40)]
    rebuild.reindex(app)
    assert search.search(viewer, "verlichting").total == 40
    reads = []
    real = arrays._read_term
    monkeypatch.setattr(arrays, "_read_term", lambda reader, field, text: reads.append(reader.segment().segment_id())
                        or real(reader, field, text))
    old_segments = {s.segment_id() for s in arrays_segments(app)}
    make_lesson(title="Verlichting erbij")
    lessons[0].title = "Iets anders"
    db.session.commit()
    index()
    assert search.search(viewer, "verlichting").total == 40  # one more, one fewer
    new_segments = {s.segment_id() for s in arrays_segments(app)} - old_segments
    assert reads and set(reads) <= new_segments
    count = len(reads)
    assert search.search(viewer, "verlichting").total == 40 and len(reads) == count  # all from the cache now


def arrays_segments(app):
    from kennisbank.search import engine

    return [reader.segment() for reader, _ in engine.searchers().get().reader().leaf_readers()]


def test_warming_decodes_recent_terms_for_a_new_segment(app, db, index, make_lesson, viewer):
    from kennisbank.search import arrays, engine

    make_lesson(title="Verlichting in de wijk")
    index()
    search.search(viewer, "verlichting wijk")  # now recently used
    make_lesson(title="Nog meer verlichting")
    index()
    ix = engine.searchers().get()._ix
    newest = arrays_segments(app)[-1]
    arrays.warm(ix.storage, ix.schema, [newest])
    key = ("terms", (newest.segment_id(), newest.doc_count_all()), "text", b"verlichting")
    assert arrays.cache.get(key) is not None and len(arrays.cache.get(key)[0]) == 1


def test_suggestions_prefer_the_fewest_edits_then_the_most_used_word(app, db, index, viewer, make_lesson):
    """Whoosh's corrector ranks by frequency alone: "warmtnet" became the common "warmte"."""
    for n in range(6):
        make_lesson(title=f"Warmte in de wijk {n}")
    make_lesson(title="Warmtenet aangelegd")
    index()
    assert search.search(viewer, "warmtnet").suggestion == "warmtenet"


def test_suggestions_never_offer_the_opposite_word(app, db, index, viewer, make_lesson):
    from kennisbank.search.engine import _negation_of

    make_lesson(title="Leveranciersonafhankelijkheid bij inkoop")
    index()
    assert search.search(viewer, "leveranciersafhankelijkheid").suggestion is None
    assert _negation_of("duidelijk", "onduidelijk") and _negation_of("nietroker", "roker")
    assert not _negation_of("warmtnet", "warmtenet") and not _negation_of("ontwerp", "ontwerpen")


def test_only_rows_that_still_exist_and_may_be_seen_are_shown_in_the_index_order(db, make_user, make_project,
                                                                                 make_lesson, make_network):
    from kennisbank.search.engine import RawHit, Visibility
    from kennisbank.services.finding.visibility import still_visible, who

    viewer, admin = make_user(), make_user(is_admin=True)
    concept = make_project(title="Concept van een ander")
    started = make_project(title="Gestart", status=ProjectStatus.STARTED)
    lesson = make_lesson(title="Les")
    network = make_network(name="Netwerk")
    hit = lambda kind, ident: RawHit(kind=kind, item_id=ident, score=1.0, highlight=None)
    raw = [hit("lesson", lesson.id), hit("project", concept.id), hit("project", 987654), hit("network", network.id),
           hit("project", started.id)]
    assert [(h.kind, row) for h, row in still_visible(viewer, raw)] == [("lesson", lesson), ("network", network),
                                                                         ("project", started)]
    assert [row for _, row in still_visible(admin, raw)] == [lesson, concept, network, started]
    assert still_visible(None, raw) == []
    assert (who(None), who(viewer), who(admin)) == (Visibility(None, False), Visibility(viewer.id, False),
                                                    Visibility(admin.id, True))


def test_a_compound_in_the_query_also_finds_its_parts_apart_whole_word_first(db, index, viewer, make_lesson):
    make_lesson(title="Afhankelijkheid van één leverancier")
    make_lesson(title="Leveranciersafhankelijkheid bij software")
    make_lesson(title="Alleen een leverancier")
    index()
    assert titles(search.search(viewer, "leveranciersafhankelijkheid")) == [
        "Leveranciersafhankelijkheid bij software", "Afhankelijkheid van één leverancier"]


@pytest.mark.parametrize("query", ["Mijn-omgeving", "MijnOmgeving", "mijnomgeving"])
def test_a_name_with_a_stop_word_in_it_is_found_however_it_is_written(db, index, viewer, make_lesson, query):
    """'mijn' is a stop word: without the joined form 'Mijn-omgeving' shrank to 'omgeving'."""
    make_lesson(title="Inloggen op de Mijn-omgeving met eHerkenning")
    make_lesson(title="De MijnOmgeving voor ondernemers")
    make_lesson(title="Een rustige omgeving voor het gesprek")
    index()
    assert set(titles(search.search(viewer, query))) == {"Inloggen op de Mijn-omgeving met eHerkenning",
                                                         "De MijnOmgeving voor ondernemers"}


def test_a_hyphenated_word_still_finds_its_parts(db, index, viewer, make_lesson):
    make_lesson(title="Archiveren in het e-depot")
    make_lesson(title="Een depot voor materiaal")
    index()
    assert titles(search.search(viewer, "edepot")) == ["Archiveren in het e-depot"]
    assert titles(search.search(viewer, "E-depot")) == ["Archiveren in het e-depot"]  # 'e' alone is no word
    assert set(titles(search.search(viewer, "depot"))) == {"Archiveren in het e-depot", "Een depot voor materiaal"}


def test_a_hyphenated_query_finds_the_word_written_together_first_then_its_parts_apart(db, index, viewer,
                                                                                       make_lesson):
    make_lesson(title="Werken aan de slimme stad")
    make_lesson(title="Programma slimme-stad")
    make_lesson(title="Een stad zonder plan")
    index()
    assert titles(search.search(viewer, "slimme-stad")) == ["Programma slimme-stad", "Werken aan de slimme stad"]


def test_a_word_no_text_contains_is_split_into_two_words_some_texts_do(db, index, viewer, make_lesson, client,
                                                                        auth):
    make_lesson(title="Een scorekaart voorspelde fraude", kind=LessonKind.FAILURE)
    make_lesson(title="Fraude met een scorekaart, toch gelukt", kind=LessonKind.SUCCESS)
    make_lesson(title="Alleen fraude")
    index()
    found = search.search(viewer, "fraudescorekaart")
    assert found.split_as == "fraude scorekaart" and found.partial
    assert set(titles(found)[:2]) == {"Een scorekaart voorspelde fraude", "Fraude met een scorekaart, toch gelukt"}
    assert titles(search.search(viewer, "Fraudescorekaart soort:succes")) == ["Fraude met een scorekaart, toch gelukt"]
    assert search.search(viewer, "fraudeschorskaart").split_as == ""  # one part unknown: nothing to split into
    assert search.search(viewer, "scorekaart").split_as == ""  # known as typed: never split
    db.session.commit()  # the searches above logged what found nothing; the page's request writes too
    auth.login(viewer.email)
    html = client.get("/zoeken?q=fraudescorekaart").get_data(as_text=True)
    assert "Niets gevonden met de woorden zoals getypt; gezocht op: <strong>fraude scorekaart</strong>." in html


def test_a_derived_noun_no_text_contains_is_searched_as_the_word_it_comes_from(db, index, viewer, make_lesson):
    make_lesson(title="Mails archiveren in het zaaksysteem")
    make_lesson(title="Afhankelijk van een leverancier")
    make_lesson(title="Een leverancier kiezen")
    index()
    archived = search.search(viewer, "archivering")
    assert archived.split_as == "archiveren" and titles(archived) == ["Mails archiveren in het zaaksysteem"]
    locked_in = search.search(viewer, "leveranciersafhankelijkheid")
    assert locked_in.split_as == "leverancier afhankelijk"
    assert titles(locked_in)[0] == "Afhankelijk van een leverancier"  # both words before one
    assert search.search(viewer, "veiligheid").split_as == ""  # "veilig" occurs nowhere either


def test_without_every_word_the_best_with_some_words_come_first_and_it_is_said(db, index, viewer, make_lesson):
    make_lesson(title="Lantaarnpalen en sensoren")
    make_lesson(title="Lantaarnpalen vervangen")
    make_lesson(title="Iets over water")
    index()
    found = search.search(viewer, "lantaarnpalen sensoren kwallentelling")
    assert found.partial and titles(found) == ["Lantaarnpalen en sensoren", "Lantaarnpalen vervangen"]
    assert found.with_all_words == 0
    logged = db.session.scalars(select(SearchLog)).all()
    assert [(e.query, e.result_count) for e in logged] == [("lantaarnpalen sensoren kwallentelling", 0)]
    few = search.search(viewer, "lantaarnpalen sensoren")  # one with both words: it first, then the others
    assert few.partial and few.with_all_words == 1 and titles(few) == ["Lantaarnpalen en sensoren",
                                                                      "Lantaarnpalen vervangen"]
    assert len(db.session.scalars(select(SearchLog)).all()) == 1  # found with every word: not in vain
    by_date = search.search(viewer, "lantaarnpalen sensoren", order="datum")
    assert not by_date.partial and titles(by_date) == ["Lantaarnpalen en sensoren"]


def test_enough_results_with_every_word_are_not_widened(db, index, viewer, make_lesson):
    for n in range(search.FEW - 1):
        make_lesson(title=f"Lantaarnpalen met sensoren {n}")
    make_lesson(title="Lantaarnpalen vervangen")
    index()
    one_short = search.search(viewer, "lantaarnpalen sensoren")
    assert one_short.partial and (one_short.with_all_words, one_short.total) == (search.FEW - 1, search.FEW)
    make_lesson(title="Lantaarnpalen met sensoren, de laatste")
    index()
    enough = search.search(viewer, "lantaarnpalen sensoren")
    assert not enough.partial and enough.total == search.FEW


def test_more_words_matched_beats_a_higher_score():
    import numpy as np

    from kennisbank.search.postings import Hits, _most_words

    one_strong = Hits(np.array([1]), np.array([50.0]))
    both_weak = Hits(np.array([2]), np.array([0.1]))
    other_weak = Hits(np.array([2]), np.array([0.1]))
    ranked = _most_words([one_strong, both_weak, other_weak], doc_count=10)
    assert ranked.scores[ranked.ids.tolist().index(2)] > ranked.scores[ranked.ids.tolist().index(1)]


def test_filters_stay_required_when_fewer_words_need_to_match(db, index, viewer, make_lesson):
    from kennisbank.models import LessonKind

    make_lesson(title="Lantaarnpalen vervangen", kind=LessonKind.SUCCESS)
    make_lesson(title="Lantaarnpalen en sensoren", kind=LessonKind.FAILURE)
    index()
    found = search.search(viewer, "lantaarnpalen kwallentelling soort:succes")
    assert found.partial and titles(found) == ["Lantaarnpalen vervangen"]
