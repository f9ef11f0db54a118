"""The government vocabulary: its file rules, its keeping in the app, and what it does to a search."""
from pathlib import Path

import pytest
from sqlalchemy import select

from kennisbank.ground.errors import DomainError, NotAllowed
from kennisbank.models import Revision, VocabularyEntry
from kennisbank.search import indexer
from kennisbank.search import vocabulary as words
from kennisbank.search.query import parse
from kennisbank.services.content import vocabulary
from kennisbank.services.finding import search

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
    """'terms | source' or 'terms | broader | source'."""
    for line in lines:
        terms, *broader, source = line.split(" | ")
        db.session.add(VocabularyEntry(terms=terms, source=source, broader=broader[0] if broader else ""))
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
    ("- ransomware; gijzelsoftware | breder: Ransomware | bron: NCSC",
     "p.md, regel 6: 'Ransomware' staat in de groep zelf; een begrip kan niet breder zijn dan zichzelf."),
    ("- ransomware; gijzelsoftware | breder: cyberaanval;; dreiging | bron: NCSC",
     "p.md, regel 6: er staat een leeg breder begrip tussen de puntkomma's."),
    ("- ransomware; gijzelsoftware | breder:  | bron: NCSC",
     "p.md, regel 6: er staat een leeg breder begrip tussen de puntkomma's."),
    ("- ransomware; gijzelsoftware | breder: a1; a2; a3; a4 | bron: NCSC",
     "p.md, regel 6: 4 bredere begrippen; een groep mag er hoogstens 3 hebben."),
    ("- ransomware; gijzelsoftware | breder: cyberaanval; Cyberaanvallen | bron: NCSC",
     "p.md, regel 6: het bredere begrip 'Cyberaanvallen' staat er twee keer."),
    ("- ransomware; gijzelsoftware | breder: de | bron: NCSC",
     "p.md, regel 6: 'de' bestaat alleen uit stopwoorden en kan niet gezocht worden."),
    ("- ransomware; gijzelsoftware | breder: " + "c" * 81 + " | bron: NCSC",
     "p.md, regel 6: '" + "c" * 40 + "…' is te lang; een term heeft hoogstens 6 woorden en 80 tekens."),
    ("- ransomware; gijzelsoftware | bron: NCSC | breder: cyberaanval",
     "p.md, regel 6: zet '| breder: …' vóór '| bron: …'."),
    ("- ransomware; gijzelsoftware | breder: cyberaanval | breder: dreiging | bron: NCSC",
     "p.md, regel 6: '| breder:' staat er twee keer; zet alle bredere begrippen achter één '| breder:', "
     "gescheiden door een puntkomma."),
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


@pytest.mark.parametrize("terms, broader, source, field", [
    ("AVG", "", "AVG", "terms"),
    ("AVG; de", "", "AVG", "terms"),
    ("AVG; " + "a" * 81, "", "AVG", "terms"),
    ("AVG; privacy", "", " ", "source"),
    ("AVG; privacy", "", "b" * 301, "source"),
    ("AVG; privacy", "wet;; regels", "AVG", "broader"),
    ("AVG; privacy", "a1; a2; a3; a4", "AVG", "broader"),
    ("AVG; privacy", "de", "AVG", "broader"),
    ("AVG; privacy", "c" * 81, "AVG", "broader"),
    ("AVG; privacy", "Privacy", "AVG", "broader"),
    ("AVG; privacy", "wet; Wet", "AVG", "broader"),
    ("Woo; Wob", "GDPR", "Woo", "broader"),  # a circle: the group below is a kind of Woo
])
def test_a_refused_group_puts_the_message_at_the_field_that_breaks_the_rule(app, db, owner, terms, broader, source,
                                                                           field):
    add_groups(db, "gegevensbescherming; GDPR | Woo | AVG")
    with pytest.raises(DomainError) as refused:
        vocabulary.create(terms, source, by=owner, broader_text=broader)
    assert list(refused.value.field_errors) == [field]
    assert ("kring" in refused.value.message) == (broader == "GDPR")


def test_the_limits_themselves_are_allowed():
    twelve = "; ".join(f"woord{n}" for n in range(12))
    six_words = "een twee drie vier vijf zes"
    groups = words.parse_file(f"- {twelve} | bron: x\n- AVG; {six_words}; {'a' * 80} | bron: {'b' * 300}\n"
                              f"- ransomware; gijzelsoftware | Breder: a1; a2; {'c' * 80} | bron: NCSC\n", "p.md")
    assert [len(g.terms) for g in groups] == [12, 3, 2]
    assert [g.broader for g in groups] == [(), (), ("a1", "a2", "c" * 80)]


