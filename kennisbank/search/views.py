from flask import render_template, request
from flask_login import current_user

from ..extensions import db
from ..services import search as search_service
from ..web import page_arg
from . import bp


@bp.get("/zoeken")
def results():
    """One search over everything, with facets."""
    query = request.args.get("q", "")
    filters = {param: request.args.get(param, "") for param in search_service.FACET_PARAMS}
    order = "datum" if request.args.get("volgorde") == "datum" else "relevantie"
    found = search_service.search(current_user, query, facet_filters=filters, page=page_arg(), order=order) \
        if query.strip() else None
    db.session.commit()  # the zero-result log
    return render_template("search/results.html", query=query, found=found, filters=filters, order=order)
