"""The voortoets "Wat is er al eerder gedaan?" and the start gate.

A project lead sees the most similar earlier projects, lessons and networks while writing, gives each
a verdict, may search further, and writes a conclusion. Only then can the project start. The check
keeps the text it was based on; when the concept changes substantially it must be looked at again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...ground import metrics, municipalities
from ...ground.errors import DomainError, GateRefused, NotAllowed
from ...models import (Lesson, LessonKind, LessonUse, LessonUseSource, Network, PriorWorkCheck, PriorWorkSearch,
                       PriorWorkSuggestion, Project, ProjectStatus, Theme, User, Verdict)
from ...models.base import utcnow
from ...search import documents
from ...search.analysis import dutch_analyzer
from ...search.searchers import SearchUnavailable
from ...search.similar import Related, as_typed, find_similar
from ..access import audit, permissions
from ..content import vocabulary
from ..finding.search import KIND_LABELS, log_search
from ..finding.search import search as run_search
from ..registry import revisions

SUGGESTION_KINDS = ("project", "lesson", "network")
SHOWN = 5
MIN_CONCLUSION = 40
# Below this share of shared words the concept is no longer the text the check looked at.
STALE_BELOW = 0.6
MODELS = {"project": Project, "lesson": Lesson, "network": Network}


@dataclass
class Suggestion:
    kind: str
    item: object
    reason: str
    score: float
    # A project's own lessons that matched too: shown under it, not in places of their own.
    lessons: list = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Person:
    user: User
    why: list[str] = field(default_factory=list)


def basis_text(title: str, question: str, goal: str = "", approach: str = "") -> str:
    return "\n".join(part.strip() for part in (title, question, goal, approach) if part and part.strip())


def _item_text(kind: str, item) -> str:
    if kind == "project":
        return basis_text(item.title, item.question, item.goal, item.approach)
    if kind == "lesson":
        return basis_text(item.title, item.context, item.what_happened, item.lesson_learned + " " + item.advice)
    return basis_text(item.name, item.description)


SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
QUOTE_LENGTH = 160


def _best_sentence(text: str, matched: list[str]) -> str:
    """The sentence of the suggestion's text (its title left out) with the most of the matched words."""
    wanted = set(matched)
    best, best_count = "", 0
    for sentence in SENTENCE.split(text.split("\n", 1)[1] if "\n" in text else ""):
        count = len(wanted & _words(sentence))
        if count > best_count:
            best, best_count = sentence.strip(), count
    if len(best) > QUOTE_LENGTH:
        best = best[:QUOTE_LENGTH].rsplit(" ", 1)[0] + " …"
    return best


MAX_RELATED_SHOWN = 3


def _reason(kind: str, item, key_terms: list[str], themes: list[Theme], code: str | None,
            typed: dict[str, str] | None = None, related: list[Related] = ()) -> str:
    """Why this suggestion: shared themes, the words of the description it shares (as the user typed
    them, never their analysed form), the vocabulary words it has for the description's own ("AVG →
    persoonsgegevens"), same place, and the sentence where they meet."""
    parts = []
    shared = [t.name for t in themes if t in getattr(item, "themes", [])]
    if shared:
        parts.append(("zelfde thema: " if len(shared) == 1 else "zelfde thema's: ") + ", ".join(shared))
    text = _item_text(kind, item)
    words = _words(text)
    matched = [term for term in key_terms if term in words]
    found_related = [entry for entry in related if all(word in words for word in entry.words)]
    typed = typed or {}
    # The suggestion's own spelling of the words named (analysing its text once more: only when needed).
    written = as_typed(text) if matched or found_related else {}
    if matched:
        # As the user typed them; a word they mistyped (corrected to one the index knows) as the
        # suggestion writes it: never an analysed form.
        parts.append("overeenkomende woorden: " + ", ".join(typed.get(term) or written.get(term, term)
                                                             for term in matched[:4]))
    if found_related:
        shown = dict.fromkeys(f"{entry.typed} → {' '.join(written.get(word, word) for word in entry.words)}"
                              for entry in found_related)
        parts.append("via de woordenlijst: " + ", ".join(list(shown)[:MAX_RELATED_SHOWN]))
    if code and getattr(item, "municipality_code", None) == code:
        parts.append("zelfde gemeente")
    sentence = _best_sentence(text, matched + [word for entry in found_related for word in entry.words])
    if sentence:
        parts.append(f"uit de tekst: “{sentence}”")
    return "; ".join(parts) or "vergelijkbare beschrijving"


