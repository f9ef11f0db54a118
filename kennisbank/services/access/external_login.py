"""Who a login with the organisation's account is: the account linked to the provider's subject, else the
account with the same (not unverified) e-mail address, else a new account made from the claims. A group
claim can make someone beheerder, and takes it away again when the group goes."""
from __future__ import annotations

from ...extensions import db
from ...ground.errors import DomainError
from ...models import User
from . import audit
from .users import EMAIL_PATTERN, find_by_email, normalise_email

# Not a password hash of any method: password login is impossible for an account made by OIDC.
NO_PASSWORD = "!extern"


def _groups(claims: dict, claim: str) -> list[str]:
    """A group claim may come as a list or, from some providers, as one string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return []


def _email(claims: dict) -> str:
    for key in ("email", "preferred_username"):  # Entra ID gives the UPN when no e-mail claim is set up
        value = claims.get(key)
        if isinstance(value, str) and EMAIL_PATTERN.match(normalise_email(value)) and len(value) <= 254:
            return normalise_email(value)
    return ""


def _name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(claims.get(k, "")).strip() for k in ("given_name", "family_name")).strip()
    return (name or email)[:200]


def _refuse(message: str, user: User | None = None):
    raise DomainError(message, {"account": f"user:{user.id}" if user is not None else ""})


def account_for(claims: dict, *, admin_group: str = "", groups_claim: str = "groups") -> User:
    """:raises DomainError: no usable e-mail address, an unverified one, a deactivated account, or an
    account already linked to another identity (the message is for the user, in Dutch)."""
    external_id = f"{claims.get('iss', '')} {claims.get('sub', '')}"[:500]
    user = db.session.query(User).filter(User.external_id == external_id).one_or_none()
    if user is None:
        email = _email(claims)
        if not email:
            _refuse("Uw organisatie geeft geen e-mailadres door, en zonder e-mailadres kan kennisbank u niet "
                    "herkennen. Vraag de beheerder van kennisbank om dit in te stellen.")
        if claims.get("email_verified") is False:
            _refuse("Uw organisatie meldt dat uw e-mailadres niet is bevestigd. Bevestig het daar eerst.")
        user = find_by_email(email)
        if user is not None and user.external_id and user.external_id != external_id:
            _refuse("Dit e-mailadres hoort al bij een ander organisatie-account. Neem contact op met de beheerder.",
                    user)
        if user is None:
            user = User(email=email, name=_name(claims, email), password_hash=NO_PASSWORD,
                        department=str(claims.get("department") or "")[:200], external_id=external_id)
            db.session.add(user)
            db.session.flush()
            audit.record("account_created", user, user, via="oidc")
        else:
            if not user.active:
                _refuse("Uw kennisbank-account is gedeactiveerd. Neem contact op met de beheerder als dat niet "
                        "klopt.", user)
            user.external_id = external_id
            audit.record("account_linked", user, user)
    if not user.active:
        _refuse("Uw kennisbank-account is gedeactiveerd. Neem contact op met de beheerder als dat niet klopt.", user)
    if admin_group:
        should_be_admin = admin_group in _groups(claims, groups_claim)
        if user.is_admin != should_be_admin:
            user.is_admin = should_be_admin
            audit.record("role_changed", None, user, beheerder=should_be_admin, reason=f"groep {admin_group}")
    db.session.flush()
    return user
