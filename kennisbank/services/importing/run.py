"""An import: check every row (a dry run writes nothing), then carry it out — each row in its own
savepoint, so valid rows go in and refused rows come back, never half of a row.

The import obeys the rules the forms obey: the same length limits, who may see, change or lead an item,
which project a lesson may go into, and no status change past a gate. What it adds that the forms do not
is history: work that already ran comes in started, closed or stopped, marked "geïmporteerd (historisch)"
with the import as its recorded reason in place of the voortoets and closure gates — visible on the
project and in its history, like an administrator's override.

Bron-ids are one list's own numbers: they count within a source (the importer's organisation, or the
source named at import), kept as content_key "import:<source>/<bron-id>". Re-importing the same file
updates only the columns it has, and a row that changes nothing is "ongewijzigd" and touches nothing.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select, update

from ...extensions import db
from ...ground import csv_out, files
from ...ground.errors import DomainError, NotAllowed
from ...ground.wording import dutch_date
from ...models import ImportRun, ImportRunPart, Lesson, LessonKind, Project, ProjectStatus, User
from ...models.base import utcnow
from ..access import audit, permissions
from ..notifying import notifications
from ..registry import limits, revisions
from ..registry.themes import slugify
from . import columns, reading, values
from .values import CellProblem

PROJECT_FIELDS = ["title", "question", "municipality_code", "organisation", "department", "goal", "approach",
                  "partners", "funding", "area", "start_date", "end_date", "status", "stage", "themes", "tags",
                  "lead", "outcome", "links"]
LESSON_FIELDS = ["title", "kind", "advice", "context", "what_happened", "lesson_learned", "transferability",
                 "project", "author", "themes", "tags"]
HISTORIC = (ProjectStatus.STARTED, ProjectStatus.CLOSED, ProjectStatus.STOPPED)
UNKNOWN = "Bron-id '{reference}' is onbekend: er is geen {what} met dit nummer dat u mag zien."


@dataclass
class Row:
    number: int  # as the spreadsheet shows it
    cells: list
    values: dict = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    outcome: str = ""  # aangemaakt | bijgewerkt | ongewijzigd | geweigerd
    existing: object = None  # the item this row updates, when it updates one
    failure: object = None  # the failure lesson an earlier import made of this project row's knelpunten


@dataclass
class Checked:
    header: list[str]
    mapping: dict[int, str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    header_row: int = 1

    @property
    def unmapped(self) -> list[str]:
        return [h for i, h in enumerate(self.header) if i not in self.mapping and h]


def _label(kind: str, name: str, header: list[str], mapping: dict[int, str]) -> str:
    index = next((i for i, n in mapping.items() if n == name), None)
    return header[index] if index is not None else columns.field(kind, name).header


def scope_of(run: ImportRun, by: User) -> str:
    """The source a run's bron-ids count in: named at import, else the importer's organisation."""
    return (run.source or by.organisation or "").strip()[:60]


def content_key(scope: str, reference: str) -> str:
    return f"import:{scope}/{reference}" if scope else f"import:{reference}"


def failure_key(scope: str, reference: str) -> str:
    """The failure lesson made of a project row's knelpunten."""
    return content_key(scope, reference) + "#knelpunten"


def _translated(name: str, raw, translations: dict):
    """A cell as the value it stands for, by the importer's translations of that field (case ignored)."""
    table = translations.get(name) or {}
    if table and isinstance(raw, str):
        wanted = raw.strip().casefold()
        for source, target in table.items():
            if source.strip().casefold() == wanted:
                return target
    return raw