def similar_work(text: str, *, theme_ids: list[int] | None = None, municipality: str = "",
                 exclude_project: Project | None = None, limit: int = SHOWN) -> list[Suggestion]:
    """The earlier projects, lessons and networks most like `text` (never drafts or the project itself)."""
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids or []))).all()
    code = None
    if municipality.strip():
        try:
            code = municipalities.resolve(municipality).code
        except DomainError:
            code = None
    exclude = {documents.key("project", exclude_project.id)} if exclude_project else set()
    found, terms, related = find_similar(text, themes=[t.slug for t in themes], municipality=code,
                                         kinds=SUGGESTION_KINDS, exclude_keys=exclude, limit=limit * 3,
                                         vocabulary=vocabulary.current())
    typed = as_typed(text)
    items = [(similar, db.session.get(MODELS[similar.kind], similar.item_id)) for similar in found]
    # The index lags a deletion or a status change: the database decides.
    items = [(similar, item) for similar, item in items if item is not None and not getattr(item, "is_deleted", False)
             and not (similar.kind == "project" and item.status == ProjectStatus.CONCEPT)]
    found_projects = {item.id for similar, item in items if similar.kind == "project"}
    suggestions: list[Suggestion] = []
    by_project: dict[int, Suggestion] = {}
    for similar, item in items:
        parent = item.project if similar.kind == "lesson" else None
        folded = parent is not None and parent.id in found_projects
        if folded and parent.id in by_project:
            by_project[parent.id].lessons.append(item)  # one entry per project, its lessons under it
            continue
        if similar.kind == "project" and item.id in by_project:
            continue  # already placed where its lesson ranked
        if len(suggestions) == limit:
            continue  # full: only lessons of projects already shown still find their place
        if folded:  # the lesson ranks above its project: the project takes the lesson's place
            entry = Suggestion("project", parent, _reason("project", parent, terms, themes, code, typed, related),
                               similar.score, [item])
        else:
            entry = Suggestion(similar.kind, item, _reason(similar.kind, item, terms, themes, code, typed, related),
                               similar.score)
        suggestions.append(entry)
        if entry.kind == "project":
            by_project[entry.item.id] = entry
    return suggestions


def similar_panel(text: str, *, theme_ids: list[int], municipality: str, viewer: User,
                  exclude_project: Project | None = None) -> dict:
    """What the suggestions panel beside a project being typed shows. The panel is a help, not a
    gate: when the index cannot be read it says so, and the form around it keeps working."""
    enough = len(text) >= 10
    try:
        suggestions = similar_work(text, theme_ids=theme_ids, municipality=municipality,
                                   exclude_project=exclude_project) if enough else []
    except SearchUnavailable:
        return {"suggestions": [], "people": [], "enough_text": enough, "unavailable": True}
    return {"suggestions": suggestions, "enough_text": enough, "unavailable": False,
            "people": people_to_ask(suggestions, theme_ids, exclude=viewer)}


def people_to_ask(suggestions: list[Suggestion], theme_ids: list[int], exclude: User | None = None,
                  today: date | None = None, limit: int = 6) -> list[Person]:
    """Leads and team members of matching projects, members of matching networks, authors of matching
    lessons, and the owners of the chosen themes — each with why."""
    today = today or date.today()
    people: dict[int, Person] = {}

    def add(user: User, why: str) -> None:
        if user.active and (exclude is None or user.id != exclude.id):
            person = people.setdefault(user.id, Person(user))
            if why not in person.why:
                person.why.append(why)

    for suggestion in suggestions:
        item = suggestion.item
        if suggestion.kind == "project":
            add(item.lead, f"leidde '{item.title}'")
            for member in item.team:
                add(member, f"werkte mee aan '{item.title}'")
            for lesson in suggestion.lessons:  # folded under it
                if not lesson.on_behalf_of_team:
                    add(lesson.author, f"schreef de les '{lesson.title}'")
        elif suggestion.kind == "network":
            for membership in item.memberships:
                if membership.is_current(today):
                    add(membership.user, f"zit in {item.name}")
        elif suggestion.kind == "lesson" and not item.on_behalf_of_team:
            add(item.author, f"schreef de les '{item.title}'")
    for theme in db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids or []))):
        for owner in theme.owners:
            add(owner, f"themaeigenaar van {theme.name}")
    return list(people.values())[:limit]


# The check --------------------------------------------------------------------------------------------

def project_text(project: Project) -> str:
    return basis_text(project.title, project.question, project.goal, project.approach)


def _words(text: str) -> set[str]:
    return {token.text for token in dutch_analyzer()(text) if len(token.text) > 2}


