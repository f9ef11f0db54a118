"""HTTP error pages, and the mapping of domain errors that escape a view."""
from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError

from ..extensions import db, login_manager
from ..ground.errors import NotAllowed
from ..ground.logs import route, security_event
from ..search.searchers import SearchUnavailable

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Probeer het opnieuw vanaf de vorige pagina."),
    403: ("Geen toegang", "U heeft geen rechten om dit te doen."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer). Zoek via het zoekvak of ga naar de startpagina."),
    405: ("Niet toegestaan", "Deze actie kan zo niet worden uitgevoerd."),
    413: ("Te groot", "Wat u verstuurde is te groot."),
    503: ("Zoeken is even niet beschikbaar", SearchUnavailable.message),
    "database": ("Even niet bereikbaar", "De database is even niet bereikbaar. Probeer het over een minuut opnieuw; "
                                         "wat u net verstuurde, is niet opgeslagen."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Er is niets opgeslagen; probeer het later opnieuw."),
}


def render_error(status: int, message: str | None = None):
    title, default_message = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", title=title, message=message or default_message), status


def init_app(app: Flask) -> None:
    for status in (status for status in MESSAGES if isinstance(status, int) and status not in (403, 413)):
        app.register_error_handler(status, lambda error, status=status: render_error(status))

    @app.errorhandler(413)
    def too_large(error):
        return render_error(413, f"Wat u verstuurde is groter dan {app.config['UPLOAD_MAX_MB']} MB "
                                 "(KENNISBANK_UPLOAD_MAX_MB). Er is niets opgeslagen; splits het bestand.")

    @app.errorhandler(403)
    def forbidden(error):
        security_event("forbidden", route=route())
        return render_error(403)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        security_event("csrf_refused", route=route())
        return render_error(400, "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het "
                                 "nog eens; uw invoer is niet opgeslagen.")

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        security_event("forbidden", route=route())
        return render_error(403, error.message)

    @app.errorhandler(SearchUnavailable)
    def search_unavailable(error: SearchUnavailable):
        """The index failed twice in a row (another process was rebuilding it): a moment later it works."""
        db.session.rollback()
        if request.path.startswith("/api/"):
            response = make_response(jsonify({"fout": MESSAGES[503][1]}), 503)
        else:
            response = make_response(render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database went away (restart, failover, network): a Dutch 503, never a stack trace. The
        pool checks connections before use, so the next request after it is back simply works."""
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the session is discarded anyway
            pass
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is logged in
        title, message = MESSAGES["database"]
        if request.path.startswith("/api/"):
            response = make_response(jsonify({"fout": message}), 503)
        else:
            response = make_response(render_template("errors/error.html", title=title, message=message), 503)
        response.headers["Retry-After"] = "30"
        return response
