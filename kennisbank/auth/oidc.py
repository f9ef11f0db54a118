"""Logging in with the organisation's account: OpenID Connect (Entra ID, ADFS, Keycloak …) through Authlib.

Authorization code flow with PKCE (S256), state and nonce (Authlib keeps them in the session and drops
them once used, so a replayed callback is refused); the ID token's signature, issuer, audience, expiry
and nonce are checked before anyone is logged in. Who that is, is decided by `services.external_login`.
"""
from __future__ import annotations

import time

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, render_template, session, url_for

from ..extensions import db
from ..ground.errors import DomainError
from ..models import User
from ..services.access import audit, external_login, sessions
from . import bp
from .sign_in import sign_in

CLIENT = "organisatie"
PENDING = "oidc_pending_link"
PENDING_SECONDS = 15 * 60
MAX_ID_TOKEN = 32 * 1024  # Entra ID tokens with many groups are a few kB; far more is not a login


class ProviderRefused(Exception):
    """The login did not pass a check; `reason` goes to the audit log, the user sees a Dutch page."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def enabled() -> bool:
    return bool(current_app.config["OIDC_DISCOVERY_URL"])


def display_name() -> str | None:
    return current_app.config["OIDC_NAME"] if enabled() else None


def init_app(app: Flask) -> None:
    if not app.config["OIDC_DISCOVERY_URL"]:
        return
    # One registry per app (Authlib's is a cache of clients): apps with other providers never share one.
    oauth = app.extensions["kennisbank_oidc"] = OAuth(app)
    oauth.register(
        CLIENT, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"], overwrite=True,
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10})


def _client():
    return current_app.extensions["kennisbank_oidc"].create_client(CLIENT)


def _refusal(message: str, status: int = 400):
    return render_template("auth/oidc_refused.html", message=message, name=display_name(),
                           password_login=current_app.config["PASSWORD_LOGIN"]), status


@bp.get("/inloggen/organisatie")
def oidc_start():
    """Send the browser to the identity provider."""
    if not enabled():
        return _refusal("Inloggen via uw organisatie is hier niet ingesteld.", 404)
    try:
        return _client().authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except Exception as error:  # noqa: BLE001 - discovery unreachable or malformed: the provider is down
        current_app.logger.warning("identity provider unreachable: %s", type(error).__name__)
        return _refusal(f"{display_name()} is nu niet bereikbaar. Probeer het over een paar minuten opnieuw"
                        + ("; inloggen met e-mailadres en wachtwoord kan wel." if
                           current_app.config["PASSWORD_LOGIN"] else "."), 503)


def _claims() -> tuple[dict, str]:
    """The checked ID token claims (plus userinfo where the token lacks the e-mail address) and the raw token."""
    client = _client()
    expected_issuer = current_app.config.get("OIDC_ISSUER") or client.load_server_metadata().get("issuer")
    # Audience and issuer checked by Authlib with the signature: a token made for another application of the
    # same provider (its `aud` not us) never logs anyone in, whatever its `azp` says.
    options = {"iss": {"essential": True, "value": expected_issuer},
               "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]}}
    try:
        token = client.authorize_access_token(claims_options=options)
    except Exception as error:  # noqa: BLE001 - every failure of the exchange or a check is a refusal
        raise ProviderRefused(f"{type(error).__name__}: {str(error)[:200]}") from error
    raw = token.get("id_token") or ""
    claims = token.get("userinfo")
    if not raw or not claims:
        raise ProviderRefused("geen ID-token of geen nonce")
    if len(raw) > MAX_ID_TOKEN:
        raise ProviderRefused(f"ID-token van {len(raw)} bytes")
    claims = dict(claims)
    if not claims.get("email"):
        try:
            extra = client.userinfo(token=token)
        except Exception:  # noqa: BLE001 - no userinfo endpoint, or it failed: decide on the token alone
            extra = {}
        if extra.get("sub") == claims.get("sub"):
            claims.update({k: v for k, v in extra.items() if k not in claims})
    return claims, raw


@bp.get("/inloggen/organisatie/terug")
def oidc_callback():
    """The identity provider sends the browser back here with a code: check everything, then log in."""
    if not enabled():
        return _refusal("Inloggen via uw organisatie is hier niet ingesteld.", 404)
    try:
        claims, raw = _claims()
        user = external_login.account_for(claims, admin_group=current_app.config["OIDC_ADMIN_GROUP"],
                                          groups_claim=current_app.config["OIDC_GROUPS_CLAIM"],
                                          trust_email=current_app.config["OIDC_TRUST_EMAIL"])
    except ProviderRefused as refused:
        db.session.rollback()
        audit.record("oidc_refused", None, "", reason=refused.reason)
        db.session.commit()
        return _refusal("Het inloggen via uw organisatie is niet gelukt: het antwoord van de identiteitsprovider "
                        "klopte niet of was verlopen. Er is niemand ingelogd. Probeer het opnieuw.")
    except external_login.LinkNeeded as needed:
        db.session.rollback()
        # Kept in this browser's session only: the account's own password, typed next, binds it.
        session[PENDING] = {"user": needed.user_id, "identity": needed.external_id,
                            "until": time.time() + PENDING_SECONDS}
        audit.record("oidc_refused", None, needed.field_errors["account"], reason="koppelen met wachtwoord nodig",
                     subject=needed.external_id)
        db.session.commit()
        return _refusal(needed.message, 403)
    except DomainError as error:
        db.session.rollback()
        audit.record("oidc_refused", None, error.field_errors.get("account", ""), reason=error.message,
                     subject=external_login.identity(claims))
        db.session.commit()
        return _refusal(error.message, 403)
    response = sign_in(user, "oidc", id_token=raw if len(raw) <= 8192 else "")
    return response


def link_after_password(user: User) -> None:
    """After a password login: bind the identity this browser was refused for a moment ago, if it was this
    account's (the owner has now proved the account is theirs)."""
    pending = session.pop(PENDING, None)
    if pending and pending.get("user") == user.id and pending.get("until", 0) > time.time():
        external_login.link_pending(user, pending.get("identity", ""))


def logout_url(user: User) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), if it can."""
    row = sessions.current_row()
    if not enabled() or row is None or row.via != "oidc":
        return None
    try:
        result = _client().create_logout_url(post_logout_redirect_uri=url_for("auth.login", _external=True),
                                             id_token_hint=row.id_token or None)
    except Exception:  # noqa: BLE001 - no end_session_endpoint, or the provider is down: log out here only
        return None
    return result["url"]
