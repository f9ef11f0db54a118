"""Search as users see it: one search over everything, facets, people who know, zero-result log."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup
from sqlalchemy import func, select
from whoosh import query as Q

from ...extensions import db
from ...ground import metrics, municipalities
from ...models import Lesson, Network, Project, ReviewState, SearchLog, Theme, User
from ...models.base import utcnow
from ...search import engine
from ...search.query import parse
from ..content import vocabulary
from ..registry import attachments
from .visibility import still_visible, who

PER_PAGE = 10
# Below this many results with every word, the results with most of the words follow them.
FEW = 5
KIND_LABELS = {"project": "Project", "lesson": "Les", "network": "Netwerk", "theme": "Thema", "person": "Persoon"}
# Facet URL parameter -> index field (the same names as the query syntax).
FACET_PARAMS = {"type": "kind", "thema": "theme", "gemeente": "municipality", "soort": "lesson_kind",
                "status": "status", "jaar": "year"}


@dataclass
class Hit:
    kind: str
    item: object
    score: float
    snippet: str
    url_args: tuple[str, dict]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class FacetValue:
    param: str
    value: str
    label: str
    count: int
    active: bool


@dataclass
class SearchPage:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    suggestion: str | None = None
    order: str = "relevantie"
    expanded: list[str] = field(default_factory=list)   # "ook gezocht op: …"
    narrower: list[str] = field(default_factory=list)   # "… en op de nauwere begrippen …"
    partial: bool = False   # fewer than FEW results had every word: those come first, then some of them
    with_all_words: int = 0
    split_as: str = ""   # the query with unknown compounds split into known words, when that found something
    broader: list[str] = field(default_factory=list)  # nothing found: the broader concepts searched on instead


def _restriction(facet_filters: dict[str, str]) -> tuple[Q.Query | None, list[str]]:
    """The chosen facets as a query (values are index values: codes, slugs, kinds)."""
    clauses, notices = [], []
    for param, value in facet_filters.items():
        fieldname = FACET_PARAMS[param]
        if fieldname == "year":
            if not value.isdigit():
                notices.append(f"'{value}' is geen jaartal; dit filter is overgeslagen.")
                continue
            clauses.append(Q.Term("year", int(value)))
        else:
            clauses.append(Q.Term(fieldname, value))
    if not clauses:
        return None, notices
    return (clauses[0] if len(clauses) == 1 else Q.And(clauses)), notices


def _snippet_sources(kind: str, obj) -> list[str]:
    """The texts a result's snippet is taken from, best first (always from the database)."""
    if kind == "project":
        return [obj.question, obj.approach, obj.goal]
    if kind == "lesson":
        return [obj.context, obj.advice, obj.what_happened]
    if kind == "network":
        return [obj.description]
    if kind == "theme":
        return [obj.description, obj.synthesis]
    return [f"{obj.department} {obj.organisation}"]


def _snippet(kind: str, obj, highlight) -> str:
    sources = [text for text in _snippet_sources(kind, obj) if text]
    for text in sources:
        marked = highlight("text", text)
        if marked:
            return marked
    if kind in ("project", "lesson"):  # found in a report: say which file
        for attachment in attachments.of_item(kind, obj.id):
            marked = highlight("text", attachment.text) if attachment.text else ""
            if marked:
                return Markup("in bijlage <strong>{}</strong>: ").format(attachment.file_name) + marked
    first = sources[0] if sources else ""
    return first[:240] + ("…" if len(first) > 240 else "")


URLS = {"project": ("projects.detail", "project_id"), "lesson": ("lessons.detail", "lesson_id"),
        "network": ("networks.detail", "slug"), "theme": ("themes.detail", "slug"),
        "person": ("people.detail", "user_id")}


def url_args(kind: str, obj) -> tuple[str, dict]:
    endpoint, arg = URLS[kind]
    return endpoint, {arg: obj.slug if arg == "slug" else obj.id}


