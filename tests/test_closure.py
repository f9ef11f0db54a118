"""The closure gate: every rule at the service level (closed and stopped), the closure screen over HTTP
(quick lesson, lessons used, refusal that keeps what was typed), and the lessons report."""
from datetime import date

import pytest
from sqlalchemy import func, select

from kennisbank.ground.errors import DomainError, GateRefused, NotAllowed
from kennisbank.models import (InnovationStage, Lesson, LessonKind, LessonUse, LessonUseSource, PriorWorkCheck,
                               PriorWorkSuggestion, ProjectStatus, Verdict)
from kennisbank.services.gates import closure
from kennisbank.services.gates.closure import ClosureInput
from kennisbank.services.registry import revisions
from kennisbank.services.registry.editing import EditConflict
from kennisbank.services.registry.lessons import LessonInput

from .conftest import csrf_token

OUTCOME = "De pilot leverde een werkend netwerk van sensoren op, maar werd niet opgeschaald."


@pytest.fixture
def lead(make_user):
    return make_user(email="leider@gemeente.example", name="Lotte Leider")


@pytest.fixture
def started(make_project, lead):
    return make_project(title="Slimme lantaarnpalen", lead=lead, status=ProjectStatus.STARTED)


def closing(**kw) -> ClosureInput:
    values = dict(status=ProjectStatus.CLOSED, outcome=OUTCOME, stage=InnovationStage.PILOT)
    values.update(kw)
    return ClosureInput(**values)


def refusal(project, data, by) -> dict[str, str]:
    with pytest.raises(GateRefused) as caught:
        closure.close_project(project, data, by=by)
    return caught.value.field_errors


# Service rules ----------------------------------------------------------------------------------------

