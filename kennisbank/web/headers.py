"""Security headers on every response. No inline scripts or styles: the CSP forbids them."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app, g

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _policy() -> str:
    """Logging out also at the identity provider is a redirect after a form: form-action must allow it."""
    discovery = current_app.config["OIDC_DISCOVERY_URL"]
    if not discovery:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(discovery)
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV_NAME"] == "production":  # served over HTTPS only: browsers must remember that
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    user = g.get("_login_user")  # only when this request already knows who it is (never a query here)
    if user is not None and user.is_authenticated:
        # Pages behind login hold what only this user may see: no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response
