"""An import: check every row (a dry run writes nothing), then carry it out — each row in its own
savepoint, so valid rows go in and refused rows come back, never half of a row. Re-importing the same
file updates by bron-id (kept as content_key "import:<bron-id>") and never duplicates.

Imported projects keep their status: the start and closure gates are for new work, not for history.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ...extensions import db
from ...ground import files
from ...ground.errors import DomainError, NotAllowed
from ...models import ImportRun, Lesson, Project, ProjectStatus, User
from ...models.base import utcnow
from ..access import audit, permissions
from ..registry import revisions
from ..registry.themes import slugify
from . import columns, reading, values
from .values import CellProblem

PROJECT_FIELDS = ["title", "question", "municipality_code", "organisation", "department", "goal", "approach",
                  "partners", "funding", "area", "start_date", "end_date", "status", "stage", "themes", "tags",
                  "lead", "outcome", "links"]
LESSON_FIELDS = ["title", "kind", "advice", "context", "what_happened", "lesson_learned", "transferability",
                 "project", "author", "themes", "tags"]


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: list
    values: dict = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    outcome: str = ""  # aangemaakt | bijgewerkt | ongewijzigd | geweigerd


@dataclass
class Checked:
    header: list[str]
    mapping: dict[int, str]
    rows: list[Row]

    @property
    def unmapped(self) -> list[str]:
        return [h for i, h in enumerate(self.header) if i not in self.mapping and h]


def _label(kind: str, name: str, header: list[str], mapping: dict[int, str]) -> str:
    index = next((i for i, n in mapping.items() if n == name), None)
    return header[index] if index is not None else columns.field(kind, name).header


def _parse_row(kind: str, row: Row, header: list[str], mapping: dict[int, str], by: User) -> None:
    raw = {name: row.cells[index] for index, name in mapping.items()}

    def take(name: str, parse, source: str | None = None):
        column = _label(kind, source or name, header, mapping)
        try:
            row.values[name] = parse(raw.get(source or name, ""))
        except CellProblem as problem:
            if not any(seen == column for seen, _ in row.problems):  # one message per cell
                row.problems.append((column, str(problem)))

    for f in columns.FIELDS[kind]:
        if f.required and not values.text(raw.get(f.name, "")):
            row.problems.append((_label(kind, f.name, header, mapping),
                                 f"Vul {f.header.lower()} in" + (f" ({f.hint})." if f.hint else ".")))
    take("title", lambda v: values.text(v, 200))
    take("themes", values.themes)
    take("tags", values.tags)
    if kind == "projecten":
        take("question", values.text)
        take("municipality_code", values.municipality, source="municipality")
        for name in ("organisation", "department", "area"):
            take(name, lambda v: values.text(v, 200))
        for name in ("goal", "approach", "partners", "funding", "outcome", "links"):
            take(name, values.text)
        take("start_date", values.a_date)
        take("end_date", values.a_date)
        take("status", values.status)
        take("stage", values.stage)
        take("lead", lambda v: values.colleague(v, by))
        if not row.values.get("municipality_code") and not row.values.get("organisation") and \
                not any(col == _label(kind, "municipality", header, mapping) for col, _ in row.problems):
            row.problems.append((_label(kind, "municipality", header, mapping),
                                 "Vul een gemeente in, of bij Organisatie een provincie, partner of kennisinstelling."))
        lead = row.values.get("lead")
        if lead is not None and not lead.active and row.values.get("status") in (ProjectStatus.CONCEPT,
                                                                               ProjectStatus.STARTED):
            row.problems.append((_label(kind, "lead", header, mapping),
                                 f"{lead.name} is uit dienst; een lopend project heeft een actieve projectleider."))
        start, end = row.values.get("start_date"), row.values.get("end_date")
        if start and end and end < start:
            row.problems.append((_label(kind, "end_date", header, mapping), "De einddatum ligt vóór de startdatum."))
    else:
        take("kind", values.lesson_kind)
        for name in ("advice", "context", "what_happened", "lesson_learned", "transferability"):
            take(name, values.text)
        take("project", values.project_by_reference)
        take("author", lambda v: values.colleague(v, by))
    if not permissions.is_admin(by) and "themes" in row.values and \
            not permissions.owns_any_theme(by, row.values["themes"]):
        owned = ", ".join(t.name for t in by.owned_themes if not t.is_deleted)
        row.problems.append((_label(kind, "themes", header, mapping),
                             f"Kies minstens één thema waarvan u eigenaar bent ({owned})."))
    reference = values.text(raw.get("bron_id", ""))
    if len(reference) > 100:
        row.problems.append((_label(kind, "bron_id", header, mapping), "Een bron-id is hoogstens 100 tekens."))
    basis = f"{row.values.get('title', '')}-{row.values.get('municipality_code') or row.values.get('organisation') or ''}"
    row.values["bron_id"] = reference or slugify(basis)[:100]


def check(kind: str, content: bytes, chosen: dict[str, str] | None, by: User) -> Checked:
    """Read and check every row; nothing is written. :raises DomainError: the file as a whole."""
    if kind not in columns.FIELDS:
        raise DomainError("Kies wat u importeert: projecten of lessen.", {"kind": "Kies projecten of lessen."})
    table = reading.read(content, sheet_hint=kind, max_rows=int(current_app.config["IMPORT_MAX_ROWS"]))
    mapping = columns.map_headers(kind, table.header, chosen)
    missing = [f.header for f in columns.FIELDS[kind] if f.required and f.name not in mapping.values()]
    checked = Checked(table.header, mapping, [Row(number=n + 2, cells=cells) for n, cells in enumerate(table.rows)])
    if missing:
        message = (f"De kolom{'men' if len(missing) > 1 else ''} {', '.join(missing)} ontbreek"
                   f"{'en' if len(missing) > 1 else 't'}. Wijs hieronder aan welke kolom het is, of gebruik het "
                   "sjabloon.")
        for row in checked.rows:
            row.problems.append(("", message))
        return checked
    seen: dict[str, int] = {}
    for row in checked.rows:
        _parse_row(kind, row, table.header, mapping, by)
        key = row.values["bron_id"]
        if key in seen:
            row.problems.append((_label(kind, "bron_id", table.header, mapping),
                                 f"Bron-id '{key[:60]}' staat ook in rij {seen[key]}."))
        else:
            seen[key] = row.number
    return checked


def _moment(day) -> datetime | None:
    return datetime.combine(day, time(12)) if day else None


def _existing(model, reference: str):
    """The item a bron-id names: an earlier import's, or (from an export of this kennisbank) 'kb-<id>'."""
    found = db.session.scalar(select(model).where(model.content_key == f"import:{reference}"))
    match = re.fullmatch(r"kb-(\d{1,9})", reference)
    if found is None and match:
        found = db.session.get(model, int(match.group(1)))
    return found