def test_a_group_may_name_what_it_is_a_kind_of():
    groups = words.parse_file(FRONT + "- ransomware; gijzelsoftware | breder: cyberaanval ; digitale dreiging | "
                                      "bron: NCSC\n", "p.md")
    assert [(g.terms, g.broader, g.source) for g in groups] == [
        (("ransomware", "gijzelsoftware"), ("cyberaanval", "digitale dreiging"), "NCSC")]


def test_broader_concepts_leading_back_to_the_group_are_refused_naming_the_circle(tmp_path):
    (tmp_path / "a.md").write_text(FRONT + "- Wmo; maatschappelijke ondersteuning | breder: sociaal domein | bron: Wmo\n")
    (tmp_path / "b.md").write_text("- sociaal domein; 3D | breder: jeugdzorg | bron: x\n"
                                   "- Jeugdwet; jeugdzorg | breder: maatschappelijke ondersteuning | bron: x\n")
    with pytest.raises(words.VocabularyError) as refused:
        vocabulary.read_folder(tmp_path)
    assert str(refused.value) == ("b.md, regel 2: de bredere begrippen maken een kring: Jeugdwet → Wmo → sociaal "
                                  "domein → Jeugdwet. Een begrip kan niet (via andere) breder zijn dan zichzelf.")
    # The same chain without its last link is a hierarchy, not a circle; a broader word in no group is fine.
    (tmp_path / "b.md").write_text("- sociaal domein; 3D | breder: jeugdzorg | bron: x\n"
                                   "- Jeugdwet; jeugdzorg | breder: overheid | bron: x\n")
    assert len(vocabulary.read_folder(tmp_path)) == 3


def test_two_groups_naming_each_other_are_a_circle_in_either_order():
    first = words.Group(("ransomware", "gijzelsoftware"), "x", "a.md, regel 1", ("cyberaanval",))
    second = words.Group(("cyberaanval", "digitale aanval"), "x", "a.md, regel 2", ("gijzelsoftware",))
    for one, other in ((first, second), (second, first)):
        with pytest.raises(words.VocabularyError) as refused:
            words.Vocabulary([one, other])
        assert "de bredere begrippen maken een kring" in str(refused.value)
        assert str(refused.value).startswith(other.place)


def test_a_narrower_expansion_keeps_whole_groups_within_the_cap():
    found = words.Vocabulary([
        words.Group(("cyberaanval", "digitale aanval"), "x"),
        words.Group(("ransomware", "gijzelsoftware"), "x", broader=("cyberaanval",)),
        words.Group(("phishing", "nepmail", "hengelen"), "x", broader=("digitale aanval",))])
    expansion = found.lookup(words.key("cyberaanval"))
    assert (expansion.added, expansion.narrower, expansion.broader) == (["digitale aanval"], ["ransomware", "phishing"], [])
    assert found.lookup(words.key("gijzelsoftware")).broader == ["cyberaanval"]
    assert expansion.cut(3) == 3 and expansion.narrower == ["ransomware"]  # phishing's three words do not fit
    assert expansion.narrower_keys == [words.key("ransomware"), words.key("gijzelsoftware")]
    again = found.lookup(words.key("cyberaanval"))
    assert again.cut(6) == 6 and again.narrower == ["ransomware", "phishing"]
    # A group added later is known as narrower at once; one that does not fit leaves room for the next.
    found.add(words.Group(("DDoS", "overbelastingsaanval"), "x", broader=("cyberaanval",)))
    third = found.lookup(words.key("cyberaanval"))
    assert third.narrower == ["ransomware", "phishing", "DDoS"]
    assert third.cut(5) == 5 and third.narrower == ["ransomware", "DDoS"]


