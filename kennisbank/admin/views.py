from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..ground.errors import DomainError
from ..models import ApiToken, Lesson, Network, Project, User
from ..services.access import api_tokens, audit, users
from ..services.registry import handovers
from ..services.reporting.exports import FORMATS
from ..web.helpers import download, get_or_404, page_arg, put_on_form
from . import bp
from .forms import DepartureForm, TokenForm


@bp.get("/")
def index():
    """Users, themes without an owner, deleted items."""
    deleted = {
        "projects": db.session.scalars(select(Project).where(Project.deleted_at.is_not(None))).all(),
        "lessons": db.session.scalars(select(Lesson).where(Lesson.deleted_at.is_not(None))).all(),
        "networks": db.session.scalars(select(Network).where(Network.deleted_at.is_not(None))).all(),
    }
    return render_template("admin/index.html", users=handovers.all_users(), deleted=deleted,
                           orphan_themes=handovers.themes_without_owner(),
                           demo_users=[u for u in handovers.all_users() if u.is_demo and u.active])


def _audit_filters() -> tuple[audit.AuditFilters, list[str]]:
    """The filters from the query string; a date that is not one is named and left out."""
    notices, dates = [], {}
    for name, label in (("van", "Van"), ("tot", "Tot en met")):
        value = request.args.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(value) if value else None
        except ValueError:
            dates[name] = None
            notices.append(f"'{value[:40]}' bij '{label}' is geen datum (jjjj-mm-dd); dat filter is niet gebruikt.")
    return audit.AuditFilters(event=request.args.get("gebeurtenis", ""), actor=request.args.get("wie", "")[:200],
                              since=dates["van"], until=dates["tot"]), notices


@bp.get("/audit")
def audit_log():
    """Who did what, when, from where: filter by event, person and period."""
    filters, notices = _audit_filters()
    return render_template("admin/audit.html", page=audit.search(filters, page_arg()), filters=filters,
                           notices=notices, events=audit.EVENTS)


@bp.get("/audit.csv")
def audit_export():
    """The filtered audit log as CSV (the export is recorded too)."""
    filters, _ = _audit_filters()
    body = audit.export_csv(filters, current_user)
    db.session.commit()
    return download(body, "text/csv; charset=utf-8", "kennisbank-auditlog.csv")


def _successors(prefix: str, ids: list[int]) -> dict[int, User]:
    chosen = {}
    for ident in ids:
        value = request.form.get(f"{prefix}-{ident}", "")
        if value.isdigit():
            user = db.session.get(User, int(value))
            if user is not None:
                chosen[ident] = user
    return chosen


@bp.route("/gebruikers/<int:user_id>/deactiveren", methods=["GET", "POST"])
def deactivate(user_id: int):
    """Deactivate a user after handing over their open projects and themes, in one screen."""
    user = get_or_404(User, user_id)
    held = handovers.holdings(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            handovers.deactivate_user(
                user, current_user,
                project_successors=_successors("project", [p.id for p in held.open_projects]),
                theme_successors=_successors("theme", [t.id for t in held.themes]))
        except DomainError as error:
            db.session.rollback()
            errors = error.field_errors or {"": error.message}
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{user.name} is gedeactiveerd. Lessen blijven staan, getoond als oud-medewerker.", "success")
            return redirect(url_for("admin.index"))
    return _deactivate_page(user, held, errors, DepartureForm(formdata=None, leaves_on=user.leaves_on),
                            chosen=request.form), 400 if errors else 200


def _deactivate_page(user, held, errors: dict, departure_form: DepartureForm, chosen=None):
    candidates = [u for u in handovers.all_users() if u.active and u.id != user.id]
    return render_template("admin/deactivate.html", person=user, held=held, candidates=candidates, errors=errors,
                           chosen=chosen or {}, departure_form=departure_form)


@bp.post("/gebruikers/<int:user_id>/vertrekdatum")
def departure(user_id: int):
    """Record when a colleague leaves (empty: not leaving); /mijn then lists what they still hold."""
    user = get_or_404(User, user_id)
    form = DepartureForm()
    if not form.validate_on_submit():
        form.leaves_on.errors = ["Vul een geldige datum in (dag-maand-jaar), of laat het veld leeg."]
        return _deactivate_page(user, handovers.holdings(user), {}, form), 400  # the typed date comes back
    try:
        handovers.set_departure(user, current_user, form.leaves_on.data)
    except DomainError as error:
        db.session.rollback()
        put_on_form(form, error)
        return _deactivate_page(user, handovers.holdings(user), {}, form), 400
    else:
        db.session.commit()
        flash(f"Vertrekdatum van {user.name} vastgelegd." if form.leaves_on.data
              else f"Vertrekdatum van {user.name} verwijderd.", "success")
    return redirect(url_for("admin.deactivate", user_id=user_id))


@bp.post("/gebruikers/<int:user_id>/heractiveren")
def reactivate(user_id: int):
    """Give a former colleague their account back."""
    user = get_or_404(User, user_id)
    handovers.reactivate_user(user, current_user)
    db.session.commit()
    flash(f"{user.name} is weer actief.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """API tokens: create (shown once), list, revoke."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        for_user = users.find_by_email(form.email.data)
        try:
            if for_user is None:
                raise DomainError("Onbekend e-mailadres.", {"email": f"Er is geen gebruiker {form.email.data}."})
            _, new_token = api_tokens.create_token(form.name.data, for_user, by=current_user,
                                                   valid_until=form.valid_until.data)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/tokens.html", form=form, tokens=api_tokens.all_tokens(), new_token=new_token,
                           token_valid_until=api_tokens.valid_until, token_expired=api_tokens.is_expired), status


@bp.post("/tokens/<int:token_id>/intrekken")
def revoke_token(token_id: int):
    """Revoke an API token at once."""
    api_tokens.revoke(get_or_404(ApiToken, token_id), by=current_user)
    db.session.commit()
    flash("Het token is ingetrokken.", "success")
    return redirect(url_for("admin.tokens"))



@bp.get("/export.xlsx")
def export_everything():
    """Every project and lesson in the import's format (import it elsewhere, or here again: nothing changes)."""
    from ..services.importing import exporting

    body = exporting.workbook(current_user)
    db.session.commit()
    return download(body, FORMATS["xlsx"], "kennisbank-export.xlsx")


@bp.get("/export.zip")
def export_archive():
    """The whole knowledge base with its attachments, to fill an empty kennisbank (`kb import-archive`)."""
    from ..services.importing import archive

    body = archive.export_zip(current_user)
    db.session.commit()
    return download(body, "application/zip", "kennisbank-archief.zip")