def _parse_row(run: ImportRun, row: Row, header: list[str], mapping: dict[int, str], by: User,
               scope: str) -> Callable[[dict], None]:
    """Parse the row's cells into row.values (with its bron-id); the returned function finishes the check
    once the items the chunk's bron-ids name are known (read for a whole chunk at once)."""
    kind = run.kind
    defaults, translations = run.defaults or {}, run.translations or {}
    raw = {name: _translated(name, row.cells[index], translations) for index, name in mapping.items()}
    for name, value in defaults.items():
        if str(value).strip() and values.text(raw.get(name, "")) == "":
            raw[name] = value
    present = set(raw)
    limit = limits.PROJECT if kind == "projecten" else limits.LESSON

    def label(name: str) -> str:
        return _label(kind, name, header, mapping)

    def problem(name: str, message: str) -> None:
        if not any(seen == label(name) for seen, _ in row.problems):  # one message per cell
            row.problems.append((label(name), message))

    def take(name: str, parse, source: str | None = None):
        source = source or name
        if source in present:
            try:
                row.values[name] = parse(raw.get(source, ""))
            except CellProblem as refused:
                problem(source, str(refused))

    def text_of(name: str):
        return lambda v: values.text(v, limit.get(name))

    def required(f) -> None:
        problem(f.name, f"Vul {f.header.lower()} in" + (f" ({f.hint})." if f.hint else "."))

    for f in columns.FIELDS[kind]:
        if f.required and f.name in present and not values.text(raw.get(f.name, "")):
            required(f)  # before parsing: the plainest message for an empty cell
    take("title", text_of("title"))
    take("themes", values.themes)
    take("tags", lambda v: values.tags(values.text(v, limit["tags"])))
    if kind == "projecten":
        take("question", text_of("question"))
        take("municipality_code", values.municipality, source="municipality")
        for name in ("organisation", "department", "area", "goal", "approach", "partners", "funding", "outcome",
                     "links"):
            take(name, text_of(name))
        for name in ("start_date", "end_date"):
            take(name, values.a_date)
        take("status", values.status)
        take("stage", values.stage)
        take("lead", lambda v: values.colleague(v, by))
        take("obstacles", lambda v: values.text(v, limits.LESSON["what_happened"]))
        take("obstacle_advice", lambda v: values.text(v, limits.LESSON["advice"]))
    else:
        take("kind", values.lesson_kind)
        for name in ("advice", "context", "what_happened", "lesson_learned", "transferability"):
            take(name, text_of(name))
        take("project", lambda v: _project_for_lesson(v, by, scope))
        take("author", lambda v: values.colleague(v, by))
    # The bron-id: the file's own, else one made from title and place, so the same list finds its rows again.
    reference = values.text(raw.get("bron_id", ""))
    if len(reference) > 100:
        problem("bron_id", "Een bron-id is hoogstens 100 tekens.")
    place = row.values.get("municipality_code") or row.values.get("organisation") or ""
    basis = f"{row.values.get('title', '')}-{place}"
    row.values["bron_id"] = reference or _derived_reference(basis)
    return lambda known: _check_row(run, row, by, scope, known, raw, problem)


def _derived_reference(basis: str) -> str:
    """A bron-id made of title and place, at most 80 characters; a longer one ends in a fingerprint of the
    whole, so two long titles that begin alike stay two rows (cut off, the second was refused as a double)."""
    slug = slugify(basis, limit=None)
    if len(slug) <= 80:
        return slug
    return f"{slug[:71]}-{hashlib.sha1(slug.encode()).hexdigest()[:8]}"


def _check_row(run: ImportRun, row: Row, by: User, scope: str, known: dict, raw: dict,
               problem: Callable[[str, str], None]) -> None:
    """The rules that depend on what is in kennisbank already: the item the row updates, and what it may do."""
    kind, reference, present = run.kind, row.values["bron_id"], set(raw)
    try:
        row.existing = _existing(Project if kind == "projecten" else Lesson, reference, scope, by, known)
    except CellProblem as refused:
        problem("bron_id", str(refused))
        return  # the row names an item it may not touch: nothing else about it matters
    for f in columns.FIELDS[kind]:
        if f.required and row.existing is None and f.name not in present:
            # A new item needs it; an update keeps what it has. Said once on the page, with the rows' count.
            problem(f.name, f"De kolom {f.header} ontbreekt, en een nieuw{'e les' if kind == 'lessen' else ' project'} "
                    "heeft die nodig. Wijs bij 'Kolommen' aan welke kolom het is, of gebruik het sjabloon.")
    if kind == "projecten":
        _project_rules(row, by, raw, problem)
        if row.existing is not None and row.values.get("obstacles"):
            row.failure = known.get(failure_key(scope, reference))
    elif row.values.get("author") not in (None, by) and not permissions.is_admin(by):
        problem("author", "Alleen een beheerder importeert lessen op naam van een ander. Laat de kolom leeg of vul "
                "uw eigen e-mailadres in.")
    if not permissions.is_admin(by) and "themes" in row.values and \
            not permissions.owns_any_theme(by, row.values["themes"]):
        owned = ", ".join(t.name for t in by.owned_themes if not t.is_deleted)
        problem("themes", f"Kies minstens één thema waarvan u eigenaar bent ({owned}).")


