"""The voortoets screens: suggestions while typing, verdicts, own searches, conclusion, start."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError, GateRefused
from ..models import PriorWorkCheck, Project, Verdict
from ..services.access import permissions
from ..services.gates import voortoets as prior_work
from ..web.helpers import get_or_404, int_arg
from . import bp
from .views import detail_page

VERDICTS = {v.value: v for v in Verdict}


def _project(project_id: int) -> Project:
    project = get_or_404(Project, project_id)
    if not permissions.can_view_project(current_user, project):
        abort(404)
    return project


def _check(project: Project) -> PriorWorkCheck:
    if project.prior_work_check is None:
        abort(404)
    return project.prior_work_check


def _back(project: Project, anchor: str = ""):
    return redirect(url_for("projects.voortoets", project_id=project.id) + anchor)


@bp.get("/vergelijkbaar")
def similar_panel():
    """The suggestions panel for a description being typed (fetched by voortoets.js, debounced)."""
    text = prior_work.basis_text(request.args.get("titel", "")[:200], request.args.get("vraag", "")[:5000],
                                request.args.get("doel", "")[:5000], request.args.get("aanpak", "")[:5000])
    exclude = db.session.get(Project, int_arg("project")) if int_arg("project") else None
    theme_ids = [int(t) for t in request.args.getlist("themas") if t.isdigit()][:20]
    panel = prior_work.similar_panel(text, theme_ids=theme_ids, municipality=request.args.get("gemeente", ""),
                                     viewer=current_user, exclude_project=exclude)
    return render_template("projects/_similar.html", **panel)


@bp.get("/<int:project_id>/voortoets")
def voortoets(project_id: int):
    """The voortoets page: suggestions with verdicts, own searches, conclusion, start."""
    project = _project(project_id)
    check = project.prior_work_check
    is_lead = project.lead_id == current_user.id or permissions.is_admin(current_user)
    if check is None and is_lead and project.status.value == "concept":
        check = prior_work.refresh_check(project, current_user)
        db.session.commit()
    return _page(project, check, is_lead)


def _page(project: Project, check: PriorWorkCheck | None, is_lead: bool, found=None, query: str = "",
          typed_conclusion: str | None = None, conclusion_error: str = "",
          typed_note: tuple[int, str, str] | None = None):
    """`typed_note`: (suggestion id, note as typed, why its verdict was refused)."""
    concept = project.status.value == "concept"
    return render_template("projects/voortoets.html", project=project, check=check, is_lead=is_lead,
                           typed_note=typed_note,
                           typed_conclusion=typed_conclusion, conclusion_error=conclusion_error,
                           items=prior_work.suggestion_items(check) if check else [],
                           searches=prior_work.search_items(check) if check else [],
                           stale=bool(check and concept and prior_work.is_stale(check, project)),
                           problems=prior_work.start_problems(project) if concept else [],
                           can_suggest=permissions.owns_any_theme(current_user, project.themes),
                           found=found, query=query)


@bp.post("/<int:project_id>/voortoets/vernieuwen")
def refresh(project_id: int):
    """Look again: new suggestions for the concept's current text."""
    project = _project(project_id)
    prior_work.refresh_check(project, current_user)
    db.session.commit()
    flash("De suggesties zijn bijgewerkt voor de huidige beschrijving.", "success")
    return _back(project)


@bp.post("/<int:project_id>/voortoets/oordeel/<int:suggestion_id>")
def verdict(project_id: int, suggestion_id: int):
    """One click per suggestion: relevant, niet relevant, contact opnemen (with an optional note)."""
    project = _project(project_id)
    chosen = VERDICTS.get(request.form.get("oordeel", ""))
    note = request.form.get("notitie", "")[:2000]
    problem = "" if chosen else "Kies relevant, niet relevant of contact opnemen."
    if chosen:
        try:
            prior_work.give_verdict(_check(project), suggestion_id, chosen, note, current_user)
        except DomainError as error:
            problem = error.message
    if problem:  # the page again, the note as typed beside the suggestion with the reason
        db.session.rollback()
        is_lead = project.lead_id == current_user.id or permissions.is_admin(current_user)
        return _page(project, project.prior_work_check, is_lead, typed_note=(suggestion_id, note, problem)), 400
    db.session.commit()
    return _back(project, f"#suggestie-{suggestion_id}")


@bp.post("/<int:project_id>/voortoets/zoeken")
def own_search(project_id: int):
    """An own search from the voortoets page (the lead's searches are recorded)."""
    project = _project(project_id)
    check = _check(project)
    query = request.form.get("zoekvraag", "")[:500]
    is_lead = project.lead_id == current_user.id or permissions.is_admin(current_user)
    found = None
    try:
        if is_lead:
            record = prior_work.record_search(check, query, current_user)
            found = prior_work.items_for(record.results)
        elif permissions.owns_any_theme(current_user, project.themes):
            found = prior_work.search_for_owner(check, current_user, query)
        else:
            abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(project)
    db.session.commit()
    return _page(project, check, is_lead, found=found, query=query)


@bp.post("/<int:project_id>/voortoets/toevoegen")
def add(project_id: int):
    """Add a found item: by the lead with a verdict, by a theme owner as "kijk ook naar …"."""
    project = _project(project_id)
    kind, item_id = request.form.get("soort", ""), request.form.get("id", "")
    chosen = VERDICTS.get(request.form.get("oordeel", ""))
    try:
        prior_work.add_suggestion(_check(project), kind, int(item_id) if item_id.isdigit() else 0, current_user,
                                 note=request.form.get("notitie", "")[:2000], verdict=chosen)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(project)
    db.session.commit()
    flash("Toegevoegd aan de voortoets.", "success")
    return _back(project)


@bp.post("/<int:project_id>/voortoets/afronden")
def complete(project_id: int):
    """Finish the voortoets with a conclusion."""
    project = _project(project_id)
    typed = request.form.get("conclusie", "")[:10000]
    try:
        prior_work.complete_check(_check(project), typed, current_user)
    except DomainError as error:
        db.session.rollback()  # refused: the page again, with every reason and the conclusion as typed
        return _page(project, project.prior_work_check, True, typed_conclusion=typed,
                     conclusion_error=error.message), 400
    db.session.commit()
    flash("De voortoets is afgerond. U kunt het project nu starten.", "success")
    return _back(project)


@bp.post("/<int:project_id>/starten")
def start(project_id: int):
    """Start a concept whose voortoets is complete."""
    project = _project(project_id)
    try:
        prior_work.start_project(project, by=current_user)
    except GateRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _back(project)
    db.session.commit()
    flash("Het project is gestart.", "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.post("/<int:project_id>/starten-zonder-voortoets")
def override(project_id: int):
    """An administrator starts a project without voortoets, with a written reason."""
    project = _project(project_id)
    reason = request.form.get("reden", "")[:2000]
    try:
        prior_work.override_start(project, current_user, reason)
    except DomainError as error:
        db.session.rollback()
        return detail_page(project, typed_reason=reason, reason_error=error.message), 400
    db.session.commit()
    flash("Het project is gestart zonder voortoets; de reden staat op de projectpagina.", "info")
    return redirect(url_for("projects.detail", project_id=project.id))