def _may_change(existing, by: User | None) -> None:
    """A theme owner updates only what they may edit anyway (an item of one of their themes)."""
    if existing is None or by is None or permissions.is_admin(by):
        return
    allowed = permissions.can_edit_project(by, existing) if isinstance(existing, Project) \
        else permissions.can_edit_lesson(by, existing)
    if not allowed:
        raise DomainError(f"'{existing.title[:60]}' bestaat al en valt niet onder uw thema's; het is niet gewijzigd.")


def _write_project(run: ImportRun, v: dict, by: User | None) -> str:
    key = f"import:{v['bron_id']}"
    project = _existing(Project, v["bron_id"])
    fields = {name: v[name] for name in PROJECT_FIELDS if name in v}
    if fields.get("stage") is None:
        fields.pop("stage", None)  # the model's default (verkenning) for new projects; kept as it is otherwise
    _may_change(project, by)
    if project is None:
        project = Project(content_key=key, import_run_id=run.id, **fields)
        if project.status != ProjectStatus.CONCEPT:
            project.started_at = _moment(v.get("start_date")) or utcnow()
        if project.status in (ProjectStatus.CLOSED, ProjectStatus.STOPPED):
            project.closed_at = _moment(v.get("end_date")) or utcnow()
        db.session.add(project)
        db.session.flush()
        revisions.record(project, "geïmporteerd", by, {"bestand": [None, run.file_name]})
        return "aangemaakt"
    return _update(project, fields, run, by)


def _write_lesson(run: ImportRun, v: dict, by: User | None) -> str:
    key = f"import:{v['bron_id']}"
    lesson = _existing(Lesson, v["bron_id"])
    fields = {name: v[name] for name in LESSON_FIELDS if name in v}
    _may_change(lesson, by)
    if lesson is None:
        lesson = Lesson(content_key=key, import_run_id=run.id, **fields)
        db.session.add(lesson)
        db.session.flush()
        revisions.record(lesson, "geïmporteerd", by, {"bestand": [None, run.file_name]})
        return "aangemaakt"
    return _update(lesson, fields, run, by)


def _update(item, fields: dict, run: ImportRun, by: User | None) -> str:
    before = revisions.snapshot(item, list(fields))
    for name, value in fields.items():
        setattr(item, name, value)
    changes = revisions.diff(before, revisions.snapshot(item, list(fields)))
    if not changes:
        return "ongewijzigd"
    revisions.record(item, "bijgewerkt door import", by, changes | {"bestand": [None, run.file_name]})
    db.session.flush()
    return "bijgewerkt"


