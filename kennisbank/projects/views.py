from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground import municipalities
from ..ground.errors import DomainError
from ..models import Project, ProjectStatus
from ..search.searchers import SearchUnavailable
from ..services.access import permissions
from ..services.gates import voortoets
from ..services.registry import attachments, projects, revisions, themes
from ..services.reporting.list_exports import EXPORT_MAX, projects_table
from ..web.forms import as_choices
from ..web.helpers import (delete_or_restore, export_format, get_or_404, int_arg, item_link, page_arg, put_on_form,
                           save_edit, table_download)
from . import bp
from .forms import CONFLICT_FIELDS, ProjectForm


def _form(project: Project | None = None, *, stored: bool = False) -> ProjectForm:
    """The form as submitted, or filled from the project (on GET, or `stored`: as saved now)."""
    from_project = project is not None and (stored or request.method == "GET")
    form = ProjectForm(formdata=None, obj=project) if from_project else ProjectForm()
    form.themes.choices = as_choices((t.id, t.name) for t in themes.active_themes())
    if from_project:
        form.municipality.data = municipalities.by_code(project.municipality_code).display_name \
            if project.municipality_code else ""
        form.themes.data = [t.id for t in project.themes]
        form.team.data = ", ".join(m.email for m in project.team)
        form.tags.data = ", ".join(project.tags)
        form.stage.data = project.stage.value
    return form


def _viewable(project_id: int) -> Project:
    project = get_or_404(Project, project_id)
    if not permissions.can_view_project(current_user, project):
        abort(404)
    return project


@bp.get("/")
def index():
    """Project list with filters and sorting."""
    filters = projects.ProjectFilters(theme=request.args.get("thema", ""), municipality=request.args.get("gemeente", ""),
                                      status=request.args.get("status", ""), stage=request.args.get("fase", ""),
                                      year=int_arg("jaar"), sort=request.args.get("sorteer", "nieuw"))
    fmt = export_format()
    if fmt:  # the whole filtered list as a file
        everything = projects.list_projects(current_user, filters, 1, per_page=EXPORT_MAX)
        return table_download(projects_table(everything.items, everything.total, item_link), fmt)
    page = projects.list_projects(current_user, filters, page_arg())
    return render_template("projects/index.html", page=page, filters=filters, themes=themes.active_themes(),
                           municipalities=projects.municipalities_in_use(), years=projects.years_in_use())


def _similar_for(form: ProjectForm) -> dict:
    """The suggestions panel for what the form holds (also the no-JavaScript 'Zoek vergelijkbaar werk')."""
    text = voortoets.basis_text(form.title.data or "", form.question.data or "", form.goal.data or "",
                                form.approach.data or "")
    return voortoets.similar_panel(text, theme_ids=[t for t in (form.themes.data or []) if isinstance(t, int)],
                                   municipality=form.municipality.data or "", viewer=current_user)


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    """Create a project as concept, with the current user as lead; similar earlier work beside the form."""
    form = _form()
    form.version.data = 0
    if request.method == "POST" and request.form.get("actie") == "vergelijk":
        form.validate()  # fills the data; nothing is saved, and no errors are shown yet
        return render_template("projects/form.html", form=_without_errors(form), project=None,
                               all_municipalities=municipalities.all_municipalities(), **_similar_for(form))
    if form.validate_on_submit():
        try:
            project = projects.create_project(form.to_input(), by=current_user)
            voortoets.refresh_check(project, current_user)
        except DomainError as error:
            put_on_form(form, error)
        except SearchUnavailable:  # the voortoets needs the index: keep everything typed, save nothing
            put_on_form(form, DomainError("Zoeken is even niet beschikbaar, en de voortoets heeft het nodig. Het "
                                          "concept is nog niet opgeslagen; uw invoer staat er nog. Probeer het "
                                          "over een minuut opnieuw."))
        else:
            db.session.commit()
            flash("Het concept is opgeslagen. Kijk nu wat er al eerder is gedaan: geef bij elke suggestie uw "
                  "oordeel en schrijf een korte conclusie.", "success")
            return redirect(url_for("projects.voortoets", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None,
                           all_municipalities=municipalities.all_municipalities(), **_similar_for(form)), \
        400 if form.errors or form.form_errors else 200


def _without_errors(form: ProjectForm) -> ProjectForm:
    for field in form:
        field.errors = []
    return form


@bp.get("/<int:project_id>")
def detail(project_id: int):
    """Project page: question, goal, approach, people, lessons, voortoets, history."""
    return detail_page(_viewable(project_id))


def detail_page(project, typed_reason: str | None = None, reason_error: str = ""):
    """The project page; after a refused start without voortoets, with the reason as typed and why."""
    return render_template("projects/detail.html", project=project, typed_reason=typed_reason,
                           reason_error=reason_error,
                           revision_log=revisions.history(project),
                           files=attachments.of_item("project", project.id),
                           check_items=voortoets.suggestion_items(project.prior_work_check)
                           if project.prior_work_check else [],
                           start_problems=voortoets.start_problems(project)
                           if project.status.value == "concept" else [],
                           can_edit=permissions.can_edit_project(current_user, project),
                           outdated=voortoets.is_outdated(project) and permissions.can_edit_project(current_user,
                                                                                                   project),
                           can_log_lesson=permissions.can_log_lesson_on(current_user, project=project),
                           can_close=project.status == ProjectStatus.STARTED and permissions.can_close_project(
                               current_user, project),
                           can_delete=permissions.can_delete(current_user))


@bp.route("/<int:project_id>/bewerken", methods=["GET", "POST"])
def edit(project_id: int):
    """Edit a project (lead, theme owners, administrators)."""
    project = _viewable(project_id)
    if not permissions.can_edit_project(current_user, project):
        abort(403)
    form = _form(project)
    if request.method == "GET":
        form.version.data = project.version
    return save_edit(
        form, lambda: projects.update_project(project, form.to_input(), expected_version=form.version.data,
                                              by=current_user),
        conflict_fields=CONFLICT_FIELDS, stored=lambda: _form(project, stored=True),
        edit_url=url_for("projects.edit", project_id=project_id),
        done_url=url_for("projects.detail", project_id=project_id),
        render=lambda: render_template("projects/form.html", form=form, project=project,
                                       all_municipalities=municipalities.all_municipalities()))


@bp.post("/<int:project_id>/verwijderen")
def delete(project_id: int):
    """Soft delete (administrators)."""
    return delete_or_restore(get_or_404(Project, project_id), restore=False, what="Het project",
                             back_url=url_for("projects.detail", project_id=project_id))


@bp.post("/<int:project_id>/herstellen")
def restore(project_id: int):
    """Undo a soft delete (administrators)."""
    return delete_or_restore(get_or_404(Project, project_id), restore=True, what="Het project",
                             back_url=url_for("projects.detail", project_id=project_id))
