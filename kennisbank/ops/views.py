from flask import Response, current_app, jsonify

from . import bp, health, metrics


@bp.get("/healthz")
def healthz():
    """Alive: the process answers (no database, so a database outage does not restart every pod)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready to serve: database, migrations, and this host's search index. Strangers get status and lag;
    the checks' details (names, errors) only a caller with KENNISBANK_METRICS_TOKEN."""
    app = current_app._get_current_object()
    report = health.readiness(app)
    response = jsonify(report.as_json() if metrics.allowed(app) else report.public_json())
    response.status_code = 200 if report.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def prometheus():
    """Prometheus metrics, for a scraper holding KENNISBANK_METRICS_TOKEN (401 without it)."""
    app = current_app._get_current_object()
    if not metrics.allowed(app):
        return jsonify({"fout": "Geef het metrics-token mee: Authorization: Bearer <KENNISBANK_METRICS_TOKEN>."}), 401
    body, content_type = metrics.scrape(app)
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