def refused_rows_csv(checked: Checked) -> str:
    """The refused rows as they came, plus a column saying why: fix them and import just this file."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(checked.header + ["Fout"])
    for row in checked.rows:
        if row.outcome == "geweigerd":
            reasons = "; ".join(f"{column}: {message}" if column else message for column, message in row.problems)
            writer.writerow([values.text(cell) for cell in row.cells] + [reasons])
    return "\ufeff" + out.getvalue()  # a byte order mark: Dutch Excel then reads it as UTF-8


PROGRESS_EVERY = 100


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
    checked = check(run.kind, run.content, run.mapping, acting)
    writer = _write_project if run.kind == "projecten" else _write_lesson
    run.rows_total = len(checked.rows)
    outer = db.session.begin_nested() if dry_run else None  # a dry run rolls all of it back, keeps the report
    for done, row in enumerate(checked.rows, start=1):
        if row.problems:
            row.outcome = "geweigerd"
        else:
            try:
                with db.session.begin_nested():
                    row.outcome = writer(run, row.values, by)
            except (DomainError, CellProblem, ValueError) as error:
                row.outcome = "geweigerd"
                row.problems.append(("", getattr(error, "message", str(error))))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(checked.rows)):
            _count(run, checked.rows[:done])
            run.rows_done = done
            progress(run)
    if outer is not None:
        outer.rollback()
    _count(run, checked.rows)
    run.rows_done = len(checked.rows)
    run.problems = [[row.number, column, message] for row in checked.rows for column, message in row.problems]
    run.refused_csv = refused_rows_csv(checked) if run.refused else ""
    if not dry_run:
        run.status, run.finished_at = "uitgevoerd", utcnow()
    audit.record("import_checked" if dry_run else "import_done", by, run, file=run.file_name, kind=run.kind,
                 aangemaakt=run.created, bijgewerkt=run.updated, ongewijzigd=run.unchanged, geweigerd=run.refused)
    db.session.flush()
    return checked


def _count(run: ImportRun, rows: list[Row]) -> None:
    outcomes = [row.outcome for row in rows]
    run.created, run.updated = outcomes.count("aangemaakt"), outcomes.count("bijgewerkt")
    run.unchanged, run.refused = outcomes.count("ongewijzigd"), outcomes.count("geweigerd")


# Large imports in the background -------------------------------------------------------------------------

def in_background(run: ImportRun) -> bool:
    """More rows than one request should write: a process in the background does it, with progress."""
    return run.rows_total > int(current_app.config["IMPORT_BACKGROUND_ROWS"])


def queue(run: ImportRun, by: User) -> None:
    if by is not None and not permissions.can_import(by):
        raise NotAllowed("Alleen beheerders en themaeigenaren kunnen importeren.")
    if run.status != "voorbeeld":
        raise DomainError("Deze import is al gestart of uitgevoerd.")
    run.status, run.rows_done = "wachtrij", 0
    db.session.flush()


def claim(stale_after: timedelta = timedelta(seconds=30)) -> ImportRun | None:
    """Take the oldest queued run, or one whose process stopped beating; exactly one process gets it."""
    now = utcnow()
    waiting = or_(ImportRun.status == "wachtrij",
                  and_(ImportRun.status == "bezig", ImportRun.heartbeat_at < now - stale_after))
    for run_id in db.session.scalars(select(ImportRun.id).where(waiting).order_by(ImportRun.id).limit(5)).all():
        taken = db.session.execute(update(ImportRun).where(ImportRun.id == run_id, waiting)
                                   .values(status="bezig", heartbeat_at=now))
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

    try:
        execute(run, run.by, dry_run=False, progress=beat)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        run = db.session.get(ImportRun, run.id)
        run.status, run.problems = "uitgevoerd", [[0, "", error.message]]
        db.session.commit()
    return run


def start(kind: str, file_name: str, content: bytes, by: User | None) -> ImportRun:
    """Keep the upload as a run to check (and later carry out)."""
    if by is not None and not permissions.can_import(by):
        raise NotAllowed("Alleen beheerders en themaeigenaren kunnen importeren.")
    run = ImportRun(kind=kind, file_name=files.safe_name(file_name), content=content, by=by)
    db.session.add(run)
    db.session.flush()
    return run


def recent_runs(user: User, limit: int = 20) -> list[ImportRun]:
    """A theme owner's own imports; every import for an administrator."""
    query = select(ImportRun)
    if not permissions.is_admin(user):
        query = query.where(ImportRun.by_id == user.id)
    return list(db.session.scalars(query.order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(limit)))
