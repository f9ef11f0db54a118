from flask import render_template
from flask_login import current_user

from ..services import dashboard, overview
from . import bp


@bp.get("/")
def home():
    """Start page: search box, recent projects and lessons, the themes."""
    return render_template("core/home.html", **overview.start_page())


@bp.get("/mijn")
def mine():
    """My projects and what each still needs; for theme owners, new voortoetsen in their themes."""
    return render_template("core/mine.html", projects=dashboard.my_projects(current_user),
                           checks=dashboard.completed_checks_in_my_themes(current_user))