def is_stale(check: PriorWorkCheck, project: Project) -> bool:
    """The concept's question, goal or approach changed substantially since the check was made."""
    before, now = _words(check.basis_text), _words(project_text(project))
    if not before or not now:
        return before != now
    return len(before & now) / len(before | now) < STALE_BELOW


OUTDATED = ("Voortoets verouderd: de vraag, het doel of de aanpak is sterk veranderd sinds de voortoets. "
            "Kijk opnieuw wat er al eerder is gedaan; het project loopt gewoon door.")


def is_outdated(project: Project) -> bool:
    """A started project whose text has moved far from what its voortoets looked at (a flag, no block)."""
    check = project.prior_work_check
    return (project.status == ProjectStatus.STARTED and check is not None and check.completed_at is not None
            and is_stale(check, project))


def _require_lead(project: Project, by: User) -> None:
    if not (project.lead_id == by.id or permissions.is_admin(by)):
        raise NotAllowed("Alleen de projectleider doet de voortoets van dit project.")


def refresh_check(project: Project, by: User) -> PriorWorkCheck:
    """Create the check, or look again: compute suggestions for the concept's current text. Verdicts on
    items that are still suggested are kept; the conclusion must be confirmed again."""
    _require_lead(project, by)
    if project.status != ProjectStatus.CONCEPT:
        raise DomainError("De voortoets hoort bij een concept; dit project is al gestart.")
    check = project.prior_work_check
    if check is None:
        check = PriorWorkCheck(project=project)
        db.session.add(check)
    check.basis_text = project_text(project)
    check.completed_at = None
    found = similar_work(check.basis_text, theme_ids=[t.id for t in project.themes],
                         municipality=project.municipality_code or "", exclude_project=project)
    existing = {(s.item_type, s.item_id): s for s in check.suggestions}
    for rank, suggestion in enumerate(found, start=1):
        row = existing.get((suggestion.kind, suggestion.item.id))
        if row is None:
            check.suggestions.append(PriorWorkSuggestion(item_type=suggestion.kind, item_id=suggestion.item.id,
                                                         rank=rank, reason=suggestion.reason[:500]))
        elif row.suggested_by_id is None:
            row.rank, row.reason = rank, suggestion.reason[:500]
    shown = {(s.kind, s.item.id) for s in found}
    for row in list(check.suggestions):
        # System suggestions the new text no longer brings up go, unless the lead already judged them.
        if row.suggested_by_id is None and row.verdict is None and (row.item_type, row.item_id) not in shown:
            check.suggestions.remove(row)
    db.session.flush()
    return check


def _suggestion(check: PriorWorkCheck, suggestion_id: int) -> PriorWorkSuggestion:
    row = db.session.get(PriorWorkSuggestion, suggestion_id)
    if row is None or row.check_id != check.id:
        raise DomainError("Deze suggestie hoort niet bij deze voortoets.")
    return row


def give_verdict(check: PriorWorkCheck, suggestion_id: int, verdict: Verdict, note: str, by: User) -> None:
    _require_lead(check.project, by)
    row = _suggestion(check, suggestion_id)
    row.verdict, row.note, row.decided_at = verdict, note.strip()[:2000], utcnow()
    audit.record("voortoets_verdict", by, check.project, item=f"{row.item_type}:{row.item_id}", verdict=verdict.value)
    db.session.flush()


def record_search(check: PriorWorkCheck, query: str, by: User) -> PriorWorkSearch:
    """An own search during the voortoets, kept with what it returned."""
    _require_lead(check.project, by)
    if not query.strip():
        raise DomainError("Typ waar u naar zoekt.", {"query": "Typ waar u naar zoekt."})
    page = run_search(by, query, facet_filters={}, page=1, source="voortoets")
    hits = [[hit.kind, hit.item.id] for hit in page.hits if _earlier_work(check, hit)]
    record = PriorWorkSearch(check=check, user=by, query=query.strip()[:500], result_count=page.total,
                             results=hits)
    db.session.add(record)
    db.session.flush()
    return record


