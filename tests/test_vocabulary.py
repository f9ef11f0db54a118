"""The government vocabulary: its file rules, its keeping in the app, and what it does to a search."""
from pathlib import Path

import pytest
from sqlalchemy import select

from kennisbank.models import Revision, VocabularyEntry
from kennisbank.search import indexer
from kennisbank.search import vocabulary as words
from kennisbank.search.query import parse
from kennisbank.services import search, vocabulary
from kennisbank.services.errors import DomainError, NotAllowed

from .conftest import csrf_token

CONTENT = Path(__file__).resolve().parent.parent / "content" / vocabulary.FOLDER
FRONT = "---\ntitel: Test\n---\nUitleg voor mensen; deze regel telt niet.\n\n"


def titles(page) -> list[str]:
    return [hit.item.title for hit in page.hits]


@pytest.fixture
def index(app):
    return lambda: indexer.catch_up(app)


@pytest.fixture
def owner(make_user, make_theme):
    person = make_user(name="Eigenaar")
    make_theme(owners=[person])
    return person


def add_groups(db, *lines: str) -> None:
    for line in lines:
        terms, source = line.split(" | ")
        db.session.add(VocabularyEntry(terms=terms, source=source))
    db.session.commit()


# The file format and its rules ------------------------------------------------------------------------

def test_a_file_gives_its_groups_with_file_and_line():
    groups = words.parse_file(FRONT + "- AVG; privacy ;GDPR | bron: AVG\n* Woo; Wet open overheid | Bron: Woo\n",
                              "p.md")
    assert [(g.terms, g.source, g.place) for g in groups] == [
        (("AVG", "privacy", "GDPR"), "AVG", "p.md, regel 6"), (("Woo", "Wet open overheid"), "Woo", "p.md, regel 7")]


@pytest.mark.parametrize("line, message", [
    ("- AVG; privacy", "p.md, regel 6: de bron ontbreekt; schrijf '| bron: …' achter de woorden."),
    ("- AVG; privacy | bron:  ", "p.md, regel 6: de bron ontbreekt: noem de wet, de standaard of de pagina waar "
                                 "de woorden vandaan komen."),
    ("- AVG;; privacy | bron: AVG", "p.md, regel 6: er staat een lege term tussen de puntkomma's."),
    ("- AVG | bron: AVG", "p.md, regel 6: een groep heeft minstens twee woorden nodig die hetzelfde betekenen, "
                          "gescheiden door een puntkomma."),
    ("- AVG; de | bron: AVG", "p.md, regel 6: 'de' bestaat alleen uit stopwoorden en kan niet gezocht worden."),
    ("- zonnepanelen; zonnepaneel | bron: RVO", "p.md, regel 6: 'zonnepaneel' staat al in deze groep (als "
                                                "'zonnepanelen')."),
    ("- AVG; " + "; ".join(f"woord{n}" for n in range(12)) + " | bron: x",
     "p.md, regel 6: 13 termen; een groep mag er hoogstens 12 hebben, anders wordt één zoekwoord tot te veel "
     "woorden uitgebreid. Splits de groep."),
    ("- AVG; een twee drie vier vijf zes zeven | bron: x",
     "p.md, regel 6: 'een twee drie vier vijf zes zeven…' is te lang; een term heeft hoogstens 6 woorden en 80 "
     "tekens."),
    ("- AVG; " + "a" * 81 + " | bron: x", "p.md, regel 6: '" + "a" * 40 + "…' is te lang; een term heeft "
                                         "hoogstens 6 woorden en 80 tekens."),
    ("- AVG; privacy | bron: " + "b" * 301, "p.md, regel 6: de bron is langer dan 300 tekens."),
])
def test_a_broken_group_is_refused_naming_file_and_line(line, message):
    with pytest.raises(words.VocabularyError) as refused:
        words.parse_file(FRONT + line + "\n", "p.md")
    assert str(refused.value) == message


def test_front_matter_is_not_read_as_groups_and_lines_count_from_the_top():
    text = "---\ntitel: T\ntrefwoorden:\n  - privacy\n---\n- AVG; GDPR | bron: AVG\n- Woo; Wob | x\n"
    with pytest.raises(words.VocabularyError) as refused:
        words.parse_file(text, "f.md")
    assert str(refused.value) == "f.md, regel 7: de bron ontbreekt; schrijf '| bron: …' achter de woorden."
    groups = words.parse_file("---\n---\n- AVG; GDPR | bron: AVG\n", "g.md")
    assert [(g.terms, g.place) for g in groups] == [(("AVG", "GDPR"), "g.md, regel 3")]
    with pytest.raises(words.VocabularyError) as unclosed:
        words.parse_file("---\ntitel: T\n- AVG; GDPR | bron: AVG\n", "h.md")
    assert str(unclosed.value) == "h.md: de front matter wordt niet afgesloten met '---'."


