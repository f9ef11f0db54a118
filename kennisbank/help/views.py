from flask import abort, render_template

from ..services.content import help_pages
from . import bp


@bp.get("/")
def index():
    """List of help pages."""
    return render_template("help/index.html", pages=help_pages.all_pages())


@bp.get("/<slug>")
def page(slug: str):
    """One help page."""
    found = help_pages.get_page(slug)
    if found is None:
        abort(404)
    return render_template("help/page.html", page=found, pages=help_pages.all_pages())
