from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Lesson, Network, Project, User
from ..services import accounts
from ..services.errors import DomainError
from ..web import get_or_404
from . import bp


@bp.get("/")
def index():
    """Users, themes without an owner, deleted items."""
    deleted = {
        "projects": db.session.scalars(select(Project).where(Project.deleted_at.is_not(None))).all(),
        "lessons": db.session.scalars(select(Lesson).where(Lesson.deleted_at.is_not(None))).all(),
        "networks": db.session.scalars(select(Network).where(Network.deleted_at.is_not(None))).all(),
    }
    return render_template("admin/index.html", users=accounts.all_users(), deleted=deleted,
                           orphan_themes=accounts.themes_without_owner())


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
    held = accounts.holdings(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            accounts.deactivate_user(
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
    candidates = [u for u in accounts.all_users() if u.active and u.id != user.id]
    return render_template("admin/deactivate.html", person=user, held=held, candidates=candidates, errors=errors,
                           chosen=request.form), 400 if errors else 200


@bp.post("/gebruikers/<int:user_id>/heractiveren")
def reactivate(user_id: int):
    """Give a former colleague their account back."""
    user = get_or_404(User, user_id)
    accounts.reactivate_user(user, current_user)
    db.session.commit()
    flash(f"{user.name} is weer actief.", "success")
    return redirect(url_for("admin.index"))