def test_narrower_words_count_towards_the_cap_of_the_whole_query():
    broad = [words.Group(("cyberaanval", "cyberincident"), "x")] + [
        words.Group((f"aanvalsvorm{n}", f"aanvalstype{n}"), "x", broader=("cyberaanval",)) for n in range(11)]
    other = [words.Group(("AVG", "privacy"), "x"), words.Group(("DPIA", "PIA"), "x", broader=("AVG",))]
    for query in ("cyberaanval AVG", "cyberaanval type:les AVG"):  # one run of words, and two
        parsed = parse(query, words.Vocabulary(broad + other))
        assert parsed.expanded == ["cyberincident", "privacy"] and len(parsed.narrower) == 11  # 1 + 22 + 1 = 24
        assert "DPIA" not in parsed.narrower


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
    assert sum(bool(group.broader) for group in groups) >= 100
    found = words.Vocabulary(groups)
    for broad, narrow in [("AVG", "DPIA"), ("Woo", "Woo-verzoek"), ("schuldhulpverlening", "vroegsignalering"),
                          ("Omgevingswet", "DSO"), ("stelsel van basisregistraties", "BRP"),
                          ("cyberaanval", "ransomware"), ("zaakgericht werken", "zaaksysteem")]:
        assert narrow in found.lookup(words.key(broad)).narrower, broad
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
    added, updated, kept = vocabulary.load_content(CONTENT)
    assert added >= 200 and updated == kept == 0
    entry = db.session.scalar(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("AVG;")))
    assert entry.origin == "privacy-en-informatiebeveiliging.md"
    vocabulary.update(entry, "AVG; privacy", "AVG", expected_version=entry.version, by=owner)
    db.session.commit()
    assert vocabulary.load_content(CONTENT) == (0, 0, added)
    assert entry.terms == "AVG; privacy"


def test_a_group_nobody_edited_follows_its_file_and_an_edited_one_stays(app, db, owner, tmp_path, caplog):
    (tmp_path / "a.md").write_text("- ransomware; gijzelsoftware | bron: NCSC\n- phishing; nepmail | bron: NCSC\n"
                                   "- cyberaanval; cyberincident | bron: NCSC\n")
    assert vocabulary.load_content(tmp_path) == (3, 0, 0)
    db.session.commit()
    phishing = db.session.scalar(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("phishing")))
    vocabulary.update(phishing, "phishing; nepmail", "NCSC, begrippen", expected_version=phishing.version, by=owner)
    db.session.commit()
    # A new release names broader concepts (and one that would join two groups).
    (tmp_path / "a.md").write_text("- ransomware; gijzelsoftware | breder: cyberaanval | bron: NCSC\n"
                                   "- phishing; nepmail | breder: cyberaanval | bron: NCSC\n"
                                   "- cyberaanval; cyberincident | bron: NCSC\n")
    assert vocabulary.load_content(tmp_path) == (0, 1, 2)
    db.session.commit()
    rows = {entry.name: entry for entry in vocabulary.active_entries()}
    assert (rows["ransomware"].broader, rows["phishing"].broader) == ("cyberaanval", "")  # the edit wins
    history = db.session.scalars(select(Revision).where(Revision.entity_type == "vocabularyentry",
                                                        Revision.entity_id == rows["ransomware"].id)
                                 .order_by(Revision.id)).all()
    assert [(r.action, r.user_id, r.changes) for r in history] == [
        ("geladen uit content", None, {}), ("bijgewerkt uit content", None, {"broader": ["", "cyberaanval"]})]
    assert vocabulary.load_content(tmp_path) == (0, 0, 3)  # up to date: nothing more
    (tmp_path / "a.md").write_text("- ransomware; gijzelsoftware; phishing | bron: NCSC\n")  # clashes with phishing
    assert vocabulary.load_content(tmp_path) == (0, 0, 1)
    assert rows["ransomware"].terms == "ransomware; gijzelsoftware"
    assert any("not brought up to date" in record.getMessage() for record in caplog.records)
    vocabulary.remove(rows["cyberaanval"], by=owner)
    db.session.commit()
    (tmp_path / "a.md").write_text("- cyberaanval; cyberincident; hack | bron: NCSC\n")
    assert vocabulary.load_content(tmp_path) == (0, 0, 1)  # removed in the app: stays removed
    assert "cyberaanval" not in {entry.name for entry in vocabulary.active_entries()}


def test_loading_knows_a_group_by_its_first_word_in_any_case_and_never_joins_two(app, db, owner, tmp_path,
                                                                                caplog):
    add_groups(db, "avg; privacy | AVG", "Woo; Wet open overheid | Woo")
    (tmp_path / "a.md").write_text("- AVG; GDPR | bron: AVG\n- persoonsgegevens; Woo | bron: AVG\n"
                                   "- BRP; basisregistratie personen | bron: Wet BRP\n")
    assert vocabulary.load_content(tmp_path) == (1, 0, 2)  # AVG is there (as avg); the second shares Woo
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


CYBER = ("cyberaanval; cyberincident | NCSC", "ransomware; gijzelsoftware | cyberaanval | NCSC")