def add_suggestion(check: PriorWorkCheck, kind: str, item_id: int, by: User, note: str = "",
                   verdict: Verdict | None = None) -> PriorWorkSuggestion:
    """Add an item found by an own search (by the lead, with a verdict), or a "kijk ook naar …" by an
    owner of one of the project's themes."""
    project = check.project
    is_lead = project.lead_id == by.id
    if not (is_lead or permissions.owns_any_theme(by, project.themes) or permissions.is_admin(by)):
        raise NotAllowed("Alleen de projectleider en de eigenaren van de thema's van dit project kunnen "
                         "suggesties toevoegen.")
    model = MODELS.get(kind)
    item = db.session.get(model, item_id) if model else None
    # Both the one adding and the lead who will read it must be allowed to see the item: a concept of
    # someone else answers exactly like an id that does not exist.
    if item is not None and kind == "project" and item.id == project.id:
        raise DomainError("Dit is het project zelf; kies eerder werk van anderen.")
    if item is None or not all(permissions.can_view_item(person, kind, item) for person in (by, project.lead)):
        raise DomainError("Dit item bestaat niet (meer) of kan niet worden voorgesteld.")
    row = next((s for s in check.suggestions if s.item_type == kind and s.item_id == item_id), None)
    if row is None:
        row = PriorWorkSuggestion(item_type=kind, item_id=item_id, rank=len(check.suggestions) + 1,
                                  reason="kijk ook naar (themaeigenaar)" if not is_lead else "eigen zoekopdracht",
                                  suggested_by=None if is_lead else by, note="" if is_lead else note.strip())
        check.suggestions.append(row)
    if verdict is not None and is_lead:
        row.verdict, row.decided_at = verdict, utcnow()
        row.note = note.strip()[:2000]
        audit.record("voortoets_verdict", by, project, item=f"{kind}:{item_id}", verdict=verdict.value)
    db.session.flush()
    return row


def completion_problems(check: PriorWorkCheck | None) -> list[str]:
    if check is None:
        return ["Er is nog geen voortoets gedaan."]
    problems = []
    open_rows = [s for s in check.suggestions if s.verdict is None]
    if open_rows:
        problems.append(f"Geef een oordeel over elke suggestie ({len(open_rows)} nog open).")
    if not check.suggestions and not check.searches:
        problems.append("Er waren geen suggesties: zoek minstens één keer zelf naar eerder werk.")
    return problems


def complete_check(check: PriorWorkCheck, conclusion: str, by: User) -> None:
    """Finish the voortoets with a conclusion. Relevant lessons become LessonUse records.

    :raises DomainError: a suggestion without verdict, no own search when nothing was suggested,
        a missing or too short conclusion.
    """
    _require_lead(check.project, by)
    problems = completion_problems(check)
    field_errors = {}
    if len(conclusion.strip()) < MIN_CONCLUSION:
        field_errors["conclusion"] = (f"Schrijf een korte conclusie (minstens {MIN_CONCLUSION} tekens): wat neemt "
                                      "u mee uit eerder werk, met wie neemt u contact op, waarom gaat u door?")
        problems.append(field_errors["conclusion"])
    if problems:
        raise DomainError(" ".join(problems), field_errors)
    check.conclusion = conclusion.strip()
    check.completed_at = utcnow()
    metrics.voortoets_completed()
    check.completed_by = by
    project = check.project
    for row in check.suggestions:
        if row.verdict != Verdict.RELEVANT:
            continue
        if row.item_type == "lesson":
            used = [row.item_id]
        elif row.item_type == "project" and (earlier := db.session.get(Project, row.item_id)) is not None:
            # A relevant project: the lessons shown under it were part of what the lead judged.
            used = [lesson.id for lesson in own_lessons(earlier)[:FOLDED_SHOWN]]
        else:
            continue
        for lesson_id in used:
            exists = db.session.scalar(select(LessonUse.id).where(LessonUse.lesson_id == lesson_id,
                                                                  LessonUse.project_id == project.id))
            if exists is None:
                db.session.add(LessonUse(lesson_id=lesson_id, project=project, user=by, note=row.note,
                                         source=LessonUseSource.PRIOR_WORK_CHECK))
    if not check.suggestions:
        # Nothing similar existed: what people need and we do not have, for the theme owners.
        for theme in project.themes or [None]:
            log_search(by, project.title, 0, theme.slug if theme else "", source="voortoets")
    revisions.record(project, "voortoets afgerond", by)
    audit.record("voortoets_completed", by, project, suggestions=len(check.suggestions))
    db.session.flush()


# The start gate ---------------------------------------------------------------------------------------

def start_problems(project: Project) -> list[str]:
    """What still stands between this concept and its start (empty: it may start)."""
    if project.status != ProjectStatus.CONCEPT:
        return ["Alleen een concept kan worden gestart."]
    check = project.prior_work_check
    if check is None:
        return ["Doe eerst de voortoets: kijk wat er al eerder is gedaan."]
    if is_stale(check, project):
        return ["De beschrijving is sinds de voortoets flink veranderd. Kijk opnieuw wat er al eerder is gedaan."]
    if not check.is_complete:
        return (completion_problems(check) or []) + ["Rond de voortoets af met een conclusie."]
    return []


