"""Accounts: creating users and checking passwords."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...ground.errors import DomainError
from ...models import User

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# Checked against when the e-mail is unknown, so a failed login costs the same work (the configured
# method, the same hash) whether the account exists or not: timing tells nothing.
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, name: str, password: str, *, department: str = "", organisation: str = "",
                is_admin: bool = False) -> User:
    """Create an active account.

    :raises DomainError: invalid or taken e-mail address, missing name, too short a password.
    """
    email = normalise_email(email)
    problems: dict[str, str] = {}
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        problems["email"] = "Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl."
    elif find_by_email(email) is not None:
        problems["email"] = f"Er bestaat al een account met het e-mailadres {email}."
    if not (name or "").strip():
        problems["name"] = "Vul een naam in."
    elif len(name.strip()) > 200:
        problems["name"] = "Een naam mag hoogstens 200 tekens lang zijn."
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems["password"] = f"Een wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn."
    if problems:
        raise DomainError(" ".join(problems.values()), problems)
    user = User(email=email, name=name.strip(), department=department.strip(), organisation=organisation.strip(),
                password_hash=hash_password(password), is_admin=is_admin, active=True)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None — never saying which of the two was wrong."""
    user = find_by_email(email)
    if user is None or not user.has_password:
        check_password_hash(_dummy_hash(), password or "")  # unknown, or an account without a password
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """:raises DomainError: wrong current password, too short a new one (per field)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Het huidige wachtwoord klopt niet.", {"current": "Het huidige wachtwoord klopt niet."})
    if len(new or "") < MIN_PASSWORD_LENGTH:
        message = f"Een wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn."
        raise DomainError(message, {"new": message})
    user.password_hash = hash_password(new)
    db.session.flush()


PHONE_CHARACTERS = re.compile(r"^[0-9+()\- ]*$")
PHONE_DIGITS = (6, 15)  # the shortest internal extension to the longest international number


def set_phone(user: User, text: str) -> None:
    """The number colleagues see as a tel: link; empty removes it.

    :raises DomainError: other characters than digits, spaces, +, - and brackets, or too few or many digits."""
    number = " ".join(text.split())
    if not PHONE_CHARACTERS.match(number):
        message = "Een telefoonnummer bestaat uit cijfers, spaties, +, - en haakjes."
        raise DomainError(message, {"phone": message})
    digits = sum(ch.isdigit() for ch in number)
    if number and not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        message = f"Een telefoonnummer heeft {PHONE_DIGITS[0]} tot {PHONE_DIGITS[1]} cijfers."
        raise DomainError(message, {"phone": message})
    user.phone = number
    db.session.flush()


def tel_link(number: str) -> str:
    """'020 - 555 01 23' -> 'tel:0205550123', '+31 (0)20 555' -> 'tel:+3120555' (the (0) is not dialled abroad)."""
    number = number.replace("(0)", "")
    return "tel:" + ("+" if number.strip().startswith("+") else "") + "".join(ch for ch in number if ch.isdigit())
