from flask import current_app, jsonify

from . import bp, health


@bp.get("/healthz")
def healthz():
    """Alive: the process answers (no database, so a database outage does not restart every pod)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready to serve: database, migrations, and this host's search index (lag, indexer errors)."""
    report = health.readiness(current_app._get_current_object())
    response = jsonify(report.as_json())
    response.status_code = 200 if report.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
