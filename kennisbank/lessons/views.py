from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..models import Lesson, Network, Project
from ..services.access import permissions
from ..services.registry import attachments, lessons, projects, revisions, themes
from ..services.reporting.list_exports import EXPORT_MAX, lessons_table
from ..web.forms import ReviewForm, as_choices
from ..web.helpers import (delete_or_restore, export_format, get_or_404, int_arg, item_link, page_arg, put_on_form,
                           safe_next, save_edit, table_download)
from . import bp
from .forms import CONFLICT_FIELDS, LessonForm


def _viewable(lesson_id: int) -> Lesson:
    lesson = get_or_404(Lesson, lesson_id)
    if not permissions.can_view_lesson(current_user, lesson):
        abort(404)
    return lesson


def _form(lesson: Lesson | None = None, *, stored: bool = False) -> LessonForm:
    """The form as submitted, or filled from the lesson (on GET, or `stored`: as saved now)."""
    from_lesson = lesson is not None and (stored or request.method == "GET")
    form = LessonForm(formdata=None, obj=lesson) if from_lesson else LessonForm()
    form.themes.choices = as_choices((t.id, t.name) for t in themes.active_themes())
    if from_lesson:
        form.themes.data = [t.id for t in lesson.themes]
        form.tags.data = ", ".join(lesson.tags)
        form.kind.data = lesson.kind.value
        form.version.data = lesson.version
    return form


def _source() -> tuple[Project | None, Network | None]:
    project_id, network_id = int_arg("project"), int_arg("netwerk")
    project = get_or_404(Project, project_id) if project_id else None
    network = get_or_404(Network, network_id) if network_id else None
    return project, network


@bp.get("/")
def index():
    """Lesson list; failures are shown, never hidden by default."""
    filters = lessons.LessonFilters(kind=request.args.get("soort", ""), theme=request.args.get("thema", ""),
                                    state=request.args.get("toetsing", ""),
                                    municipality=request.args.get("gemeente", ""), year=int_arg("jaar"))
    fmt = export_format()
    if fmt:  # the whole filtered list as a file
        everything = lessons.list_lessons(current_user, filters, 1, per_page=EXPORT_MAX)
        return table_download(lessons_table(everything.items, everything.total, item_link), fmt)
    page = lessons.list_lessons(current_user, filters, page_arg())
    return render_template("lessons/index.html", page=page, filters=filters, themes=themes.active_themes(),
                           municipalities=projects.municipalities_in_use(), years=lessons.years_in_use())


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    """Log a lesson (optionally on a project or from a network)."""
    project, network = _source()
    if not permissions.can_log_lesson_on(current_user, project=project, network=network):
        abort(403)
    form = _form()
    if request.method == "GET":
        form.version.data = 0
        form.context.data = project.question if project else ""
    if form.validate_on_submit():
        try:
            lesson = lessons.create_lesson(form.to_input(), current_user, project=project, network=network)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("De les is vastgelegd. De themaeigenaren zien haar om te toetsen.", "success")
            return redirect(url_for("lessons.detail", lesson_id=lesson.id))
    return render_template("lessons/form.html", form=form, lesson=None, project=project,
                           network=network), 400 if form.errors or form.form_errors else 200


@bp.get("/<int:lesson_id>")
def detail(lesson_id: int):
    """Lesson page with its uses and history."""
    lesson = _viewable(lesson_id)
    lessons.note_viewed(lesson)
    db.session.commit()
    return _detail_page(lesson, ReviewForm())


def _detail_page(lesson, review_form: ReviewForm):
    return render_template("lessons/detail.html", lesson=lesson, revision_log=revisions.history(lesson),
                           uses=lessons.visible_uses(lesson, current_user), review_form=review_form,
                           files=attachments.of_item("lesson", lesson.id),
                           unnamed_author=None if permissions.can_see_author(current_user, lesson)
                           else lesson.author_id,
                           can_edit=permissions.can_edit_lesson(current_user, lesson),
                           can_review=permissions.can_review_lesson(current_user, lesson),
                           can_delete=permissions.can_delete(current_user))


@bp.route("/<int:lesson_id>/bewerken", methods=["GET", "POST"])
def edit(lesson_id: int):
    """Edit a lesson (author, theme owners, administrators)."""
    lesson = _viewable(lesson_id)
    if not permissions.can_edit_lesson(current_user, lesson):
        abort(403)
    form = _form(lesson)
    return save_edit(
        form, lambda: lessons.update_lesson(lesson, form.to_input(), expected_version=form.version.data,
                                            by=current_user),
        conflict_fields=CONFLICT_FIELDS, stored=lambda: _form(lesson, stored=True),
        edit_url=url_for("lessons.edit", lesson_id=lesson_id),
        done_url=url_for("lessons.detail", lesson_id=lesson_id),
        render=lambda: render_template("lessons/form.html", form=form, lesson=lesson, project=lesson.project,
                                       network=lesson.network))


@bp.post("/<int:lesson_id>/toetsen")
def review(lesson_id: int):
    """Approve a lesson, or send it back to its author with a remark."""
    lesson = _viewable(lesson_id)
    form = ReviewForm()
    approve = request.form.get("besluit") == "goedkeuren"
    back = safe_next(request.form.get("terug"), url_for("lessons.detail", lesson_id=lesson_id))
    if form.validate_on_submit():
        try:
            lessons.review_lesson(lesson, current_user, approve=approve, remark=form.remark.data or "")
        except DomainError as error:  # back where the owner was (the dashboard), with the reason
            flash(error.message, "error")
            return redirect(back)
        db.session.commit()
        flash("De les is getoetst." if approve else "De les is teruggestuurd naar de auteur.", "success")
        return redirect(back)
    # Refused by the form (a remark that is too long): the lesson page, with the remark as typed.
    return _detail_page(lesson, form), 400


@bp.post("/<int:lesson_id>/archiveren")
def archive(lesson_id: int):
    """Archive an outdated lesson, or bring it back."""
    lesson = _viewable(lesson_id)
    lessons.set_archived(lesson, current_user, archived=request.form.get("archief") != "uit")
    db.session.commit()
    flash("De status van de les is aangepast.", "success")
    return redirect(safe_next(request.form.get("terug"), url_for("lessons.detail", lesson_id=lesson_id)))


@bp.post("/<int:lesson_id>/verwijderen")
def delete(lesson_id: int):
    """Soft delete (administrators)."""
    return delete_or_restore(get_or_404(Lesson, lesson_id), restore=False, what="De les",
                             back_url=url_for("lessons.detail", lesson_id=lesson_id))


@bp.post("/<int:lesson_id>/herstellen")
def restore(lesson_id: int):
    """Undo a soft delete (administrators)."""
    return delete_or_restore(get_or_404(Lesson, lesson_id), restore=True, what="De les",
                             back_url=url_for("lessons.detail", lesson_id=lesson_id))