def test_a_source_may_itself_mention_a_source():
    groups = words.parse_file("- AVG; GDPR | bron: AVG | bron: ook de UAVG\n", "s.md")
    assert groups[0].source == "AVG | bron: ook de UAVG"


def test_a_group_made_in_the_app_is_refused_without_a_place_in_front(app, db, owner):
    with pytest.raises(DomainError) as refused:
        vocabulary.create("AVG", "AVG", by=owner)
    assert refused.value.message == ("Een groep heeft minstens twee woorden nodig die hetzelfde betekenen, "
                                     "gescheiden door een puntkomma.")
    assert refused.value.field_errors == {"terms": refused.value.message}


def test_the_limits_themselves_are_allowed():
    twelve = "; ".join(f"woord{n}" for n in range(12))
    six_words = "een twee drie vier vijf zes"
    groups = words.parse_file(f"- {twelve} | bron: x\n- AVG; {six_words}; {'a' * 80} | bron: {'b' * 300}\n", "p.md")
    assert [len(g.terms) for g in groups] == [12, 3]


def test_a_word_in_two_groups_would_join_them_and_is_refused_with_both_places(tmp_path):
    (tmp_path / "a.md").write_text(FRONT + "- AVG; privacy | bron: AVG\n")
    (tmp_path / "b.md").write_text("- persoonsgegevens; Privacy | bron: AVG\n")
    with pytest.raises(words.VocabularyError) as refused:
        vocabulary.read_folder(tmp_path)
    assert str(refused.value) == ("b.md, regel 1: 'Privacy' staat ook in a.md, regel 6. Eén woord in twee groepen "
                                  "zou die groepen aan elkaar koppelen (een kring); voeg ze samen of haal het woord "
                                  "uit één groep weg.")


def test_the_shipped_vocabulary_is_valid_large_and_sourced():
    groups = vocabulary.read_folder(CONTENT)
    assert len(groups) >= 200
    assert all(group.source for group in groups)
    found = words.Vocabulary(groups)
    for typed, meant in [("AVG", "persoonsgegevens"), ("privacy", "GDPR"), ("BRP", "basisregistratie personen"),
                         ("KCC", "klantcontactcentrum"), ("VTH", "vergunningverlening toezicht handhaving"),
                         ("Woo", "Wet open overheid"), ("notificeren", "informeren"),
                         ("documentcreatie", "documentgeneratie"), ("chatbot", "virtuele assistent"),
                         ("zonnepanelen", "zonne-opwek"), ("DSO", "Omgevingsloket")]:
        expansion = found.lookup(words.key(typed))
        assert expansion is not None and meant in expansion.added, typed


def test_expansion_is_capped_over_the_whole_query():
    many = [words.Group(tuple(f"{stem}{n}" for n in range(12)), "x") for stem in ("appel", "peer", "kers")]
    found = words.Vocabulary(many).expand_words([words.key("appel0"), words.key("peer0"), words.key("kers0")],
                                               limit=words.MAX_EXPANSION)
    assert [len(expansion.added) for _, expansion in found.values()] == [11, 11, 2]


def test_one_word_terms_are_found_also_where_the_longest_term_has_two_words():
    found = words.Vocabulary([words.Group(("basisregistratie personen", "BRP"), "x")])
    assert parse("BRP gemeente", found).expanded == ["basisregistratie personen"]
    assert parse("basisregistratie personen gemeente", found).expanded == ["BRP"]


def test_the_longest_run_of_query_words_wins():
    found = words.Vocabulary([words.Group(("basisregistratie personen", "BRP"), "x"),
                              words.Group(("personen", "mensen"), "x")])
    matches = found.expand_words([words.key("basisregistratie"), words.key("personen")])
    assert [(start, length, e.added) for start, (length, e) in matches.items()] == [(0, 2, ["BRP"])]


# Keeping it in the app ----------------------------------------------------------------------------------

def test_loading_content_adds_what_is_missing_and_keeps_edits(app, db, owner):
    added, kept = vocabulary.load_content(CONTENT)
    assert added >= 200 and kept == 0
    entry = db.session.scalar(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("AVG;")))
    assert entry.origin == "privacy-en-informatiebeveiliging.md"
    vocabulary.update(entry, "AVG; privacy", "AVG", expected_version=entry.version, by=owner)
    db.session.commit()
    assert vocabulary.load_content(CONTENT) == (0, added)
    assert entry.terms == "AVG; privacy"


