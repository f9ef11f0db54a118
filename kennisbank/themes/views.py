from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..ground.errors import DomainError
from ..models import User
from ..services.access import permissions
from ..services.registry import revisions, themes
from ..web.forms import as_choices
from ..web.helpers import put_on_form, save_edit
from . import bp
from .forms import CONFLICT_FIELDS, NewThemeForm, OwnersForm, ThemeForm


def _theme_or_404(slug: str):
    theme = themes.get_by_slug(slug)
    if theme is None or (theme.is_deleted and not permissions.is_admin(current_user)):
        abort(404)
    return theme


def _owners_form(theme) -> OwnersForm:
    form = OwnersForm()
    active = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    form.owners.choices = as_choices((u.id, f"{u.name} ({u.organisation or u.email})") for u in active)
    if request.method == "GET":
        form.owners.data = [o.id for o in theme.owners]
    return form


@bp.get("/")
def index():
    """All themes with their owners."""
    return render_template("themes/index.html", themes=themes.active_themes(),
                           can_manage=permissions.can_manage_themes(current_user))


@bp.get("/<slug>")
def detail(slug: str):
    """A theme: what we know, owners, projects, lessons (validated first), networks, people."""
    theme = _theme_or_404(slug)
    return _detail_page(theme, _owners_form(theme) if permissions.can_manage_themes(current_user) else None)


def _detail_page(theme, owners_form: OwnersForm | None):
    return render_template("themes/detail.html", theme=theme, revision_log=revisions.history(theme),
                           can_edit=permissions.can_edit_theme(current_user, theme),
                           can_manage=permissions.can_manage_themes(current_user), owners_form=owners_form,
                           **themes.theme_page(theme, current_user))


@bp.route("/<slug>/bewerken", methods=["GET", "POST"])
def edit(slug: str):
    """Edit the description and synthesis (owners); rename (administrators)."""
    theme = _theme_or_404(slug)
    if not permissions.can_edit_theme(current_user, theme):
        abort(403)
    form = ThemeForm(obj=theme) if request.method == "GET" else ThemeForm()
    return save_edit(
        form, lambda: themes.update_theme(theme, description=form.description.data,
                                          synthesis=form.synthesis.data or "", name=form.name.data,
                                          expected_version=form.version.data, by=current_user),
        conflict_fields=CONFLICT_FIELDS, stored=lambda: ThemeForm(formdata=None, obj=theme),
        edit_url=url_for("themes.edit", slug=slug),
        done_url=url_for("themes.detail", slug=slug),
        render=lambda: render_template("themes/form.html", form=form, theme=theme,
                                       can_rename=permissions.can_manage_themes(current_user)))


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    """Create a theme (administrators)."""
    if not permissions.can_manage_themes(current_user):
        abort(403)
    form = NewThemeForm()
    if form.validate_on_submit():
        try:
            theme = themes.create_theme(form.name.data, form.description.data, by=current_user)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("Het thema is aangemaakt. Wijs nu een eigenaar aan.", "success")
            return redirect(url_for("themes.detail", slug=theme.slug))
    return render_template("themes/new.html", form=form), 400 if form.errors else 200


@bp.post("/<slug>/eigenaren")
def owners(slug: str):
    """Assign the theme's owners (administrators)."""
    theme = _theme_or_404(slug)
    if not permissions.can_manage_themes(current_user):
        abort(403)
    form = _owners_form(theme)
    if form.validate_on_submit():
        chosen = db.session.scalars(select(User).where(User.id.in_(form.owners.data or []))).all()
        try:
            themes.set_owners(theme, list(chosen), by=current_user)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("De themaeigenaren zijn bijgewerkt.", "success")
            return redirect(url_for("themes.detail", slug=slug))
    db.session.rollback()
    return _detail_page(theme, form), 400  # the choice comes back with the reason, nothing ticked is lost