def _project_rules(row: Row, by: User, raw: dict, problem: Callable[[str, str], None]) -> None:
    """What a new project needs, and what an import may not change in an existing one."""
    existing, v = row.existing, row.values
    if existing is None:
        if not v.get("municipality_code") and not v.get("organisation"):
            problem("municipality", "Vul een gemeente in, of bij Organisatie een provincie, partner of "
                    "kennisinstelling.")
        if v.get("status") is None:
            problem("status", "Geef de status: gestart, afgesloten of gestopt (of concept, als het nog moet beginnen) "
                    "— in de kolom, of als waarde voor het hele bestand.")
    else:
        if "status" in v and v["status"] != existing.status:
            problem("status", "De status van een bestaand project verandert niet door een import: starten gaat via de "
                    "voortoets, afsluiten via de afsluitpagina van het project.")
        if values.text(raw.get("lead", "")) and v.get("lead") not in (None, existing.lead) \
                and not permissions.is_admin(by):
            problem("lead", "Alleen een beheerder wijzigt de projectleider van een bestaand project.")
    lead = v.get("lead") or (existing.lead if existing else by)
    status = v.get("status") or (existing.status if existing else None)
    if lead is not None and not lead.active and status in (ProjectStatus.CONCEPT, ProjectStatus.STARTED):
        problem("lead", f"{lead.name} is uit dienst; een lopend project heeft een actieve projectleider.")
    start, end = v.get("start_date"), v.get("end_date")
    if start and end and end < start:
        problem("end_date", "De einddatum ligt vóór de startdatum.")


def _project_for_lesson(value, by: User, scope: str) -> Project | None:
    """The project a lesson goes into: one the importer may see and may add lessons to (as on its page)."""
    reference = values.text(value)
    if not reference:
        return None
    project = _find(Project, reference, scope)
    if project is None or not _visible(by, project):
        raise CellProblem(f"Er is geen project met bron-id '{reference[:60]}' dat u mag zien. Importeer de "
                          "projecten eerst.")
    if not permissions.can_log_lesson_on(by, project=project):
        raise CellProblem(f"U kunt geen lessen toevoegen aan het project met bron-id '{reference[:60]}': alleen "
                          "het projectteam, de themaeigenaren en beheerders kunnen dat.")
    return project


def _known_items(kind: str, scope: str, references: list[str]) -> dict:
    """content_key -> item for this source's earlier imports of these bron-ids (and a project row's failure
    lesson), in two queries for a whole chunk of rows instead of one or two per row."""
    model = Project if kind == "projecten" else Lesson
    keys = [content_key(scope, reference) for reference in references]
    known = {item.content_key: item for item in db.session.scalars(select(model).where(model.content_key.in_(keys)))}
    if kind == "projecten":
        failures = [failure_key(scope, reference) for reference in references]
        known |= {lesson.content_key: lesson
                  for lesson in db.session.scalars(select(Lesson).where(Lesson.content_key.in_(failures)))}
    return known


def _find(model, reference: str, scope: str, known: dict | None = None):
    """This source's earlier import of `reference`, or (from an export of this kennisbank) 'kb-<id>'; from
    `known` when the caller read the chunk's items already."""
    key = content_key(scope, reference)
    found = known.get(key) if known is not None else db.session.scalar(select(model).where(model.content_key == key))
    match = re.fullmatch(r"kb-(\d{1,9})", reference)
    if found is None and match:
        found = db.session.get(model, int(match.group(1)))
    return found


def _existing(model, reference: str, scope: str, by: User, known: dict):
    """The item a row updates. One the importer may not see is never named: a 'kb-<id>' of a hidden or deleted
    item is treated exactly as one that does not exist (a new item); this source's own earlier import that is
    hidden now is "onbekend".

    :raises CellProblem: this source's item that the importer may not see, or an item they may not change."""
    found = _find(model, reference, scope, known)
    if found is None:
        return None
    if not _visible(by, found):
        if found.content_key == content_key(scope, reference):
            raise CellProblem(UNKNOWN.format(reference=reference[:60], what="project" if model is Project else "les"))
        return None
    may_change = permissions.can_edit_project(by, found) if model is Project else permissions.can_edit_lesson(by, found)
    if not may_change:
        item = "Het project" if model is Project else "De les"
        raise CellProblem(f"{item} met bron-id '{reference[:60]}' valt niet onder uw thema's; het is niet gewijzigd.")
    return found


def _visible(by: User, item) -> bool:
    return not item.is_deleted and permissions.can_view_item(by, "project" if isinstance(item, Project) else "lesson",
                                                              item)