def test_loading_knows_a_group_by_its_first_word_in_any_case_and_never_joins_two(app, db, owner, tmp_path,
                                                                                caplog):
    add_groups(db, "avg; privacy | AVG", "Woo; Wet open overheid | Woo")
    (tmp_path / "a.md").write_text("- AVG; GDPR | bron: AVG\n- persoonsgegevens; Woo | bron: AVG\n"
                                   "- BRP; basisregistratie personen | bron: Wet BRP\n")
    assert vocabulary.load_content(tmp_path) == (1, 2)  # AVG is there (as avg); the second shares Woo
    assert [entry.name for entry in vocabulary.active_entries()] == ["avg", "BRP", "Woo"]  # by name, any case
    left_out = [record.getMessage() for record in caplog.records if "left out" in record.getMessage()]
    assert left_out == ["vocabulary group from content left out: a.md, regel 2: 'Woo' staat ook in de groep "
                        "'Woo'. Eén woord in twee groepen zou die groepen aan elkaar koppelen (een kring); voeg ze "
                        "samen of haal het woord uit één groep weg."]  # AVG was known by name: not even tried


def test_theme_owners_keep_the_list_with_history(app, db, owner, make_user):
    entry = vocabulary.create(" Woo ; Wet open overheid", " Wet open  overheid ", by=owner)
    assert (entry.terms, entry.source) == ("Woo; Wet open overheid", "Wet open overheid")
    vocabulary.update(entry, "Woo; Wet open overheid; Wob", "Woo", expected_version=entry.version, by=owner)
    vocabulary.remove(entry, by=owner)
    db.session.commit()
    history = db.session.scalars(select(Revision).where(Revision.entity_type == "vocabularyentry")
                                 .order_by(Revision.id)).all()
    assert [(r.action, r.user_id) for r in history] == [("aangemaakt", owner.id), ("gewijzigd", owner.id),
                                                       ("verwijderd", owner.id)]
    assert history[0].changes == {"terms": [None, "Woo; Wet open overheid"], "source": [None, "Wet open overheid"]}
    assert history[1].changes == {"terms": ["Woo; Wet open overheid", "Woo; Wet open overheid; Wob"],
                                  "source": ["Wet open overheid", "Woo"]}
    assert vocabulary.active_entries() == []
    with pytest.raises(NotAllowed) as refused:
        vocabulary.update(entry, "Woo; Wob", "Woo", expected_version=entry.version, by=owner)  # removed: not any more
    assert str(refused.value) == "Alleen themaeigenaren en beheerders kunnen de woordenlijst bewerken."
    colleague = make_user()
    with pytest.raises(NotAllowed) as refused:
        vocabulary.create("a1; b1", "x", by=colleague)
    assert str(refused.value) == "Alleen themaeigenaren en beheerders kunnen de woordenlijst aanvullen."
    for change in (lambda: vocabulary.update(entry, "a1; b1", "x", expected_version=entry.version, by=colleague),
                   lambda: vocabulary.remove(entry, by=colleague)):
        with pytest.raises(NotAllowed) as refused:
            change()
        assert str(refused.value) == "Alleen themaeigenaren en beheerders kunnen de woordenlijst bewerken."


def test_an_edit_that_would_join_two_groups_is_refused_in_dutch(app, db, owner):
    add_groups(db, "AVG; privacy | AVG")
    with pytest.raises(DomainError) as refused:
        vocabulary.create("persoonsgegevens; privacy", "AVG", by=owner)
    assert refused.value.message == ("'privacy' staat ook in de groep 'AVG'. Eén woord in twee groepen zou die groepen "
                                     "aan elkaar koppelen (een kring); voeg ze samen of haal het woord uit één groep "
                                     "weg.")
    entry = vocabulary.active_entries()[0]
    vocabulary.update(entry, "AVG; privacy; GDPR", "AVG", expected_version=entry.version, by=owner)  # itself: fine


def test_every_search_uses_the_list_as_it_is_now(app, db, owner):
    assert parse("privacy", vocabulary.current()).expanded == []
    entry = vocabulary.create("privacy; persoonsgegevens", "AVG", by=owner)
    db.session.commit()
    assert parse("privacy", vocabulary.current()).expanded == ["persoonsgegevens"]
    vocabulary.update(entry, "privacy; AVG", "AVG", expected_version=entry.version, by=owner)
    db.session.commit()
    assert parse("privacy", vocabulary.current()).expanded == ["AVG"]


