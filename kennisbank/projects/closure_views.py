"""The closure screen (afsluiten) and the project's printable lessons report."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground import municipalities
from ..ground.errors import DomainError
from ..models import Project
from ..services.access import permissions
from ..services.gates import closure, voortoets
from ..services.registry.editing import EditConflict
from ..services.reporting.list_exports import report_table
from ..web.forms import as_choices
from ..web.helpers import get_or_404, item_link, table_download
from . import bp
from .forms import CLOSURE_ERROR_FIELDS, ClosureForm


def _closable(project_id: int) -> Project:
    project = get_or_404(Project, project_id)
    if not permissions.can_view_project(current_user, project):
        abort(404)
    if not permissions.can_close_project(current_user, project):
        abort(403)
    return project


def _form(project: Project) -> ClosureForm:
    form = ClosureForm()
    own = closure.project_lessons(project)
    form.stop_lesson.choices = _stop_choices(own)
    form.used_lessons.choices = as_choices((lesson.id, lesson.title)
                                           for lesson in closure.candidate_earlier_lessons(project))
    if request.method == "GET":
        form.outcome.data = project.outcome
        form.stage.data = project.stage.value
        form.closure_note.data = project.closure_note
        form.used_lessons.data = closure.preselected_lessons(project)
        form.stop_lesson.data = next((lesson.id for lesson in own if lesson.explains_stop), None)
        form.lesson_context.data = _context_of(project)
        form.version.data = project.version
    return form


def _stop_choices(own):
    return as_choices((lesson.id, f"{lesson.title} ({lesson.kind.label.lower()})") for lesson in own)


def _context_of(project: Project) -> str:
    """The quick lesson's context, prefilled so that the lead only corrects it."""
    where = project.organisation or ""
    if project.municipality_code:
        found = municipalities.by_code(project.municipality_code)
        where = found.name if found else where
    return f"{project.title}{f' ({where})' if where else ''}: {project.question}"[:5000]


def _show_errors(form: ClosureForm, error: DomainError) -> None:
    """Put reasons next to their fields without rolling back (a quick lesson saved in the same request
    stays saved: bad input loses nothing)."""
    for name, message in error.field_errors.items():
        target = getattr(form, CLOSURE_ERROR_FIELDS.get(name, name), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            form.form_errors.append(message)
    if not error.field_errors:
        form.form_errors.append(error.message)


def _render(project: Project, form: ClosureForm, status: int = 200):
    return render_template("projects/close.html", project=project, form=form,
                           needs=closure.closure_needs(project)), status


@bp.route("/<int:project_id>/afsluiten", methods=["GET", "POST"])
def close(project_id: int):
    """Close (afgesloten) or stop (gestopt) a started project, with its lessons."""
    project = _closable(project_id)
    if project.status in closure.ENDINGS:
        flash(f"Dit project is al {project.status.label.lower()}.", "success")
        return redirect(url_for("projects.report", project_id=project.id))
    form = _form(project)
    if request.method == "GET" or not form.validate_on_submit():
        return _render(project, form, 200 if request.method == "GET" else 400)
    added = None
    if form.has_new_lesson():
        try:
            added = closure.log_closing_lesson(project, form.lesson_input(), current_user,
                                               explains_stop=bool(form.lesson_explains_stop.data))
        except DomainError as error:
            db.session.rollback()
            _show_errors(form, error)
            others = (closure.problems_besides_quick_lesson(project, form.to_input(), form.lesson_input().kind)
                      if request.form.get("actie") != "les" else {})
            if others:  # closing: name every other rule that blocks too
                _show_errors(form, DomainError("", others))
            return _render(project, form, 400)
    if request.form.get("actie") == "les":
        db.session.commit()
        flash("De les is toegevoegd aan het project." if added else "Vul eerst de les in.",
              "success" if added else "error")
        return _rendered_after_lesson(project, form, added)
    try:
        closure.close_project(project, form.to_input(), by=current_user, expected_version=form.version.data)
    except EditConflict:
        db.session.rollback()
        form = _form(project)
        form.form_errors.append("Iemand anders heeft het project intussen gewijzigd. Controleer de gegevens en "
                                "verstuur opnieuw.")
        form.version.data = project.version
        return _render(project, form, 409)
    except DomainError as error:
        db.session.commit()  # keeps the quick lesson, if any; the gate changed nothing
        if added:
            flash("De les is opgeslagen.", "success")
        _show_errors(form, error)
        return _rendered_after_lesson(project, form, added, status=400)
    db.session.commit()
    flash(f"Het project is {project.status.label.lower()}. Hieronder staat het lessenrapport.", "success")
    return redirect(url_for("projects.report", project_id=project.id))


def _rendered_after_lesson(project: Project, form: ClosureForm, added, status: int = 200):
    """Show the screen again with what the lead typed, the new lesson in the lists and its form empty."""
    if added is not None:
        form.clear_new_lesson()
        form.stop_lesson.choices = _stop_choices(closure.project_lessons(project))
        if added.explains_stop:
            form.stop_lesson.data = added.id
    return _render(project, form, status)


@bp.get("/<int:project_id>/lessenrapport.xlsx")
def report_sheet(project_id: int):
    """The lessons report as a spreadsheet (the same lessons the printable report shows)."""
    project = get_or_404(Project, project_id)
    if not permissions.can_view_project(current_user, project):
        abort(404)
    used = [use.lesson for use in project.lesson_uses if permissions.can_view_lesson(current_user, use.lesson)]
    table = report_table(project, closure.project_lessons(project), used, item_link)
    return table_download(table, "xlsx")


@bp.get("/<int:project_id>/lessenrapport")
def report(project_id: int):
    """The lessons report: summary, voortoets, lessons, lessons used. Printable."""
    project = get_or_404(Project, project_id)
    if not permissions.can_view_project(current_user, project):
        abort(404)
    check = project.prior_work_check
    return render_template("projects/report.html", project=project,
                           own_lessons=closure.project_lessons(project),
                           check_items=voortoets.suggestion_items(check) if check else [],
                           used=[use for use in project.lesson_uses if permissions.can_view_lesson(current_user,
                                                                                                    use.lesson)],
                           closed_by=closure.closed_by(project), is_final=project.status in closure.ENDINGS)