def check(run: ImportRun, by: User, progress: Callable[[ImportRun], None] | None = None) -> Checked:
    """Read and check every row; nothing is written. `progress(run)` is called every PROGRESS_EVERY rows
    with run.rows_done set (only reads happen here, so a background check may commit there).

    :raises DomainError: the file as a whole."""
    kind = run.kind
    if kind not in columns.FIELDS:
        raise DomainError("Kies wat u importeert: projecten of lessen.", {"kind": "Kies projecten of lessen."})
    table = reading.read(file_content(run), sheet_hint=kind, max_rows=int(current_app.config["IMPORT_MAX_ROWS"]),
                         recognised=lambda header: columns.recognised(kind, header))
    mapping = columns.map_headers(kind, table.header, run.mapping, by.id)
    scope = scope_of(run, by)
    rows = [Row(number=n, cells=cells) for n, cells in zip(table.numbers, table.rows)]
    checked = Checked(table.header, mapping, rows,
                      notes=table.notes, header_row=table.header_row)
    seen: dict[str, int] = {}
    run.rows_total = len(checked.rows)
    for start in range(0, len(checked.rows), CHECK_CHUNK):
        chunk = checked.rows[start:start + CHECK_CHUNK]
        finish = [_parse_row(run, row, table.header, mapping, by, scope) for row in chunk]
        known = _known_items(kind, scope, [row.values["bron_id"] for row in chunk])
        for row, finish_row in zip(chunk, finish):
            finish_row(known)
        if progress is not None:
            run.rows_done = start + len(chunk)
            progress(run)
    for row in checked.rows:
        key = row.values["bron_id"]
        if key in seen:
            row.problems.append((_label(kind, "bron_id", table.header, mapping),
                                 f"Bron-id '{key[:60]}' staat ook in rij {seen[key]}."))
        else:
            seen[key] = row.number
    return checked


def _moment(day) -> datetime | None:
    return datetime.combine(day, time(12)) if day else None


def _write_project(run: ImportRun, row: Row, by: User, created: list) -> str:
    """Apply one checked row; a new project goes into `created` (its history is recorded once it has an id).
    The row's knelpunten become (or update) the project's failure lesson."""
    v = row.values
    fields = {name: v[name] for name in PROJECT_FIELDS if name in v}
    if fields.get("stage") is None:
        fields.pop("stage", None)  # the model's default (verkenning) for new projects; kept as it is otherwise
    if row.existing is not None:
        outcome, project = _update(row.existing, fields, run, by), row.existing
    else:
        outcome, project = "aangemaakt", _new_project(run, row, by, fields)
        created.append((project, "geïmporteerd (historisch)" if project.status in HISTORIC else "geïmporteerd"))
    if _write_failure_lesson(run, row, by, project, created) and outcome == "ongewijzigd":
        outcome = "bijgewerkt"
    return outcome


def _new_project(run: ImportRun, row: Row, by: User, fields: dict) -> Project:
    v = row.values
    fields.setdefault("lead", by)
    project = Project(content_key=content_key(scope_of(run, by), v["bron_id"]), import_run_id=run.id, **fields)
    if project.status in HISTORIC:
        # History, not new work: the import is the recorded reason in place of the gates.
        project.started_at = _moment(v.get("start_date")) or utcnow()
        project.start_override_reason = (f"Geïmporteerd (historisch) uit '{run.file_name}' op "
                                         f"{dutch_date(utcnow().date())}: dit project liep al vóór kennisbank.")
        project.start_override_by = by
    if project.status in (ProjectStatus.CLOSED, ProjectStatus.STOPPED):
        project.closed_at = _moment(v.get("end_date")) or utcnow()
        project.closure_note = f"Geïmporteerd (historisch) uit '{run.file_name}': beëindigd vóór kennisbank."
    db.session.add(project)
    return project


NO_ADVICE = ("Nog geen advies: de geïmporteerde lijst noemde alleen de knelpunten. Wat moet een volgend project "
             "anders doen? Vul het advies aan.")


def _failure_fields(row: Row, by: User) -> dict | None:
    """What a project row's knelpunten write to its failure lesson (the advice only when the list gives
    one), or None when nothing is written: an empty cell removes nothing, and a lesson removed or taken
    over by someone else since is not brought back."""
    if not row.values.get("obstacles"):
        return None
    if row.failure is not None and (row.failure.is_deleted or not permissions.can_edit_lesson(by, row.failure)):
        return None
    fields = {"what_happened": row.values["obstacles"]}
    if row.values.get("obstacle_advice"):
        fields["advice"] = row.values["obstacle_advice"]
    return fields


def _write_failure_lesson(run: ImportRun, row: Row, by: User, project: Project, created: list) -> bool:
    """Create or update the project's failure lesson from the row's knelpunten; True when it changed."""
    fields = _failure_fields(row, by)
    if fields is None:
        return False
    if row.failure is not None:
        return _update(row.failure, fields, run, by) == "bijgewerkt"
    lesson = Lesson(content_key=failure_key(scope_of(run, by), row.values["bron_id"]), import_run_id=run.id,
                    title=f"Knelpunten: {project.title}"[:limits.LESSON["title"]], kind=LessonKind.FAILURE,
                    author=by, project=project, themes=list(project.themes), **({"advice": NO_ADVICE} | fields))
    db.session.add(lesson)
    created.append((lesson, "geïmporteerd"))
    return True