def start_project(project: Project, by: User) -> None:
    """:raises GateRefused: without a completed, current voortoets (the Dutch message says what is missing).
    :raises NotAllowed: not the lead."""
    if project.lead_id != by.id and not permissions.is_admin(by):
        raise NotAllowed("Alleen de projectleider kan het project starten.")
    problems = start_problems(project)
    if problems:
        raise GateRefused("Het project kan nog niet starten: " + " ".join(problems), problems)
    _start(project, by)


def override_start(project: Project, by: User, reason: str) -> None:
    """An administrator starts a project without voortoets; the written reason is shown on the project.

    :raises NotAllowed: not an administrator. :raises DomainError: no reason, or not a concept."""
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan een project zonder voortoets starten.")
    if project.status != ProjectStatus.CONCEPT:
        raise DomainError("Alleen een concept kan worden gestart.")
    if len(reason.strip()) < 20 or not re.search(r"\w{3,}", reason):
        raise DomainError("Schrijf waarom dit project zonder voortoets start (minstens 20 tekens).",
                          {"reason": "Schrijf waarom dit project zonder voortoets start (minstens 20 tekens)."})
    project.start_override_reason = reason.strip()
    project.start_override_by = by
    audit.record("start_override", by, project, reason=reason.strip()[:500])
    _start(project, by, action="gestart zonder voortoets")


def _start(project: Project, by: User, action: str = "gestart") -> None:
    before = project.status
    project.status = ProjectStatus.STARTED
    project.started_at = utcnow()
    revisions.record(project, action, by, {"status": [before.value, ProjectStatus.STARTED.value]})
    db.session.flush()


# For the pages ----------------------------------------------------------------------------------------

@dataclass
class Item:
    kind: str
    item: object
    row: PriorWorkSuggestion | None = None
    lessons: list = field(default_factory=list)  # a suggested project's own lessons

    @property
    def shown_lessons(self) -> list:
        """The project's lessons shown under it (a relevant verdict records their use)."""
        return self.lessons[:FOLDED_SHOWN]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def items_for(pairs) -> list[Item]:
    """[[kind, id], ...] as loaded items (deleted ones left out)."""
    found = []
    for kind, item_id in pairs:
        model = MODELS.get(kind)
        item = db.session.get(model, item_id) if model else None
        if item is not None and not getattr(item, "is_deleted", False):
            found.append(Item(kind, item))
    return found


def suggestion_items(check: PriorWorkCheck) -> list[Item]:
    items = []
    for row in sorted(check.suggestions, key=lambda r: (r.suggested_by_id is not None, r.rank)):
        loaded = items_for([(row.item_type, row.item_id)])
        if loaded:
            item = loaded[0].item
            items.append(Item(row.item_type, item, row, own_lessons(item) if row.item_type == "project" else []))
    return items


# Failures first: people learn most from what went wrong. At most FOLDED_SHOWN under a project.
FOLDED_SHOWN = 3
KIND_ORDER = [LessonKind.FAILURE, LessonKind.IMPROVEMENT, LessonKind.INSIGHT, LessonKind.SUCCESS]


def own_lessons(project: Project) -> list[Lesson]:
    """A project's lessons that are not deleted, failures first, then by date."""
    return sorted((lesson for lesson in project.lessons if not lesson.is_deleted),
                  key=lambda lesson: (KIND_ORDER.index(lesson.kind), lesson.created_at))


def search_items(check: PriorWorkCheck) -> list[tuple[PriorWorkSearch, list[Item]]]:
    return [(record, items_for(record.results)) for record in check.searches]


def search_for_owner(check: PriorWorkCheck, owner: User, query: str) -> list[Item]:
    """A theme owner looking for something to suggest (not part of the lead's evidence)."""
    if not query.strip():
        raise DomainError("Typ waar u naar zoekt.")
    page = run_search(owner, query, facet_filters={}, page=1, source="voortoets", log_empty=False)
    return [Item(hit.kind, hit.item) for hit in page.hits if _earlier_work(check, hit)]


def _earlier_work(check: PriorWorkCheck, hit) -> bool:
    """A search hit that can be earlier work for this project: not the project itself (it is found by
    its own words) and of a kind the voortoets weighs."""
    return hit.kind in SUGGESTION_KINDS and not (hit.kind == "project" and hit.item.id == check.project_id)
