"""Configuration: defaults, overridden by KENNISBANK_* environment variables, then by a test mapping.

Every key that can be set from the environment is listed in ENV_KEYS; README.md documents each
(a test checks that).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Environment variable -> config key. DATABASE_URL is honoured too, as hosting platforms set it.
# KENNISBANK_INSTANCE_DIR (where instance/ lives) is read by create_app itself.
ENV_KEYS = {
    "KENNISBANK_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "KENNISBANK_INDEX_DIR": "INDEX_DIR",
    "KENNISBANK_SECRET_KEY": "SECRET_KEY",
    "KENNISBANK_CONTENT_DIR": "CONTENT_DIR",
    "KENNISBANK_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "KENNISBANK_ENV": "ENV_NAME",
    "KENNISBANK_LOG_FORMAT": "LOG_FORMAT",
    "KENNISBANK_METRICS_TOKEN": "METRICS_TOKEN",
    "KENNISBANK_ALLOW_SQLITE": "ALLOW_SQLITE",
    "KENNISBANK_BIND": "SERVER_BIND",
    "KENNISBANK_WORKERS": "SERVER_WORKERS",
    "KENNISBANK_THREADS": "SERVER_THREADS",
    "KENNISBANK_TIMEOUT": "SERVER_TIMEOUT",
    "KENNISBANK_MAX_REQUESTS": "SERVER_MAX_REQUESTS",
    "KENNISBANK_SEARCH_SYNC": "SEARCH_SYNC",
    "KENNISBANK_READY_MAX_LAG": "READY_MAX_LAG",
    "KENNISBANK_SEARCH_LOG_RETENTION_DAYS": "SEARCH_LOG_RETENTION_DAYS",
    "KENNISBANK_INDEX_NAME": "INDEX_NAME",
    "KENNISBANK_BASE_URL": "BASE_URL",
    "KENNISBANK_MAIL_FROM": "MAIL_FROM",
    "KENNISBANK_SMTP_HOST": "SMTP_HOST",
    "KENNISBANK_SMTP_PORT": "SMTP_PORT",
    "KENNISBANK_SMTP_USER": "SMTP_USER",
    "KENNISBANK_SMTP_PASSWORD": "SMTP_PASSWORD",
    "KENNISBANK_AUDIT_RETENTION_DAYS": "AUDIT_RETENTION_DAYS",
    "KENNISBANK_SESSION_IDLE_HOURS": "SESSION_IDLE_HOURS",
    "KENNISBANK_SESSION_MAX_DAYS": "SESSION_MAX_DAYS",
    "KENNISBANK_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "KENNISBANK_IMPORT_MAX_ROWS": "IMPORT_MAX_ROWS",
    "KENNISBANK_IMPORT_BACKGROUND_ROWS": "IMPORT_BACKGROUND_ROWS",
    "KENNISBANK_IMPORT_BACKGROUND_KB": "IMPORT_BACKGROUND_KB",
    "KENNISBANK_IMPORT_KEEP_DAYS": "IMPORT_KEEP_DAYS",
    "KENNISBANK_UPLOAD_MAX_MB": "UPLOAD_MAX_MB",
    "KENNISBANK_UPLOADS_PER_HOUR": "UPLOADS_PER_HOUR",
    "KENNISBANK_ATTACHMENT_READ_SECONDS": "ATTACHMENT_READ_SECONDS",
    "KENNISBANK_SEARCH_CACHE_MB": "SEARCH_CACHE_MB",
    "KENNISBANK_CHAT_URL": "CHAT_URL",
    "KENNISBANK_PASSWORD_LOGIN": "PASSWORD_LOGIN",
    "KENNISBANK_OIDC_DISCOVERY_URL": "OIDC_DISCOVERY_URL",
    "KENNISBANK_OIDC_ISSUER": "OIDC_ISSUER",
    "KENNISBANK_OIDC_CLIENT_ID": "OIDC_CLIENT_ID",
    "KENNISBANK_OIDC_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
    "KENNISBANK_OIDC_NAME": "OIDC_NAME",
    "KENNISBANK_OIDC_SCOPES": "OIDC_SCOPES",
    "KENNISBANK_OIDC_GROUPS_CLAIM": "OIDC_GROUPS_CLAIM",
    "KENNISBANK_OIDC_ADMIN_GROUP": "OIDC_ADMIN_GROUP",
    "KENNISBANK_OIDC_TRUST_EMAIL": "OIDC_TRUST_EMAIL",
    "KENNISBANK_SMTP_STARTTLS": "SMTP_STARTTLS",
    "KENNISBANK_NOTIFY_DAILY_HOUR": "NOTIFY_DAILY_HOUR",
    "KENNISBANK_UNFOLLOW_LINK_DAYS": "UNFOLLOW_LINK_DAYS",
}
BOOLEAN_KEYS = {"SESSION_COOKIE_SECURE", "SMTP_STARTTLS", "ALLOW_SQLITE", "PASSWORD_LOGIN", "OIDC_TRUST_EMAIL"}
# Whole numbers, with the smallest (and where it matters the largest) value that makes sense; anything else
# stops the start with a Dutch line.
NUMBER_KEYS = {"AUDIT_RETENTION_DAYS": ("KENNISBANK_AUDIT_RETENTION_DAYS", 1),
               "SESSION_IDLE_HOURS": ("KENNISBANK_SESSION_IDLE_HOURS", 1),
               "SESSION_MAX_DAYS": ("KENNISBANK_SESSION_MAX_DAYS", 1),
               "TRUSTED_PROXIES": ("KENNISBANK_TRUSTED_PROXIES", 0),
               "IMPORT_MAX_ROWS": ("KENNISBANK_IMPORT_MAX_ROWS", 1),
               "IMPORT_BACKGROUND_ROWS": ("KENNISBANK_IMPORT_BACKGROUND_ROWS", 0),
               "IMPORT_BACKGROUND_KB": ("KENNISBANK_IMPORT_BACKGROUND_KB", 0),
               "IMPORT_KEEP_DAYS": ("KENNISBANK_IMPORT_KEEP_DAYS", 1),
               "UPLOAD_MAX_MB": ("KENNISBANK_UPLOAD_MAX_MB", 1),
               "UPLOADS_PER_HOUR": ("KENNISBANK_UPLOADS_PER_HOUR", 1),
               "ATTACHMENT_READ_SECONDS": ("KENNISBANK_ATTACHMENT_READ_SECONDS", 1),
               "SEARCH_CACHE_MB": ("KENNISBANK_SEARCH_CACHE_MB", 16),
               "NOTIFY_DAILY_HOUR": ("KENNISBANK_NOTIFY_DAILY_HOUR", 0, 23),
               "UNFOLLOW_LINK_DAYS": ("KENNISBANK_UNFOLLOW_LINK_DAYS", 1)}
MIN_SECRET_KEY = 32


class ConfigurationError(SystemExit):
    """The app refuses to start; the message says in one line what is missing (printed, exit code 1)."""


def defaults(instance_path: Path) -> dict:
    return {
        # "production" turns on the checks in `production_problems`, secure cookies and HSTS.
        "ENV_NAME": "development",
        # "text" for people (make run), "json" for log collectors (`kb serve` picks it unless set).
        "LOG_FORMAT": "text",
        # /metrics answers only a scraper that sends this token; empty: nobody.
        "METRICS_TOKEN": "",
        "ALLOW_SQLITE": False,
        # `kb serve` (gunicorn): the web server's address and sizes.
        "SERVER_BIND": "0.0.0.0:8000",
        "SERVER_WORKERS": 2 * (os.cpu_count() or 1) + 1,
        "SERVER_THREADS": 1,
        "SERVER_TIMEOUT": 30,
        "SERVER_MAX_REQUESTS": 1000,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'kennisbank.sqlite'}",
        "INDEX_DIR": str(instance_path / "index"),
        "CONTENT_DIR": str(REPO_ROOT / "content"),
        # A connection the database dropped (restart, failover) is noticed and replaced before use.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: long forms must not expire
        "PASSWORD_HASH_METHOD": "scrypt",
        "WTF_I18N_ENABLED": False,  # use WTForms' own Dutch messages (BaseForm.Meta.locales)
        # The largest upload (an import file); other form fields stay small (Flask's MAX_FORM_MEMORY_SIZE).
        "UPLOAD_MAX_MB": 25,
        # Attachments one person may add in an hour (counted in the database: the same on every host).
        "UPLOADS_PER_HOUR": 60,
        # Reading one attachment's text: at most this many seconds, of the clock and of the processor.
        "ATTACHMENT_READ_SECONDS": 60,
        # Decoded search postings kept per process (search/arrays.py); least recently used go first.
        "SEARCH_CACHE_MB": 256,
        # "background": a thread in each app process applies the search change log after each commit and
        # once a second; "worker": app processes never write the index, `kb index-worker` does (one per
        # host); "manual": only explicit catch-ups (the tests).
        "SEARCH_SYNC": "background",
        # The change log is pruned by age; a host whose index is further behind rebuilds it.
        "SEARCH_LOG_RETENTION_DAYS": 30,
        # This index in the table of replicas; default: host name and index directory.
        "INDEX_NAME": "",
        # /readyz answers 503 while this host's index is further behind than this many changes.
        "READY_MAX_LAG": 1000,
        # Links in e-mails point here.
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_FROM": "kennisbank <kennisbank@localhost>",
        # Without an SMTP host, e-mails are written to instance/outbox/ as .eml files (development).
        "SMTP_HOST": "",
        "SMTP_PORT": 25,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_STARTTLS": False,
        # Who follows items with "dagelijks" gets one bundle a day, from this hour (Dutch time) on.
        "NOTIFY_DAILY_HOUR": 7,
        # The "niet meer volgen" link in a notification works this many days without logging in.
        "UNFOLLOW_LINK_DAYS": 60,
        # The audit log keeps an event this many days (`kb audit-prune` removes older ones).
        "AUDIT_RETENTION_DAYS": 730,
        # A login ends after this long without a request, and in any case after SESSION_MAX_DAYS.
        "SESSION_IDLE_HOURS": 8,
        "SESSION_MAX_DAYS": 7,
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none of them).
        "TRUSTED_PROXIES": 0,
        # A link to chat with a colleague, {email} filled in (Teams: https://teams.microsoft.com/l/chat/0/0?users={email}).
        "CHAT_URL": "",
        # An import file with more rows is refused (split it): one request checks and writes them all.
        "IMPORT_MAX_ROWS": 20000,
        # A larger import runs in the background (any web process picks it up), with a progress bar.
        "IMPORT_BACKGROUND_ROWS": 500,
        # A larger upload is checked in the background too, so no request waits for a big file to be read.
        "IMPORT_BACKGROUND_KB": 256,
        # An uploaded file is removed once its import is carried out, and after this many days when it never is.
        "IMPORT_KEEP_DAYS": 14,
        # Each web process runs large imports in a thread (off in the tests, which run them explicitly).
        "IMPORT_RUNNER": True,
        # Log in with e-mail and password (the default for `make run`); false when only OIDC may be used.
        "PASSWORD_LOGIN": True,
        # OpenID Connect with the organisation's identity provider (off while the discovery URL is empty).
        "OIDC_DISCOVERY_URL": "",
        "OIDC_ISSUER": "",  # empty: the issuer the discovery document names
        "OIDC_CLIENT_ID": "",
        "OIDC_CLIENT_SECRET": "",
        "OIDC_NAME": "uw organisatie",
        "OIDC_SCOPES": "openid email profile",
        "OIDC_GROUPS_CLAIM": "groups",
        "OIDC_ADMIN_GROUP": "",
        # Link an existing passwordless account by an address the provider does not say it verified (Entra ID
        # never says): only where the operator knows the provider's addresses are the organisation's own.
        "OIDC_TRUST_EMAIL": False,
    }


def from_environment(environ: os._Environ | dict) -> dict:
    found = {}
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    for env_name, key in ENV_KEYS.items():
        value = environ.get(env_name)
        if value:
            found[key] = value.lower() in {"1", "true", "ja", "yes"} if key in BOOLEAN_KEYS else value
    if "SQLALCHEMY_DATABASE_URI" in found:
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(found["SQLALCHEMY_DATABASE_URI"])
    return found


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// or postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: Path) -> str:
    """Read the secret key kept in instance/, creating a random one on first use (never hard-coded)."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def number_problems(config: dict) -> list[str]:
    """Converts the whole-number settings in place; what cannot be converted, in Dutch."""
    problems = []
    for key, (env_name, smallest, *largest) in NUMBER_KEYS.items():
        try:
            value = int(str(config[key]).strip())
        except ValueError:
            value = None
        if largest and (value is None or not smallest <= value <= largest[0]):
            problems.append(f"{env_name} moet een heel getal van {smallest} tot en met {largest[0]} zijn, "
                            f"niet '{config[key]}'.")
        elif value is None or value < smallest:
            problems.append(f"{env_name} moet een heel getal van minstens {smallest} zijn, niet '{config[key]}'.")
        else:
            config[key] = value
    return problems