def _write_lesson(run: ImportRun, row: Row, by: User, created: list) -> str:
    v = row.values
    fields = {name: v[name] for name in LESSON_FIELDS if name in v}
    if row.existing is not None:
        return _update(row.existing, fields, run, by)
    fields.setdefault("author", by)
    lesson = Lesson(content_key=content_key(scope_of(run, by), v["bron_id"]), import_run_id=run.id, **fields)
    db.session.add(lesson)
    created.append((lesson, "geïmporteerd"))
    return "aangemaakt"


def _update(item, fields: dict, run: ImportRun, by: User) -> str:
    """Only the file's own columns; equal values leave the row as it is (no UPDATE, no revision)."""
    before = revisions.snapshot(item, list(fields))
    for name, value in fields.items():
        setattr(item, name, value)
    changes = revisions.diff(before, revisions.snapshot(item, list(fields)))
    if not changes:
        return "ongewijzigd"
    revisions.record(item, "bijgewerkt door import", by, changes | {"bestand": [None, run.file_name]})
    return "bijgewerkt"


WRITE_ERRORS = (DomainError, CellProblem, ValueError)


def _write_rows(run: ImportRun, rows: list[Row], writer: Callable, by: User) -> None:
    """Write a group of checked rows in one savepoint with one flush. Should any row fail there, the group
    again row by row, each in a savepoint of its own: valid rows go in, only the failing one is refused,
    never half of a row. (A savepoint and flush per row made writing ten times slower.)"""
    try:
        with db.session.begin_nested():
            outcomes = _write_all(run, rows, writer, by)
    except WRITE_ERRORS:
        for row in rows:
            try:
                with db.session.begin_nested():
                    row.outcome = _write_all(run, [row], writer, by)[0]
            except WRITE_ERRORS as error:
                row.outcome = "geweigerd"
                row.problems.append(("", getattr(error, "message", str(error))))
    else:
        for row, outcome in zip(rows, outcomes):
            row.outcome = outcome


def _write_all(run: ImportRun, rows: list[Row], writer: Callable, by: User) -> list[str]:
    created: list[tuple[object, str]] = []
    outcomes = [writer(run, row, by, created) for row in rows]
    db.session.flush()  # the new items get their ids, so their history can name them
    for item, action in created:
        revisions.record(item, action, by, {"bestand": [None, run.file_name]})
    db.session.flush()
    return outcomes


def refused_rows_csv(checked: Checked) -> str:
    """The refused rows as they came (the file's own columns, in its order) plus "Fout": fix them and import
    just this file."""
    out = io.StringIO()
    writer = csv_out.writer(out, delimiter=";")
    writer.writerow(checked.header + ["Fout"])
    for row in checked.rows:
        if row.outcome == "geweigerd":
            reasons = "; ".join(f"{column}: {message}" if column else message for column, message in row.problems)
            writer.writerow([_as_written(cell) for cell in row.cells] + [reasons])
    return "\ufeff" + out.getvalue()  # a byte order mark: Dutch Excel then reads it as UTF-8


def _as_written(cell) -> str:
    if isinstance(cell, datetime):
        return cell.strftime("%d-%m-%Y %H:%M") if cell.time() != time(0) else cell.strftime("%d-%m-%Y")
    if hasattr(cell, "strftime"):
        return cell.strftime("%d-%m-%Y")
    return values.text(cell)


def stored_report(checked: Checked) -> dict:
    """What the report page shows, kept with the run so a view never reads the file again."""
    fields = list(checked.mapping.items())
    return {"header": checked.header, "header_row": checked.header_row, "notes": checked.notes,
            "mapping": [[index, name] for index, name in fields], "unmapped": checked.unmapped,
            "preview": [[row.number, [_as_written(row.cells[index])[:200] for index, _ in fields]]
                        for row in checked.rows[:10]]}


