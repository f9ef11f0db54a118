from flask import g, jsonify, request, url_for
from flask_login import current_user

from ..extensions import csrf, db
from ..ground.logs import security_event
from ..services.access import api_tokens
from ..services.finding import search as search_service
from ..web.helpers import page_arg
from . import bp

csrf.exempt(bp)  # read-only GET endpoints; token callers have no CSRF cookie


@bp.before_request
def authenticate():
    """A session, or 'Authorization: Bearer <token>'. Anything else: 401 in JSON."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = api_tokens.user_for_token(header[7:].strip())
        db.session.commit()  # last_used_at
        if user is None:
            security_event("token_refused")
            return _error(401, "Het API-token is ongeldig of ingetrokken.")
        g.api_user = user  # first use per day is in the audit log (services.api_tokens)
    elif current_user.is_authenticated:
        g.api_user = current_user
    else:
        return _error(401, "Log in of gebruik een API-token (Authorization: Bearer ...).")
    return None


def _error(status: int, message: str):
    response = jsonify({"fout": message})
    response.status_code = status
    return response


@bp.get("/zoeken")
def search():
    """Search results as JSON: hits with type, id, title, url, snippet, score; total; facets."""
    query = request.args.get("q", "")
    if not query.strip():
        return _error(400, "Geef een zoekvraag mee: /api/v1/zoeken?q=...")
    filters = {param: request.args.get(param, "") for param in search_service.FACET_PARAMS}
    found = search_service.search(g.api_user, query, facet_filters=filters, page=page_arg(),
                                  order="datum" if request.args.get("volgorde") == "datum" else "relevantie",
                                  source="api")
    db.session.commit()
    return jsonify({
        "query": query, "total": found.total, "page": found.page, "pages": found.pages,
        "notices": found.notices, "suggestion": found.suggestion,
        "expanded": found.expanded, "partial": found.partial, "with_all_words": found.with_all_words,
        "split_as": found.split_as, "narrower": found.narrower, "broader": found.broader,
        "hits": [{"type": hit.kind, "id": hit.item.id, "title": _title(hit.item),
                  "url": url_for(hit.url_args[0], _external=True, **hit.url_args[1]),
                  "snippet": str(hit.snippet), "score": round(hit.score, 4)} for hit in found.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                   for name, values in found.facets.items()},
    })


def _title(item) -> str:
    return getattr(item, "title", None) or getattr(item, "name", "")