def test_two_clashing_groups_in_the_database_keep_the_first(app, db, caplog):
    add_groups(db, "AVG; privacy | AVG", "privacy; persoonsgegevens | AVG", "Woo; Wob | Woo")
    assert parse("privacy", vocabulary.current()).expanded == ["AVG"]
    assert parse("Woo", vocabulary.current()).expanded == ["Wob"]  # the groups after a clash still count
    assert [record.getMessage() for record in caplog.records if "skipped" in record.getMessage()] == [
        "vocabulary group skipped: 'privacy' staat ook in de groep 'AVG'. Eén woord in twee groepen zou die "
        "groepen aan elkaar koppelen (een kring); voeg ze samen of haal het woord uit één groep weg."]


def test_any_change_to_the_groups_is_noticed_also_one_written_by_another_process(app, db):
    """The stamp is (count, last change, versions): each alone notices a change the others may miss."""
    from datetime import datetime

    from sqlalchemy import insert, update

    add_groups(db, "AVG; privacy | AVG")
    assert parse("privacy", vocabulary.current()).expanded == ["AVG"]
    old = datetime(2020, 1, 1)
    db.session.execute(insert(VocabularyEntry).values(terms="Woo; Wob", source="Woo", origin="", version=0,
                                                      created_at=old, updated_at=old))  # counted only
    db.session.commit()
    assert parse("Woo", vocabulary.current()).expanded == ["Wob"]
    newest = db.session.scalar(select(VocabularyEntry.updated_at).order_by(VocabularyEntry.updated_at.desc()))
    db.session.execute(update(VocabularyEntry).where(VocabularyEntry.terms == "AVG; privacy")
                       .values(terms="AVG; GDPR", updated_at=newest.replace(year=newest.year + 1)))  # time only
    db.session.commit()
    assert parse("AVG", vocabulary.current()).expanded == ["GDPR"]
    db.session.execute(update(VocabularyEntry).where(VocabularyEntry.terms == "Woo; Wob")
                       .values(terms="Woo; Wet open overheid", version=VocabularyEntry.version + 1))  # version only
    db.session.commit()
    assert parse("Woo", vocabulary.current()).expanded == ["Wet open overheid"]


# What it does to a search ---------------------------------------------------------------------------------

def test_a_query_finds_the_other_words_of_its_group_own_word_first(db, index, owner, make_lesson):
    add_groups(db, "AVG; privacy; persoonsgegevens | AVG")
    make_lesson(title="Persoonsgegevens in de wijkapp")
    make_lesson(title="Privacy bij sensoren")
    make_lesson(title="Iets over water")
    index()
    found = search.search(owner, "privacy")
    assert titles(found) == ["Privacy bij sensoren", "Persoonsgegevens in de wijkapp"]
    assert found.expanded == ["AVG", "persoonsgegevens"] and not found.partial


def test_several_words_can_be_one_term(db, index, owner, make_lesson):
    add_groups(db, "BRP; basisregistratie personen | Wet BRP")
    make_lesson(title="Koppeling met de BRP")
    make_lesson(title="Personen tellen")
    index()
    found = search.search(owner, "basisregistratie personen")
    assert titles(found) == ["Koppeling met de BRP"] and found.expanded == ["BRP"]
    assert titles(search.search(owner, "BRP")) == ["Koppeling met de BRP"]


def test_alternatives_the_user_typed_are_left_alone(db, index, owner, make_lesson):
    add_groups(db, "AVG; privacy | AVG")
    assert parse("privacy OF water", vocabulary.current()).expanded == []
    assert parse("-privacy water", vocabulary.current()).expanded == []
    assert parse('"privacy" water', vocabulary.current()).expanded == []





def test_the_results_page_says_what_was_added_and_when_only_some_words_matched(app, db, client, auth, index, owner,
                                                                              make_lesson):
    add_groups(db, "AVG; privacy | AVG")
    make_lesson(title="AVG en sensoren")
    index()
    auth.login(owner.email)
    html = client.get("/zoeken?q=privacy").get_data(as_text=True)
    assert "Ook gezocht op: AVG (" in html
    html = client.get("/zoeken?q=privacy+kwallentelling").get_data(as_text=True)
    assert "Geen resultaten met alle woorden; dit zijn de beste resultaten met een deel ervan." in html
    assert "AVG en sensoren" in html
    api = client.get("/api/v1/zoeken?q=privacy+kwallentelling").get_json()
    assert (api["expanded"], api["partial"], api["with_all_words"], api["total"]) == (["AVG"], True, 0, 1)
    make_lesson(title="Privacy van sensoren in lantaarnpalen")
    index()
    html = client.get("/zoeken?q=privacy+lantaarnpalen").get_data(as_text=True)
    assert "1 resultaat heeft alle woorden (bovenaan); daaronder de beste resultaten met een deel ervan." in html