def grouped_problems(run: ImportRun) -> list[dict]:
    """Each distinct problem once, with how many rows have it and which (the first 20)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for number, column, message in run.problems:
        groups.setdefault((column, message), []).append(number)
    return sorted(({"column": column, "message": message, "count": len(rows), "rows": rows[:20]}
                   for (column, message), rows in groups.items()), key=lambda g: (-g["count"], g["column"]))


# Choices on the mapping page and the command line ------------------------------------------------------

def resolve_field(kind: str, text: str) -> str:
    """A field by its Dutch header, a synonym or its name. :raises DomainError: no such field."""
    key = columns.header_key(text)
    for f in columns.FIELDS[kind]:
        if key in {columns.header_key(t) for t in (f.header, f.name, *f.synonyms)}:
            return f.name
    names = ", ".join(f.header for f in columns.FIELDS[kind])
    raise DomainError(f"'{text[:40]}' is geen veld van {kind}. Kies uit: {names}.")


PARSERS = {"status": values.status, "stage": values.stage, "kind": values.lesson_kind,
           "municipality": values.municipality, "themes": values.themes}


def _check_value(kind: str, name: str, value: str, by: User) -> None:
    parse = PARSERS.get(name) or ((lambda v: values.colleague(v, by)) if name in ("lead", "author") else None)
    if parse is None:
        return
    try:
        parse(value)
    except CellProblem as problem:
        header = columns.field(kind, name).header
        raise DomainError(f"{header}: {problem}", {f"standaard-{name}": str(problem)}) from None


def parse_translations(text: str) -> list[tuple[str, str, str]]:
    """'Fase: Idee = verkenning' per line -> (field text, from, to). :raises DomainError: a line that is not so."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"\s*([^:=]+?)\s*:\s*([^=]*?)\s*=\s*(.*?)\s*", line)
        if match is None or not match.group(2):
            message = (f"Regel {number} van de vertalingen is niet te lezen: schrijf 'Veld: waarde in het bestand = "
                       "waarde in kennisbank', bijvoorbeeld 'Fase: Realisatie = pilot'.")
            raise DomainError(message, {"vertalingen": message})
        found.append((match.group(1), match.group(2), match.group(3)))
    return found


def choose(run: ImportRun, by: User, *, mapping: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
           translations: list[tuple[str, str, str]] | None = None, source: str | None = None) -> None:
    """The importer's choices for the whole file: which column is which field (remembered for their next
    file), one value for every row that has none, and what the file's own words stand for.

    :raises DomainError: the import already ran, or a value no row could take (in Dutch, per field)."""
    if run.status != "voorbeeld":
        raise DomainError("Deze import is al gestart of uitgevoerd; de keuzes gelden niet meer. Upload het bestand "
                          "opnieuw om het nog eens te importeren.")
    kind = run.kind
    if mapping:
        valid = {f.name for f in columns.FIELDS[kind]}
        chosen = {header: name for header, name in mapping.items() if name in valid or name == ""}
        run.mapping = dict(run.mapping or {}) | chosen
        columns.remember(kind, {header: name for header, name in chosen.items() if name}, by.id)
    if defaults is not None:
        kept = {}
        for name, value in defaults.items():
            if name not in columns.DEFAULTABLE[kind] or not str(value).strip():
                continue
            _check_value(kind, name, str(value).strip(), by)
            kept[name] = str(value).strip()
        run.defaults = kept
    if translations is not None:
        table: dict[str, dict[str, str]] = {}
        for field_text, source_word, target in translations:
            name = resolve_field(kind, field_text)
            _check_value(kind, name, target, by)
            table.setdefault(name, {})[source_word] = target
        run.translations = table
    if source is not None:
        run.source = source.strip()[:60]
    db.session.flush()


def translations_text(run: ImportRun) -> str:
    lines = []
    for name, table in (run.translations or {}).items():
        header = columns.field(run.kind, name).header
        lines += [f"{header}: {source} = {target}" for source, target in table.items()]
    return "\n".join(lines)


def report_page(run: ImportRun) -> dict:
    """Everything the report page shows, from what the last check stored."""
    report = run.report or {}
    fields = {f.name: f for f in columns.FIELDS[run.kind]}
    return {"run": run, "report": report, "fields": columns.FIELDS[run.kind], "groups": grouped_problems(run),
            "mapped": [(index, report["header"][index], fields[name]) for index, name in report.get("mapping", [])],
            "defaultable": [fields[name] for name in columns.DEFAULTABLE[run.kind]],
            "defaults": dict(run.defaults or {}), "translations": translations_text(run),
            "scope": run.source or (run.by.organisation if run.by else "")}


PROGRESS_EVERY = 100
CHECK_CHUNK = 500  # rows checked per look-up of the items they name