def test_closes_with_outcome_and_a_failure_lesson(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    closure.close_project(started, closing(), by=lead)
    db.session.commit()
    assert started.status == ProjectStatus.CLOSED and started.closed_at is not None
    assert started.stage == InnovationStage.PILOT and started.outcome == OUTCOME
    assert started.end_date is not None


def test_refused_without_outcome(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    problems = refusal(started, closing(outcome="  "), lead)
    assert set(problems) == {"outcome"} and "resultaat" in problems["outcome"]
    assert started.status == ProjectStatus.STARTED


@pytest.mark.parametrize("days_ahead, refused", [(1, True), (0, False)])
def test_a_project_that_has_not_begun_cannot_end(db, started, lead, make_lesson, days_ahead, refused):
    from datetime import timedelta

    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    started.start_date = date.today() + timedelta(days=days_ahead)
    db.session.commit()
    if refused:
        problems = refusal(started, closing(), lead)
        assert set(problems) == {"status"} and "ligt in de toekomst" in problems["status"]
    else:
        closure.close_project(started, closing(), by=lead)
        assert started.status == ProjectStatus.CLOSED


def test_refused_without_any_lesson(db, started, lead):
    problems = refusal(started, closing(), lead)
    assert "minstens één les" in problems["lessons"]


def test_deleted_lessons_do_not_count(db, started, lead, make_lesson):
    lesson = make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    lesson.deleted_at = lesson.created_at
    db.session.commit()
    assert "lessons" in refusal(started, closing(), lead)


def test_only_successes_need_a_note_why_nothing_went_worse(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS)
    problems = refusal(started, closing(), lead)
    assert set(problems) == {"closure_note"} and "mislukking of verbeterpunt" in problems["closure_note"]
    closure.close_project(started, closing(closure_note="Alles liep volgens plan; de risico's waren vooraf bekend."),
                          by=lead)
    assert started.status == ProjectStatus.CLOSED and started.closure_note.startswith("Alles liep")


@pytest.mark.parametrize("length, refused", [(closure.MIN_NOTE - 1, True), (closure.MIN_NOTE, False)])
def test_the_note_why_nothing_went_worse_has_a_minimum_length(db, started, lead, make_lesson, length, refused):
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS)
    note = "  " + "x" * length + "  "  # spaces around do not count
    if refused:
        assert set(refusal(started, closing(closure_note=note), lead)) == {"closure_note"}
    else:
        closure.close_project(started, closing(closure_note=note), by=lead)
        assert started.status == ProjectStatus.CLOSED


@pytest.mark.parametrize("length, refused", [(closure.MIN_OUTCOME - 1, True), (closure.MIN_OUTCOME, False)])
def test_the_outcome_has_a_minimum_length(db, started, lead, make_lesson, length, refused):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    outcome = " " + "x" * length + " "
    if refused:
        assert set(refusal(started, closing(outcome=outcome), lead)) == {"outcome"}
    else:
        closure.close_project(started, closing(outcome=outcome), by=lead)
        assert started.status == ProjectStatus.CLOSED


@pytest.mark.parametrize("status", [ProjectStatus.CONCEPT, ProjectStatus.STARTED])
def test_a_project_ends_only_as_afgesloten_or_gestopt(db, started, lead, make_lesson, status):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    problems = refusal(started, closing(status=status), lead)
    assert set(problems) == {"status"} and problems["status"] == "Kies of het project is afgesloten of gestopt."
    assert started.status == ProjectStatus.STARTED


@pytest.mark.parametrize("status", [ProjectStatus.CONCEPT, ProjectStatus.CLOSED, ProjectStatus.STOPPED])
def test_only_a_started_project_can_end(db, started, lead, make_lesson, status):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    started.status = status
    db.session.commit()
    problems = refusal(started, closing(), lead)
    assert problems == {"status": "Alleen een gestart project kan worden afgesloten of gestopt."}


def test_an_improvement_lesson_counts_like_a_failure(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.IMPROVEMENT)
    closure.close_project(started, closing(), by=lead)
    assert started.status == ProjectStatus.CLOSED


def test_stopped_project_needs_a_lesson_saying_why(db, started, lead, make_lesson):
    lesson = make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    problems = refusal(started, closing(status=ProjectStatus.STOPPED), lead)
    assert set(problems) == {"stop_lesson"} and "waarom het stopte" in problems["stop_lesson"]
    closure.close_project(started, closing(status=ProjectStatus.STOPPED, stop_lesson_id=lesson.id), by=lead)
    db.session.commit()
    assert started.status == ProjectStatus.STOPPED and lesson.explains_stop


def test_stop_reason_must_be_one_of_the_projects_own_lessons(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    elsewhere = make_lesson(kind=LessonKind.FAILURE)
    assert "stop_lesson" in refusal(started, closing(status=ProjectStatus.STOPPED, stop_lesson_id=elsewhere.id), lead)


def test_a_lesson_already_marked_as_stop_reason_is_enough(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE, explains_stop=True)
    closure.close_project(started, closing(status=ProjectStatus.STOPPED), by=lead)
    assert started.status == ProjectStatus.STOPPED


def test_only_a_started_project_can_close(db, make_project, lead, make_lesson):
    concept = make_project(lead=lead)
    make_lesson(project=concept, author=lead, kind=LessonKind.FAILURE)
    assert "gestart" in refusal(concept, closing(), lead)["status"]


def test_all_missing_things_are_named_at_once(db, started, lead):
    problems = refusal(started, closing(outcome="", status=ProjectStatus.STOPPED), lead)
    assert {"outcome", "lessons", "stop_lesson"} <= set(problems)


def test_only_the_lead_or_an_administrator_closes(db, started, lead, make_user, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    with pytest.raises(NotAllowed):
        closure.close_project(started, closing(), by=make_user())
    closure.close_project(started, closing(), by=make_user(is_admin=True))
    assert started.status == ProjectStatus.CLOSED


def test_closure_records_the_earlier_lessons_used(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    earlier, dropped = make_lesson(title="Eerdere les"), make_lesson(title="Toch niet gebruikt")
    db.session.add(LessonUse(lesson=dropped, project=started, user=lead, source=LessonUseSource.PRIOR_WORK_CHECK))
    db.session.commit()
    closure.close_project(started, closing(used_lesson_ids=[earlier.id]), by=lead)
    db.session.commit()
    uses = {use.lesson_id: use.source for use in db.session.scalars(select(LessonUse))}
    assert uses == {earlier.id: LessonUseSource.CLOSURE}


def test_own_or_unknown_lessons_cannot_be_recorded_as_used(db, started, lead, make_lesson):
    own = make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    for ids in ([own.id], [987654]):
        with pytest.raises(DomainError) as caught:
            closure.close_project(started, closing(used_lesson_ids=ids), by=lead)
        assert "used_lessons" in caught.value.field_errors
    assert started.status == ProjectStatus.STARTED


def test_voortoets_relevant_lessons_are_preselected(db, started, lead, make_lesson):
    relevant, other = make_lesson(title="Relevant"), make_lesson(title="Niet relevant")
    with db.session.no_autoflush:
        check = PriorWorkCheck(basis_text="tekst")
        db.session.add(check)
        check.project = started
        check.suggestions = [
            PriorWorkSuggestion(item_type="lesson", item_id=relevant.id, rank=1, reason="", verdict=Verdict.RELEVANT),
            PriorWorkSuggestion(item_type="lesson", item_id=other.id, rank=2, reason="",
                                verdict=Verdict.NOT_RELEVANT)]
    db.session.commit()
    assert closure.preselected_lessons(started) == [relevant.id]
    assert [lesson.id for lesson in closure.candidate_earlier_lessons(started)] == [relevant.id, other.id]


def test_closure_needs_tell_the_lead_what_is_missing(db, started, lead, make_lesson):
    assert closure.closure_needs(started) == ["Beschrijf het resultaat.", "Leg minstens één les vast."]
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS)
    assert any("mislukking" in need for need in closure.closure_needs(started))


# Over HTTP --------------------------------------------------------------------------------------------

def _form(started, **kw) -> dict:
    data = {"status": "afgesloten", "outcome": OUTCOME, "stage": "pilot", "version": str(started.version),
            "actie": "afsluiten"}
    data.update(kw)
    return data


def test_closure_screen_refuses_then_closes_with_a_quick_lesson(client, auth, db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS, title="Het sensornetwerk werkte")
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    page = client.get(url).get_data(as_text=True)
    assert "Slimme lantaarnpalen (Utrecht): Welk maatschappelijk vraagstuk lossen we op?</textarea>" in page
    assert "Nog nodig om af te sluiten" in page and "Leg een mislukking of verbeterpunt vast" in page
    refused = client.post(url, data={**_form(started), "csrf_token": csrf_token(client, url)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "mislukking of verbeterpunt" in html and OUTCOME in html  # what was typed is kept
    assert db.session.get(type(started), started.id).status == ProjectStatus.STARTED
    closed = client.post(url, data={**_form(started), "csrf_token": csrf_token(client, url),
                                    "lesson_title": "Bewoners te laat betrokken", "lesson_kind": "verbeterpunt",
                                    "lesson_what_happened": "Klachten over de sensoren.",
                                    "lesson_advice": "Organiseer een bewonersavond voordat de palen er staan."})
    assert closed.status_code == 302 and closed.headers["Location"].endswith(f"/projecten/{started.id}/lessenrapport")
    project = db.session.get(type(started), started.id)
    assert project.status == ProjectStatus.CLOSED
    added = db.session.scalar(select(Lesson).where(Lesson.title == "Bewoners te laat betrokken"))
    assert added.project_id == project.id and added.kind == LessonKind.IMPROVEMENT
    report = client.get(f"/projecten/{started.id}/lessenrapport").get_data(as_text=True)
    for text in ("Lessenrapport", OUTCOME, "Bewoners te laat betrokken", "Het sensornetwerk werkte",
                 "Organiseer een bewonersavond", "Pilot", "Lotte Leider"):
        assert text in report


def test_an_empty_closure_names_every_rule_that_blocks(client, auth, db, started, lead):
    """Nothing filled in (the lesson's kind preselected, its context prefilled): the answer names the
    missing outcome as well as the lesson's title and advice, not only the lesson's fields."""
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, outcome=""), "csrf_token": csrf_token(client, url),
                                      "lesson_kind": "succes", "lesson_context": "Slimme lantaarnpalen (Utrecht)"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Beschrijf het resultaat van het project" in html  # the gate's rule
    assert "Leg een mislukking of verbeterpunt vast" in html  # a success alone does not settle it
    assert "titel" in html.lower() and "advies" in html.lower()  # the lesson's own fields
    failure = client.post(url, data={**_form(started, outcome=""), "csrf_token": csrf_token(client, url),
                                     "lesson_kind": "mislukking", "lesson_context": "Slimme lantaarnpalen"})
    html = failure.get_data(as_text=True)
    assert "Beschrijf het resultaat van het project" in html
    assert "Leg een mislukking of verbeterpunt vast" not in html  # the failure being typed will settle it


def test_quick_lesson_is_kept_when_the_gate_still_refuses(client, auth, db, started, lead):
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, outcome=""), "csrf_token": csrf_token(client, url),
                                      "lesson_title": "Succes zonder tegenslag", "lesson_kind": "succes",
                                      "lesson_advice": "Begin klein en meet vanaf dag één."})
    assert response.status_code == 400
    assert "Beschrijf het resultaat" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 1  # the lesson was saved anyway


def test_add_lesson_button_keeps_the_closure_fields(client, auth, db, started, lead):
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, actie="les", outcome="Half af, maar bruikbaar resultaat."),
                                      "csrf_token": csrf_token(client, url), "lesson_title": "Te weinig budget",
                                      "lesson_kind": "mislukking", "lesson_advice": "Reserveer geld voor beheer."})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Half af, maar bruikbaar resultaat." in html
    assert "Te weinig budget" in html and 'name="lesson_title" type="text" value=""' in html
    assert db.session.get(type(started), started.id).status == ProjectStatus.STARTED


