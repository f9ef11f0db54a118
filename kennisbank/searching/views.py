from flask import render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..services.finding import search as search_service
from ..services.reporting.list_exports import EXPORT_MAX, search_table
from ..web.helpers import export_format, page_arg, table_download
from . import bp


@bp.get("/zoeken")
def results():
    """One search over everything, with facets."""
    query = request.args.get("q", "")
    filters = {param: request.args.get(param, "") for param in search_service.FACET_PARAMS}
    order = "datum" if request.args.get("volgorde") == "datum" else "relevantie"
    fmt = export_format()
    if fmt and query.strip():  # every visible result as a file, not just this page
        found = search_service.search(current_user, query, facet_filters=filters, order=order, log_empty=False,
                                      per_page=EXPORT_MAX)
        return table_download(search_table(found.hits, found.total, lambda hit: url_for(
            hit.url_args[0], _external=True, **hit.url_args[1])), fmt)
    found = search_service.search(current_user, query, facet_filters=filters, page=page_arg(), order=order) \
        if query.strip() else None
    db.session.commit()  # the zero-result log
    return render_template("searching/results.html", query=query, found=found, filters=filters, order=order)