def execute(run: ImportRun, by: User | None, *, dry_run: bool,
            progress: Callable[[ImportRun], None] | None = None) -> Checked:
    """Check and (unless `dry_run`) write every valid row in its own savepoint; record the counts on `run`.
    `progress(run)` is called every PROGRESS_EVERY rows with the counts so far (a background run commits
    there, so what is written stays written if the process dies; importing again skips it as unchanged).

    :raises NotAllowed: not a beheerder. :raises DomainError: the file as a whole cannot be imported.
    """
    if by is not None and not permissions.can_import(by):
        raise NotAllowed("Alleen beheerders en themaeigenaren kunnen importeren.")
    if run.status == "uitgevoerd":
        raise DomainError("Deze import is al uitgevoerd. Upload het bestand opnieuw om het nog eens te importeren.")
    acting = by or db.session.scalar(select(User).where(User.is_admin, User.active).order_by(User.id))
    if acting is None:
        raise DomainError("Er is nog geen actieve beheerder: maak er eerst een (flask kb create-admin).")
    checked = check(run, acting, progress if dry_run else None)
    writer = _write_project if run.kind == "projecten" else _write_lesson
    run.rows_total = len(checked.rows)
    with notifications.followers_read_once():
        for start in range(0, len(checked.rows), PROGRESS_EVERY):
            group = checked.rows[start:start + PROGRESS_EVERY]
            for row in group:
                if row.problems:
                    row.outcome = "geweigerd"
                elif dry_run:
                    row.outcome = _would_be(run.kind, row, acting)  # a dry run writes nothing at all
            if not dry_run:
                _write_rows(run, [row for row in group if not row.outcome], writer, acting)
                if progress is not None:
                    done = start + len(group)
                    _count(run, checked.rows[:done])
                    run.rows_done = done
                    progress(run)
    _count(run, checked.rows)
    run.rows_done = len(checked.rows)
    run.problems = [[row.number, column, message] for row in checked.rows for column, message in row.problems]
    run.report = stored_report(checked)
    run.refused_csv = refused_rows_csv(checked) if run.refused else ""
    if not dry_run:
        run.status, run.finished_at = "uitgevoerd", utcnow()
        _remove_file(run)  # done with: the refused rows and the counts stay, the upload goes
    elif run.status == "controleren":
        run.status = "voorbeeld"  # checked in the background: ready to be looked at
    audit.record("import_checked" if dry_run else "import_done", by, run, file=run.file_name, kind=run.kind,
                 aangemaakt=run.created, bijgewerkt=run.updated, ongewijzigd=run.unchanged, geweigerd=run.refused)
    db.session.flush()
    return checked


def _would_be(kind: str, row: Row, by: User) -> str:
    """What writing the row would do, without writing it: the same comparison `_update` makes."""
    if row.existing is None:
        return "aangemaakt"
    names = [name for name in (PROJECT_FIELDS if kind == "projecten" else LESSON_FIELDS) if name in row.values]
    if kind == "projecten" and row.values.get("stage") is None and "stage" in names:
        names.remove("stage")
    if _differs(row.existing, row.values, names):
        return "bijgewerkt"
    failure = _failure_fields(row, by) if kind == "projecten" else None
    if failure and (row.failure is None or _differs(row.failure, failure, list(failure))):
        return "bijgewerkt"  # only the knelpunten changed: their lesson is written
    return "ongewijzigd"


def _differs(item, proposed: dict, names: list[str]) -> bool:
    return bool(revisions.diff(revisions.snapshot(item, names), revisions.snapshot(_Proposed(proposed), names)))


