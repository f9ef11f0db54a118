"""What a list export holds, per kind of list: the columns people use in a spreadsheet, one row per item
the user saw (the same query as the page, never more)."""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from ...ground import municipalities
from ...models import Lesson, Project
from .exports import EXPORT_MAX, Table

Link = Callable[[str, int], str]  # (kind, id) -> absolute URL


def _municipality(project: Project | None) -> str:
    found = municipalities.by_code(project.municipality_code) if project else None
    return found.display_name if found else ""


def projects_table(items: list[Project], total: int, link: Link) -> Table:
    rows = [{"titel": p.title, "gemeente": _municipality(p), "organisatie": p.organisation,
             "status": p.status.label, "fase": p.stage.label, "startdatum": p.start_date, "einddatum": p.end_date,
             "themas": [t.name for t in p.themes], "projectleider": p.lead.display_name,
             "vraag": p.question, "resultaat": p.outcome, "link": link("project", p.id)} for p in items]
    return Table("projecten", [("titel", "Titel"), ("gemeente", "Gemeente"), ("organisatie", "Organisatie"),
                               ("status", "Status"), ("fase", "Fase"), ("startdatum", "Startdatum"),
                               ("einddatum", "Einddatum"), ("themas", "Thema's"), ("projectleider", "Projectleider"),
                               ("vraag", "Vraag"), ("resultaat", "Resultaat"), ("link", "Link")],
                 rows, truncated=total > len(items))


def lessons_table(items: list[Lesson], total: int, link: Link, name: str = "lessen") -> Table:
    rows = [{"titel": lesson.title, "soort": lesson.kind.label, "toetsing": lesson.review_state.label,
             "project": lesson.project.title if lesson.project else "", "gemeente": _municipality(lesson.project),
             "themas": [t.name for t in lesson.themes], "auteur": lesson.shown_author, "datum": lesson.created_at,
             "context": lesson.context, "wat_gebeurde": lesson.what_happened, "les": lesson.lesson_learned,
             "advies": lesson.advice, "link": link("lesson", lesson.id)} for lesson in items]
    return Table(name, [("titel", "Titel"), ("soort", "Soort"), ("toetsing", "Toetsing"), ("project", "Project"),
                        ("gemeente", "Gemeente"), ("themas", "Thema's"), ("auteur", "Auteur"), ("datum", "Datum"),
                        ("context", "Context"), ("wat_gebeurde", "Wat gebeurde er"), ("les", "Les"),
                        ("advies", "Advies"), ("link", "Link")], rows, truncated=total > len(items))


def search_table(hits, total: int, link: Callable) -> Table:
    """`link(hit)`: the absolute URL of a hit (themes and networks go by slug)."""
    rows = []
    for hit in hits:
        title = getattr(hit.item, "title", None) or getattr(hit.item, "name", "")
        snippet = Markup(hit.snippet).striptags() if hit.snippet else ""
        rows.append({"soort": hit.kind_label, "titel": title, "fragment": snippet, "link": link(hit)})
    return Table("zoekresultaten", [("soort", "Soort"), ("titel", "Titel"), ("fragment", "Fragment"),
                                    ("link", "Link")], rows, truncated=total > len(hits))


def report_table(project: Project, own: list[Lesson], used: list[Lesson], link: Link) -> Table:
    """The lessons report as a sheet: the project's own lessons, then the earlier lessons it used."""
    table = lessons_table(own + used, 0, link, name="lessenrapport")
    for row, lesson in zip(table.rows, own + used):
        row["herkomst"] = "eigen les" if lesson in own else "gebruikt uit eerder werk"
    table.columns.insert(0, ("herkomst", "Herkomst"))
    return table


__all__ = ["EXPORT_MAX", "lessons_table", "projects_table", "report_table", "search_table"]
