from flask import render_template

from ..services import overview
from . import bp


@bp.get("/")
def home():
    """Start page: search box, recent projects and lessons, the themes."""
    return render_template("core/home.html", **overview.start_page())