class _Proposed:
    """A row's values read like an item's attributes, so a snapshot of them compares with the item's."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


def _count(run: ImportRun, rows: list[Row]) -> None:
    outcomes = [row.outcome for row in rows]
    run.created, run.updated = outcomes.count("aangemaakt"), outcomes.count("bijgewerkt")
    run.unchanged, run.refused = outcomes.count("ongewijzigd"), outcomes.count("geweigerd")


# Large imports in the background -------------------------------------------------------------------------

def in_background(run: ImportRun) -> bool:
    """More rows than one request should write: a process in the background does it, with progress."""
    return run.rows_total > int(current_app.config["IMPORT_BACKGROUND_ROWS"])


def check_in_background(run: ImportRun) -> bool:
    """A file larger than one request should read: checked by a process in the background, with progress."""
    return run.size > int(current_app.config["IMPORT_BACKGROUND_KB"]) * 1024


def queue_check(run: ImportRun) -> None:
    run.status, run.rows_done = "controle", 0
    db.session.flush()


# Queued (waiting) and taken (running) states of the two kinds of background work.
TAKEN = {"wachtrij": "bezig", "controle": "controleren"}


def queue(run: ImportRun, by: User) -> None:
    if by is not None and not permissions.can_import(by):
        raise NotAllowed("Alleen beheerders en themaeigenaren kunnen importeren.")
    if run.status != "voorbeeld":
        raise DomainError("Deze import is al gestart of uitgevoerd.")
    run.status, run.rows_done = "wachtrij", 0
    db.session.flush()


def _waiting(queued: str, running: str, now, stale_after: timedelta):
    stopped = and_(ImportRun.status == running, ImportRun.heartbeat_at < now - stale_after)
    return or_(ImportRun.status == queued, stopped)


def has_work(stale_after: timedelta = timedelta(seconds=30)) -> bool:
    """Whether a run waits to be checked or carried out (or was left by a process that stopped)."""
    now = utcnow()
    return any(db.session.scalar(select(ImportRun.id).where(_waiting(queued, running, now, stale_after)).limit(1))
               for queued, running in TAKEN.items())


def claim(stale_after: timedelta = timedelta(seconds=30)) -> ImportRun | None:
    """Take the oldest queued run, or one whose process stopped beating; exactly one process gets it."""
    now = utcnow()
    for queued, running in TAKEN.items():
        waiting = _waiting(queued, running, now, stale_after)
        for run_id in db.session.scalars(select(ImportRun.id).where(waiting).order_by(ImportRun.id).limit(5)).all():
            taken = db.session.execute(update(ImportRun).where(ImportRun.id == run_id, waiting)
                                       .values(status=running, heartbeat_at=now))
            db.session.commit()
            if taken.rowcount == 1:
                return db.session.get(ImportRun, run_id)
    return None


def work_once(stale_after: timedelta = timedelta(seconds=30)) -> ImportRun | None:
    """Run one queued import to the end, committing as it goes. Returns it, or None if none waited."""
    run = claim(stale_after)
    if run is None:
        return None

    def beat(current: ImportRun) -> None:
        current.heartbeat_at = utcnow()
        db.session.commit()

    checking = run.status == "controleren"
    try:
        execute(run, run.by, dry_run=checking, progress=beat)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        run = db.session.get(ImportRun, run.id)
        run.status, run.problems = ("mislukt" if checking else "uitgevoerd"), [[0, "", error.message]]
        db.session.commit()
    return run


PART_BYTES = 1024 * 1024


def start(kind: str, file_name: str, content: bytes | BinaryIO, by: User | None) -> ImportRun:
    """Keep the upload as a run to check (and later carry out). A file object is stored a megabyte at a
    time, each piece written straight through (never kept in the session), so the process storing it
    never holds the whole file."""
    if by is not None and not permissions.can_import(by):
        raise NotAllowed("Alleen beheerders en themaeigenaren kunnen importeren.")
    stream = io.BytesIO(content) if isinstance(content, (bytes, bytearray)) else content
    run = ImportRun(kind=kind, file_name=files.safe_name(file_name), by=by, size=0)
    db.session.add(run)
    db.session.flush()
    parts, size, seq = ImportRunPart.__table__, 0, 0
    while piece := stream.read(PART_BYTES):
        db.session.execute(insert(parts).values(run_id=run.id, seq=seq, data=piece))
        size, seq = size + len(piece), seq + 1
    run.size = size
    db.session.flush()
    return run


def file_content(run: ImportRun) -> bytes:
    """The uploaded file whole, from its parts (only the check reads it).

    :raises DomainError: the file was removed (carried out, or kept longer than IMPORT_KEEP_DAYS)."""
    content = b"".join(db.session.scalars(select(ImportRunPart.data).where(ImportRunPart.run_id == run.id)
                                          .order_by(ImportRunPart.seq)))
    if run.size and not content:
        raise DomainError(f"Het bestand van deze import is niet meer bewaard (na "
                          f"{current_app.config['IMPORT_KEEP_DAYS']} dagen, of omdat de import is uitgevoerd). "
                          "Upload het opnieuw.")
    return content


def _remove_file(run: ImportRun) -> None:
    db.session.execute(delete(ImportRunPart).where(ImportRunPart.run_id == run.id))


def remove_old_files(now: datetime | None = None) -> int:
    """Remove the uploads of runs older than IMPORT_KEEP_DAYS that were never carried out (any process may
    do this; removing twice is harmless). Returns how many files were removed."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["IMPORT_KEEP_DAYS"]))
    old = select(ImportRun.id).where(ImportRun.created_at < cutoff, ImportRun.status.in_(("voorbeeld", "mislukt")))
    run_ids = db.session.scalars(select(ImportRunPart.run_id).where(ImportRunPart.run_id.in_(old)).distinct()).all()
    if run_ids:
        db.session.execute(delete(ImportRunPart).where(ImportRunPart.run_id.in_(run_ids)))
    return len(run_ids)


def recent_runs(user: User, limit: int = 20) -> list[ImportRun]:
    """A theme owner's own imports; every import for an administrator."""
    query = select(ImportRun)
    if not permissions.is_admin(user):
        query = query.where(ImportRun.by_id == user.id)
    return list(db.session.scalars(query.order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(limit)))