def login_problems(config: dict) -> list[str]:
    """A way in must exist, and an identity provider needs its client."""
    problems = []
    if config["OIDC_DISCOVERY_URL"] and not config["OIDC_CLIENT_ID"]:
        problems.append("KENNISBANK_OIDC_CLIENT_ID ontbreekt bij KENNISBANK_OIDC_DISCOVERY_URL.")
    if not config["PASSWORD_LOGIN"] and not config["OIDC_DISCOVERY_URL"]:
        problems.append("KENNISBANK_PASSWORD_LOGIN staat uit en er is geen KENNISBANK_OIDC_DISCOVERY_URL: "
                        "dan kan niemand inloggen.")
    return problems


def production_problems(config: dict, secret_key_given: bool) -> list[str]:
    """What stops a production start, in Dutch, most important first."""
    problems = []
    if not secret_key_given:
        problems.append("KENNISBANK_SECRET_KEY ontbreekt: geef in productie een eigen geheime sleutel mee "
                        f"(minstens {MIN_SECRET_KEY} tekens).")
    elif len(str(config.get("SECRET_KEY", ""))) < MIN_SECRET_KEY:
        problems.append(f"KENNISBANK_SECRET_KEY is te kort: gebruik minstens {MIN_SECRET_KEY} tekens.")
    if config.get("DEBUG"):
        problems.append("Debug staat aan (FLASK_DEBUG): zet het uit in productie.")
    return problems
