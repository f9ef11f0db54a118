"""kennisbank: the knowledge broker for Dutch municipalities. `create_app` builds the Flask app."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from .extensions import csrf, db, login_manager, migrate


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: defaults, then KENNISBANK_* environment variables, then `config` (tests).

    `instance_path` (default: instance/ in the checkout) holds the SQLite file, index and secret key.
    """
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True,
                instance_path=instance_path or os.environ.get("KENNISBANK_INSTANCE_DIR") or None)
    configure(app, config or {})
    trust_proxies(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_templating(app)
    register_security_headers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def configure(app: Flask, overrides: dict) -> None:
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.defaults(instance_path))
    app.config.update(config_module.from_environment(os.environ))
    app.config.update(overrides)
    secret_key_given = bool(app.config.get("SECRET_KEY"))
    problems = config_module.number_problems(app.config) + config_module.login_problems(app.config)
    if problems:
        raise config_module.ConfigurationError(f"kennisbank start niet: {problems[0]}")
    if app.config["ENV_NAME"] == "production":
        problems = config_module.production_problems(app.config, secret_key_given)
        if problems:
            raise config_module.ConfigurationError(f"kennisbank start niet (productie): {problems[0]}")
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    from datetime import timedelta

    # The cookie may live as long as the longest session; the database decides whether it still counts.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["SESSION_MAX_DAYS"])
    app.config["MAX_CONTENT_LENGTH"] = app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    from .search import arrays

    arrays.configure(app.config["SEARCH_CACHE_MB"])
    if not secret_key_given:
        app.config["SECRET_KEY"] = config_module.instance_secret_key(instance_path)


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client address, scheme and host from their
    X-Forwarded-* headers (absolute URLs say https://, throttling counts the real client); with 0,
    such headers are ignored, since anyone could send them."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_logging(app: Flask) -> None:
    from .ground import logs
    from .ops import metrics

    logs.init_app(app)  # first: its request id and timing wrap everything after it
    metrics.init_app(app)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers every table on db.metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.REPO_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
    login_manager.login_message_category = "info"
    from .search import sync
    from .services.importing import runner

    sync.init_app(app)
    runner.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .attachments import bp as attachments_bp
    from .auth import bp as auth_bp
    from .core import bp as core_bp
    from .follows import bp as follows_bp
    from .help import bp as help_bp
    from .imports import bp as imports_bp
    from .lessons import bp as lessons_bp
    from .networks import bp as networks_bp
    from .ops import bp as ops_bp
    from .people import bp as people_bp
    from .projects import bp as projects_bp
    from .searching import bp as searching_bp
    from .themes import bp as themes_bp

    for blueprint in (auth_bp, core_bp, help_bp, projects_bp, lessons_bp, themes_bp, networks_bp, people_bp,
                      searching_bp, admin_bp, api_bp, ops_bp, attachments_bp, imports_bp, follows_bp):
        app.register_blueprint(blueprint)
    from .auth import oidc
    from .auth.guard import require_login_everywhere

    oidc.init_app(app)

    app.before_request(require_login_everywhere)


def register_templating(app: Flask) -> None:
    from .web import templating

    templating.init_app(app)


def register_security_headers(app: Flask) -> None:
    from .web.headers import add_security_headers

    app.after_request(add_security_headers)


def register_error_handlers(app: Flask) -> None:
    from .web.error_pages import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from .cli import kb

    app.cli.add_command(kb)
