"""Who a login with the organisation's account is. An identity is its issuer and subject (`iss`, `sub`): the
account bound to them, else a new account made from the claims. An existing local account is bound to an
identity by e-mail address only when the provider vouches for the address (`email_verified` true, or the
operator trusts the provider's addresses: KENNISBANK_OIDC_TRUST_EMAIL), never from `preferred_username`,
and never for an account with a password or administrator rights — that one is bound once its owner logs
in with its password (`link_pending`). A group claim can make someone beheerder, and takes it away again
when the group goes. Every binding and every refusal is an audit event naming the identity."""
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


def _address(claims: dict, key: str) -> str:
    value = claims.get(key)
    if isinstance(value, str) and EMAIL_PATTERN.match(normalise_email(value)) and len(value) <= 254:
        return normalise_email(value)
    return ""


def identity(claims: dict) -> str:
    """The provider's identity of a person: issuer and subject, never an address."""
    return f"{claims.get('iss', '')} {claims.get('sub', '')}"[:500]


class LinkNeeded(DomainError):
    """An account with this address exists that may not be bound on the provider's word alone: its owner
    binds it by logging in with its password once (the pending identity is kept for that)."""

    def __init__(self, message: str, user: User, external_id: str):
        super().__init__(message, {"account": f"user:{user.id}"})
        self.user_id, self.external_id = user.id, external_id


def _name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(claims.get(k, "")).strip() for k in ("given_name", "family_name")).strip()
    return (name or email)[:200]


def _refuse(message: str, user: User | None = None):
    raise DomainError(message, {"account": f"user:{user.id}" if user is not None else ""})


LINK_BY_PASSWORD = ("Er is al een kennisbank-account met het e-mailadres {email}. Log één keer in met dat "
                    "e-mailadres en uw wachtwoord om uw organisatie-account eraan te koppelen, of vraag een "
                    "beheerder om hulp. Er is niemand ingelogd.")


def account_for(claims: dict, *, admin_group: str = "", groups_claim: str = "groups",
                trust_email: bool = False) -> User:
    """:raises LinkNeeded: an existing account with this address that its owner must bind with its password.
    :raises DomainError: no usable e-mail address, an unverified one, a deactivated account, or an
    account already bound to another identity (the message is for the user, in Dutch)."""
    external_id = identity(claims)
    user = db.session.query(User).filter(User.external_id == external_id).one_or_none()
    if user is None:
        email = _address(claims, "email")
        # Entra ID gives the UPN when no e-mail claim is set up: good enough to make a new account, never to
        # take over an existing one.
        address = email or _address(claims, "preferred_username")
        if not address:
            _refuse("Uw organisatie geeft geen e-mailadres door, en zonder e-mailadres kan kennisbank u niet "
                    "herkennen. Vraag de beheerder van kennisbank om dit in te stellen.")
        if claims.get("email_verified") is False:
            _refuse("Uw organisatie meldt dat uw e-mailadres niet is bevestigd. Bevestig het daar eerst.")
        user = find_by_email(address)
        if user is not None and user.external_id and user.external_id != external_id:
            _refuse("Dit e-mailadres hoort al bij een ander organisatie-account. Neem contact op met de beheerder.",
                    user)
        if user is None:
            user = User(email=address, name=_name(claims, address), password_hash=NO_PASSWORD,
                        department=str(claims.get("department") or "")[:200], external_id=external_id)
            db.session.add(user)
            db.session.flush()
            audit.record("account_created", user, user, via="oidc", subject=external_id)
        else:
            if not user.active:
                _refuse("Uw kennisbank-account is gedeactiveerd. Neem contact op met de beheerder als dat niet "
                        "klopt.", user)
            vouched = bool(email) and (claims.get("email_verified") is True or trust_email)
            if not vouched or user.has_password or user.is_admin:
                raise LinkNeeded(LINK_BY_PASSWORD.format(email=user.email), user, external_id)
            user.external_id = external_id
            audit.record("account_linked", user, user, via="oidc", subject=external_id)
    if not user.active:
        _refuse("Uw kennisbank-account is gedeactiveerd. Neem contact op met de beheerder als dat niet klopt.", user)
    if admin_group:
        should_be_admin = admin_group in _groups(claims, groups_claim)
        if user.is_admin != should_be_admin:
            user.is_admin = should_be_admin
            audit.record("role_changed", None, user, beheerder=should_be_admin, reason=f"groep {admin_group}")
    db.session.flush()
    return user


def link_pending(user: User, external_id: str) -> bool:
    """Bind the identity that was refused a moment ago to `user`, who has just proved it is theirs with the
    account's password. Returns whether it was bound (an identity bound elsewhere meanwhile is not)."""
    if not external_id or user.external_id:
        return False
    if db.session.query(User).filter(User.external_id == external_id).first() is not None:
        return False
    user.external_id = external_id
    audit.record("account_linked", user, user, via="wachtwoord", subject=external_id)
    db.session.flush()
    return True