# The pages ----------------------------------------------------------------------------------------------

def test_an_owner_adds_a_group_and_a_refused_one_keeps_what_was_typed(app, db, client, auth, owner):
    add_groups(db, "AVG; privacy | AVG")
    auth.login(owner.email)
    token = csrf_token(client, "/woordenlijst/nieuw")
    refused = client.post("/woordenlijst/nieuw", data={"csrf_token": token, "terms": "gegevens; privacy",
                                                       "source": "Mijn bron"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "staat ook in de groep &#39;AVG&#39;" in html
    assert "gegevens; privacy" in html and 'value="Mijn bron"' in html
    done = client.post("/woordenlijst/nieuw", data={"csrf_token": token, "terms": "Woo; Wet open overheid",
                                                    "source": "Woo"}, follow_redirects=True)
    assert "De woordgroep is toegevoegd" in done.get_data(as_text=True)
    listed = client.get("/woordenlijst?q=overheid").get_data(as_text=True)
    assert "<strong>Woo</strong>; Wet open overheid" in listed and "<strong>AVG</strong>" not in listed


def test_an_edit_on_an_old_version_shows_the_conflict_and_keeps_the_text(app, db, client, auth, owner):
    add_groups(db, "AVG; privacy | AVG")
    entry = vocabulary.active_entries()[0]
    auth.login(owner.email)
    token = csrf_token(client, f"/woordenlijst/{entry.id}/bewerken")
    vocabulary.update(entry, "AVG; privacy; GDPR", "AVG", expected_version=entry.version, by=owner)
    db.session.commit()
    response = client.post(f"/woordenlijst/{entry.id}/bewerken",
                           data={"csrf_token": token, "terms": "AVG; privacy; gegevensbescherming", "source": "AVG",
                                 "version": 1})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "AVG; privacy; gegevensbescherming" in html and "GDPR" in html


def test_a_colleague_reads_the_list_but_cannot_change_it(app, db, client, auth, make_user):
    add_groups(db, "AVG; privacy | AVG")
    entry = vocabulary.active_entries()[0]
    colleague = make_user()
    auth.login(colleague.email)
    listed = client.get("/woordenlijst").get_data(as_text=True)
    assert "<strong>AVG</strong>; privacy" in listed and "Woordgroep toevoegen" not in listed
    assert client.get(f"/woordenlijst/{entry.id}/bewerken").status_code == 403
    token = csrf_token(client, "/")
    assert client.post(f"/woordenlijst/{entry.id}/verwijderen", data={"csrf_token": token}).status_code == 403
    assert vocabulary.active_entries() == [entry]


def test_the_voortoets_finds_earlier_work_in_the_other_words_of_a_group(db, index, make_lesson):
    from kennisbank.services import voortoets

    lesson = make_lesson(title="Persoonsgegevens van bewoners goed beschermen")
    for subject in ("water", "bomen", "parkeren", "verlichting", "afval"):
        make_lesson(title=f"Les over {subject}")
    index()
    description = "Hoe voldoet onze wijkapp aan de AVG?"
    assert lesson not in [s.item for s in voortoets.similar_work(description, theme_ids=[])]
    add_groups(db, "AVG; persoonsgegevens | AVG")
    assert [s.item for s in voortoets.similar_work(description, theme_ids=[])] == [lesson]


def test_a_stored_group_with_two_spellings_of_one_word_keeps_working():
    """Stored before an analysis change made two of its terms one word ('heb' and 'hebben' became one
    when verbs got their stem as term): the group is not dropped, and a search for either adds only the
    other words (new input is refused by check_group)."""
    from kennisbank.search.vocabulary import Group, key
    from kennisbank.services.vocabulary import tolerant

    vocabulary = tolerant([Group(("zonnepanelen", "zonnepaneel", "PV-panelen"), "RVO")])
    assert len(vocabulary) == 1
    for word in ("zonnepanelen", "zonnepaneel"):
        assert vocabulary.lookup(key(word)).added == ["PV-panelen"]