def test_quick_lesson_without_advice_is_refused_with_the_field_named(client, auth, db, started, lead):
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, actie="les"), "csrf_token": csrf_token(client, url),
                                      "lesson_title": "Zonder advies"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="lesson_advice-error"' in html and "Zonder advies" in html
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0


def test_stopping_over_http_with_the_stop_reason_from_the_quick_lesson(client, auth, db, started, lead):
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, status="gestopt"), "csrf_token": csrf_token(client, url),
                                      "lesson_title": "De leverancier ging failliet", "lesson_kind": "mislukking",
                                      "lesson_advice": "Spreid het risico over twee leveranciers.",
                                      "lesson_explains_stop": "y"})
    assert response.status_code == 302
    project = db.session.get(type(started), started.id)
    assert project.status == ProjectStatus.STOPPED and project.lessons[0].explains_stop
    assert "legt uit waarom het project stopte" in client.get(f"/projecten/{started.id}/lessenrapport").get_data(
        as_text=True)


def test_stale_closure_form_is_refused_without_losing_input(client, auth, db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    auth.login(lead.email)
    url = f"/projecten/{started.id}/afsluiten"
    response = client.post(url, data={**_form(started, version=str(started.version - 1)),
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 409 and "intussen gewijzigd" in response.get_data(as_text=True)
    assert db.session.get(type(started), started.id).status == ProjectStatus.STARTED


def test_others_cannot_open_the_closure_screen(client, auth, started, make_user):
    colleague = make_user()
    auth.login(colleague.email)
    assert client.get(f"/projecten/{started.id}/afsluiten").status_code == 403


def test_closed_project_sends_the_lead_to_its_report(client, auth, db, started, lead):
    started.status = ProjectStatus.CLOSED
    db.session.commit()
    auth.login(lead.email)
    response = client.get(f"/projecten/{started.id}/afsluiten")
    assert response.status_code == 302 and response.headers["Location"].endswith("/lessenrapport")


# What the lead reads, word for word, and what the history keeps ---------------------------------------

def latest(entity, action):
    return next(revision for revision in revisions.history(entity) if revision.action == action)


def test_not_the_lead_reads_who_may_close(db, started, make_user):
    with pytest.raises(NotAllowed) as caught:
        closure.close_project(started, closing(), by=make_user())
    assert caught.value.message == "Alleen de projectleider kan het project afsluiten of stoppen."


@pytest.mark.parametrize("status, ending", [(ProjectStatus.STOPPED, "gestopt"), (ProjectStatus.CLOSED, "afgesloten")])
def test_an_empty_closure_reads_every_reason_in_full(db, started, lead, status, ending):
    with pytest.raises(GateRefused) as caught:
        closure.close_project(started, closing(status=status, outcome=""), by=lead)
    expected = {"outcome": "Beschrijf het resultaat van het project (minstens 20 tekens): wat is er bereikt, en wat niet?",
                "lessons": "Leg minstens één les van dit project vast."}
    if status == ProjectStatus.STOPPED:
        expected["stop_lesson"] = ("Een gestopt project heeft een les die uitlegt waarom het stopte: kies of schrijf "
                                   "die.")
    assert caught.value.field_errors == expected
    assert caught.value.problems == list(expected.values())
    assert caught.value.message == f"Het project kan nog niet worden {ending}: " + " ".join(expected.values())


def test_a_future_start_date_is_named_in_dutch_notation(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    started.start_date = date(date.today().year + 2, 3, 4)
    db.session.commit()
    assert refusal(started, closing(), lead)["status"] == (
        f"De startdatum (04-03-{date.today().year + 2}) ligt in de toekomst: een project kan pas eindigen nadat het "
        "is begonnen. Klopt de datum niet, pas hem dan aan.")


def test_a_deleted_or_unknown_earlier_lesson_is_refused_in_words(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    gone = make_lesson(title="Weggehaald")
    gone.deleted_at = gone.created_at
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        closure.close_project(started, closing(used_lesson_ids=[gone.id]), by=lead)
    assert caught.value.message == "Kies alleen bestaande lessen uit eerder werk."
    assert caught.value.field_errors == {"used_lessons": "Kies alleen bestaande lessen uit eerder werk."}


def test_besides_the_quick_lesson_only_the_rules_it_cannot_settle_remain(db, started, lead, make_lesson):
    empty = closing(outcome="")
    outcome_only = {"outcome": closure.closure_problems(started, empty)["outcome"]}
    assert closure.problems_besides_quick_lesson(started, empty, LessonKind.FAILURE) == outcome_only
    assert closure.problems_besides_quick_lesson(started, empty, LessonKind.SUCCESS) == outcome_only | {
        "closure_note": closure.NO_FAILURE}
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS)
    assert closure.problems_besides_quick_lesson(started, empty, LessonKind.IMPROVEMENT) == outcome_only
    assert closure.problems_besides_quick_lesson(started, empty, LessonKind.INSIGHT) == outcome_only | {
        "closure_note": closure.NO_FAILURE}


def test_a_closing_lesson_explains_the_stop_only_when_asked(db, started, lead):
    data = LessonInput(title="Wat we leerden", kind=LessonKind.FAILURE, advice="Begin kleiner.")
    plain = closure.log_closing_lesson(started, data, lead)
    why = closure.log_closing_lesson(started, data, lead, explains_stop=True)
    assert (plain.explains_stop, why.explains_stop) == (False, True)


def test_a_stale_closure_form_carries_the_project_to_the_conflict_page(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    with pytest.raises(EditConflict) as caught:
        closure.close_project(started, closing(), by=lead, expected_version=started.version + 1)
    assert caught.value.entity is started and caught.value.submitted == {}


def test_stopping_marks_only_the_chosen_lesson_and_records_who(db, started, lead, make_lesson):
    chosen = make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    other = make_lesson(project=started, author=lead, kind=LessonKind.IMPROVEMENT)
    closure.close_project(started, closing(status=ProjectStatus.STOPPED, stop_lesson_id=chosen.id), by=lead)
    db.session.commit()
    assert (chosen.explains_stop, other.explains_stop) == (True, False)
    assert latest(chosen, "reden van stoppen").user == lead
    assert latest(started, "gestopt").user == lead


def test_closing_never_marks_a_stop_reason(db, started, lead, make_lesson):
    lesson = make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    closure.close_project(started, closing(stop_lesson_id=lesson.id), by=lead)
    db.session.commit()
    assert lesson.explains_stop is False and latest(started, "afgesloten").user == lead
    assert closure.closed_by(started) == lead


def test_closed_by_is_who_closed_not_who_edited_last(db, started, lead, make_user, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    closure.close_project(started, closing(), by=lead)
    revisions.record(started, "gewijzigd", make_user(name="Latere Bewerker"))
    db.session.commit()
    assert closure.closed_by(started) == lead


def test_the_lessons_used_are_recorded_in_the_history_only_when_they_change(db, started, lead, make_lesson):
    make_lesson(project=started, author=lead, kind=LessonKind.FAILURE)
    earlier = make_lesson(title="Eerdere les")
    before = len(revisions.history(started))
    closure._set_lessons_used(started, [], lead)
    assert len(revisions.history(started)) == before
    closure.close_project(started, closing(used_lesson_ids=[earlier.id]), by=lead)
    db.session.commit()
    revision = latest(started, "gebruikte lessen vastgelegd")
    assert revision.user == lead and revision.changes == {"gebruikte lessen": [[], [earlier.id]]}


def test_candidates_combine_lessons_used_and_suggested_but_never_own_or_deleted(db, started, lead, make_lesson):
    used, suggested = make_lesson(title="Al gebruikt"), make_lesson(title="Voorgesteld")
    own = make_lesson(project=started, author=lead, title="Eigen les")
    gone = make_lesson(title="Weg")
    gone.deleted_at = gone.created_at
    db.session.add(LessonUse(lesson=used, project=started, user=lead, source=LessonUseSource.PRIOR_WORK_CHECK))
    with db.session.no_autoflush:
        check = PriorWorkCheck(basis_text="tekst")
        db.session.add(check)
        check.project = started
        check.suggestions = [
            PriorWorkSuggestion(item_type="lesson", item_id=ident, rank=rank, reason="", verdict=Verdict.RELEVANT)
            for rank, ident in enumerate([suggested.id, own.id, gone.id], start=1)]
    db.session.commit()
    assert [lesson.id for lesson in closure.candidate_earlier_lessons(started)] == [used.id, suggested.id]
    assert {used.id, suggested.id} <= set(closure.preselected_lessons(started))


def test_closure_needs_name_the_failure_lesson_in_full(db, started, lead, make_lesson):
    started.outcome = "Een resultaat dat er staat."
    make_lesson(project=started, author=lead, kind=LessonKind.SUCCESS)
    assert closure.closure_needs(started) == [
        "Leg een mislukking of verbeterpunt vast (of leg uit waarom er geen is)."]