def test_a_broad_word_also_finds_the_narrower_ones_after_its_own_and_its_synonyms(db, index, owner, make_lesson):
    add_groups(db, *CYBER)
    make_lesson(title="Gijzelsoftware in het archief")
    make_lesson(title="Cyberincident in het archief")
    make_lesson(title="Cyberaanval in het archief")
    make_lesson(title="Iets over het archief")
    index()
    found = search.search(owner, "cyberaanval")
    assert titles(found) == ["Cyberaanval in het archief", "Cyberincident in het archief", "Gijzelsoftware in het archief"]
    assert (found.expanded, found.narrower, found.broader) == (["cyberincident"], ["ransomware"], [])
    narrow = search.search(owner, "ransomware")  # a narrow word never finds the broad one while it finds itself
    assert titles(narrow) == ["Gijzelsoftware in het archief"] and narrow.narrower == [] and narrow.broader == []


def test_nothing_on_a_narrow_word_gives_what_there_is_on_the_broader_one_and_is_still_logged(db, index, owner,
                                                                                            make_lesson):
    from kennisbank.models import SearchLog

    add_groups(db, *CYBER)
    make_lesson(title="Cyberincident bij de wijkapp")
    make_lesson(title="Iets over water")
    index()
    found = search.search(owner, "ransomware")
    assert titles(found) == ["Cyberincident bij de wijkapp"] and found.broader == ["cyberaanval"]
    assert [row.query for row in db.session.scalars(select(SearchLog))] == ["ransomware"]  # the gap stays visible
    assert search.search(owner, "gijzelsoftware water").broader == []  # some words found: those, not the broader
    assert search.search(owner, "phishing").broader == []  # in no group: nothing broader to offer


def test_when_the_broader_word_finds_nothing_either_nothing_is_claimed(db, index, owner, make_lesson):
    add_groups(db, *CYBER)
    make_lesson(title="Iets over water")
    index()
    found = search.search(owner, "ransomware")
    assert (found.total, found.broader) == (0, [])


def test_the_results_page_and_the_api_say_a_broader_word_was_used(app, db, client, auth, index, owner, make_lesson):
    add_groups(db, *CYBER)
    make_lesson(title="Cyberincident bij de wijkapp")
    index()
    auth.login(owner.email)
    html = client.get("/zoeken?q=ransomware").get_data(as_text=True)
    assert ("Niets gevonden op uw zoekwoorden; dit zijn de resultaten voor het bredere begrip: "
            "<strong>cyberaanval</strong>") in html and "Cyberincident bij de wijkapp" in html
    html = client.get("/zoeken?q=cyberaanval").get_data(as_text=True)
    assert "Ook gezocht op: cyberincident; en op de nauwere begrippen: ransomware (" in html
    api = client.get("/api/v1/zoeken?q=ransomware").get_json()
    assert (api["broader"], api["narrower"], api["total"]) == (["cyberaanval"], [], 1)
    assert client.get("/api/v1/zoeken?q=cyberaanval").get_json()["narrower"] == ["ransomware"]


def voortoets_items(description: str) -> list:
    from kennisbank.services.gates import voortoets

    return [suggestion.item for suggestion in voortoets.similar_work(description, theme_ids=[])]


def one_lesson_among_others(make_lesson, index, title: str):
    lesson = make_lesson(title=title)
    for subject in ("water", "bomen", "parkeren", "verlichting", "afval"):
        make_lesson(title=f"Les over {subject}")
    index()
    return lesson


def test_the_voortoets_finds_narrower_work_for_a_broad_description_after_its_synonyms(db, index, make_lesson):
    lesson = one_lesson_among_others(make_lesson, index, "Vroegsignalering van betalingsachterstanden")
    description = "Schuldhulpverlening in de regio organiseren"
    add_groups(db, "schuldhulpverlening; schuldhulp | Wgs", "vroegsignalering; signalen van schulden | Wgs")
    assert lesson not in voortoets_items(description)
    db.session.scalars(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("vroeg"))).one().broader = \
        "schuldhulpverlening"
    db.session.commit()
    assert voortoets_items(description) == [lesson]
    synonym = make_lesson(title="Schuldhulp van betalingsachterstanden")
    index()
    assert voortoets_items(description) == [synonym, lesson]


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