def search(user: User, text: str, *, facet_filters: dict[str, str] | None = None, page: int = 1,
           order: str = "relevantie", source: str = "zoeken", log_empty: bool = True,
           per_page: int = PER_PAGE) -> SearchPage:
    """One search over projects, lessons, networks, themes and people, as `user` may see them."""
    facet_filters = {k: v for k, v in (facet_filters or {}).items() if k in FACET_PARAMS and v}
    groups = vocabulary.current()
    parsed = parse(text, groups)
    result = SearchPage(query=text, notices=list(parsed.notices), order=order, expanded=parsed.expanded,
                        narrower=parsed.narrower)
    if parsed.is_empty:
        if text.strip():
            result.notices.append("We konden geen zoekwoorden vinden in uw zoekvraag. Typ een of meer woorden.")
        return result
    restrict, notices = _restriction(facet_filters)
    result.notices += notices
    page = max(1, page)
    visible = who(user)

    def run(query: Q.Query, page: int) -> engine.RawResults:
        return engine.run(query, who=visible, restrict=restrict, page=page, per_page=per_page,
                          by_date=order == "datum")

    with metrics.timed_search(source):
        query = parsed.query
        raw = run(query, page)
        found_all = raw.total
        few = raw.total == 0 or (raw.total < FEW and order != "datum")  # by date, most words cannot lead
        if few and parsed.any_words is not None:
            # Few or no documents have every word: those first, then the ones with most of the words.
            widened = run(parsed.any_words, page)
            if widened.total > raw.total:
                query, raw = parsed.any_words, widened
                result.partial, result.with_all_words = True, found_all
        if raw.total == 0 and parsed.words:
            # A word no text contains may be a compound of words some do ("fraudescorekaart").
            split = _split_text(text, engine.split_unknown(parsed.words, visible))
            if split != text:
                resplit = parse(split, groups)
                query = resplit.any_words or resplit.query
                raw = run(query, page)
                if raw.total:
                    result.partial, result.split_as = True, split
        if raw.total == 0 and parsed.broader:
            # Nothing on the word itself ("ransomware"): what there is on what it is a kind of ("cyberaanval").
            wider = [parse(term, groups).query for term in parsed.broader]
            query = Q.Or([q for q in wider if q is not None])
            raw = run(query, page)
            if raw.total:
                result.broader = parsed.broader
        last = max(1, -(-raw.total // per_page))
        if page > last and raw.total:  # a page beyond the end (an old link, a typed URL): show the last one
            result.notices.append(f"Pagina {page} bestaat niet; dit is de laatste pagina ({last}).")
            page = last
            raw = run(query, page)
    for hit, obj in still_visible(user, raw.hits):
        result.hits.append(Hit(hit.kind, obj, hit.score, _snippet(hit.kind, obj, hit.highlight),
                               url_args(hit.kind, obj)))
    result.total = raw.total
    result.page = page
    result.pages = max(1, -(-raw.total // per_page))
    result.facets = _facets(raw.facets, facet_filters)
    if not found_all:
        # Also with a part of the words found: what people looked for and the knowledge base lacks.
        result.suggestion = engine.suggest(parsed.words, visible) if parsed.words else None
        if raw.total == 0:
            metrics.zero_result(source)
        if log_empty:
            log_search(user, text, 0, parsed.filters.get("thema") or facet_filters.get("thema", ""), source)
    return result


def _split_text(text: str, splits: dict[str, tuple[str, ...]]) -> str:
    """`text` with each word in `splits` replaced by the words it splits into."""
    for word, parts in splits.items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ".join(parts), text, flags=re.IGNORECASE)
    return text


# Theme owners read what people looked for in vain: one person cannot fill that list. Per user and day,
# a search is kept once, and at most this many in all.
SEARCH_LOG_PER_USER_PER_DAY = 20


def log_search(user: User | None, text: str, count: int, theme_slug: str = "", source: str = "zoeken") -> None:
    query = text.strip()[:500]
    if user is not None:
        since = utcnow() - timedelta(days=1)
        mine = select(func.count(SearchLog.id)).where(SearchLog.user_id == user.id, SearchLog.created_at >= since)
        if (db.session.scalar(mine) >= SEARCH_LOG_PER_USER_PER_DAY
                or db.session.scalar(mine.where(func.lower(SearchLog.query) == query.lower(),
                                                SearchLog.theme_slug == (theme_slug or "")[:80]))):
            return
    db.session.add(SearchLog(query=query, result_count=count, theme_slug=(theme_slug or "")[:80],
                             source=source, user_id=user.id if user else None))


def _facets(counts: dict, active: dict[str, str]) -> dict[str, list[FacetValue]]:
    themes = {t.slug: t.name for t in db.session.scalars(select(Theme))}
    labels = {
        "type": lambda v: KIND_LABELS.get(v, v),
        "thema": lambda v: themes.get(v, v),
        "gemeente": lambda v: m.display_name if (m := municipalities.by_code(v)) else v,
        "soort": lambda v: v.capitalize(),
        "status": lambda v: v.capitalize(),
        "jaar": str,
    }
    facets = {}
    for param, fieldname in FACET_PARAMS.items():
        values = counts.get(fieldname, {})
        ordered = sorted(values.items(), key=lambda kv: (-kv[0], 0) if param == "jaar" else (-kv[1], str(kv[0])))
        facets[param] = [FacetValue(param, str(v), labels[param](str(v)), n, active.get(param) == str(v))
                         for v, n in ordered[:12]]
    return facets


# People who know about something -------------------------------------------------------------------------

@dataclass
class Knower:
    user: User
    score: float = 0.0
    led: list[Project] = field(default_factory=list)
    wrote: list[Lesson] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.led:
            out.append(f"leidde {len(self.led)} project{'en' if len(self.led) > 1 else ''}: "
                       + ", ".join(p.title for p in self.led[:2]))
        if self.wrote:
            out.append(f"schreef {len(self.wrote)} les{'sen' if len(self.wrote) > 1 else ''}: "
                       + ", ".join(lesson.title for lesson in self.wrote[:2]))
        if self.networks:
            out.append("zit in " + ", ".join(n.name for n in self.networks[:2]))
        return out


def people_who_know(user: User, text: str, limit: int = 20, today: date | None = None) -> tuple[list[Knower], list[str]]:
    """People ranked by the matching projects they led, lessons they wrote and networks they are in."""
    today = today or date.today()
    parsed = parse(text)
    if parsed.is_empty:
        return [], parsed.notices
    kinds = Q.Or([Q.Term("kind", k) for k in ("project", "lesson", "network")])
    raw = engine.run(parsed.query, who=who(user), restrict=kinds, page=1, per_page=200, by_date=False,
                     facets=False)
    knowers: dict[int, Knower] = {}

    def credit(person: User, score: float) -> Knower:
        knower = knowers.setdefault(person.id, Knower(person))
        knower.score += score
        return knower

    for hit, obj in still_visible(user, raw.hits):
        if hit.kind == "project" and obj.lead.active:
            credit(obj.lead, 3 * hit.score).led.append(obj)
        elif hit.kind == "lesson" and obj.author.active and not obj.on_behalf_of_team \
                and obj.review_state != ReviewState.ARCHIVED:
            credit(obj.author, 2 * hit.score).wrote.append(obj)
        elif hit.kind == "network":
            for membership in obj.memberships:
                if membership.is_current(today) and membership.user.active:
                    credit(membership.user, hit.score).networks.append(obj)
    ranked = sorted(knowers.values(), key=lambda k: (-k.score, k.user.name))
    return ranked[:limit], parsed.notices