def test_an_owner_names_a_broader_concept_with_history_and_a_circle_is_refused_keeping_the_text(
        app, db, client, auth, owner):
    add_groups(db, CYBER[0])
    auth.login(owner.email)
    token = csrf_token(client, "/woordenlijst/nieuw")
    done = client.post("/woordenlijst/nieuw", data={"csrf_token": token, "terms": "ransomware; gijzelsoftware",
                                                    "broader": " cyberaanval ", "source": "NCSC"},
                       follow_redirects=True)
    assert "De woordgroep is toegevoegd" in done.get_data(as_text=True)
    entry = db.session.scalars(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("ransomware"))).one()
    assert entry.broader == "cyberaanval"
    assert "Breder: cyberaanval" in client.get("/woordenlijst?q=ransomware").get_data(as_text=True)
    created = db.session.scalars(select(Revision).where(Revision.entity_type == "vocabularyentry",
                                                        Revision.entity_id == entry.id)).one()
    assert created.changes["broader"] == [None, "cyberaanval"]
    broad = db.session.scalars(select(VocabularyEntry).where(VocabularyEntry.terms.startswith("cyber"))).one()
    refused = client.post(f"/woordenlijst/{broad.id}/bewerken",
                          data={"csrf_token": token, "terms": "cyberaanval; cyberincident", "broader": "gijzelsoftware",
                                "source": "NCSC", "version": broad.version, "basis": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "De bredere begrippen maken een kring: cyberaanval → ransomware → cyberaanval." in html
    assert 'value="gijzelsoftware"' in html
    db.session.refresh(broad)
    assert broad.broader == "" and broad.version == 1
    with pytest.raises(DomainError) as own:
        vocabulary.update(entry, "ransomware; gijzelsoftware", "NCSC", expected_version=entry.version, by=owner,
                          broader_text="Ransomware")
    assert own.value.field_errors == {"broader": own.value.message}
    vocabulary.update(entry, "ransomware; gijzelsoftware", "NCSC", expected_version=entry.version, by=owner,
                      broader_text="")
    db.session.commit()
    assert entry.broader == "" and vocabulary.current().lookup(words.key("ransomware")).broader == []


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
    lesson = one_lesson_among_others(make_lesson, index, "Persoonsgegevens van bewoners goed beschermen")
    description = "Hoe voldoet onze wijkapp aan de AVG?"
    assert lesson not in voortoets_items(description)
    add_groups(db, "AVG; persoonsgegevens | AVG")
    assert voortoets_items(description) == [lesson]


def test_a_voortoets_reason_names_the_vocabulary_word_it_found_for_the_users_own(db, index, make_lesson):
    from kennisbank.services.gates import voortoets

    add_groups(db, "AVG; persoonsgegevens; gegevensbescherming | AVG", "Wmo; maatschappelijke ondersteuning | Wmo",
               "keukentafelgesprek; huisbezoek | Wmo | Wmo")
    make_lesson(title="Persoonsgegevens bij het keukentafelgesprek",
                context="Een les over opslag.\nDe Persoonsgegevens uit het keukentafelgesprek stonden op een gedeelde schijf.")
    for subject in ("water", "bomen", "parkeren"):
        make_lesson(title=f"Les over {subject}")
    index()
    [suggestion] = voortoets.similar_work("De AVG bij de Wmo", theme_ids=[])
    assert suggestion.reason == ("via de woordenlijst: AVG → persoonsgegevens, wmo → keukentafelgesprek; uit de "
                                 "tekst: “De Persoonsgegevens uit het keukentafelgesprek stonden op een gedeelde "
                                 "schijf.”")
    from kennisbank.search.similar import Related

    related = [Related(words.key(word), typed) for word, typed in (
        ("datalek", "AVG"), ("persoonsgegevens", "AVG"), ("keukentafelgesprek", "Wmo"), ("opslag", "archief"),
        ("schijf", "disk"), ("persoonsgegevens", "AVG"))]
    reason = voortoets._reason("lesson", suggestion.item, [], [], None, {}, related)
    assert reason.startswith("via de woordenlijst: AVG → persoonsgegevens, Wmo → keukentafelgesprek, archief → "
                             "opslag; uit de tekst")  # only what it has, three at most, each once


def test_a_stored_group_with_two_spellings_of_one_word_keeps_working():
    """Stored before an analysis change made two of its terms one word ('heb' and 'hebben' became one
    when verbs got their stem as term): the group is not dropped, and a search for either adds only the
    other words (new input is refused by check_group)."""
    from kennisbank.search.vocabulary import Group, key
    from kennisbank.services.content.vocabulary import tolerant

    vocabulary = tolerant([Group(("zonnepanelen", "zonnepaneel", "PV-panelen"), "RVO")])
    assert len(vocabulary) == 1
    for word in ("zonnepanelen", "zonnepaneel"):
        assert vocabulary.lookup(key(word)).added == ["PV-panelen"]
    assert vocabulary.lookup(key("PV-panelen")).added == ["zonnepanelen", "zonnepaneel"]  # after the twin too
