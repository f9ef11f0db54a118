"""The end of every way in (password or organisation login): a server-side session, the audit event, and
on to where the user was heading."""
from flask import flash, redirect, request, url_for
from flask_login import login_user

from ..extensions import db
from ..services.access import audit, sessions
from ..web.helpers import safe_next


def sign_in(user, via: str, id_token: str = ""):
    """Start a server-side session for `user` and go where they were heading."""
    sessions.start(user, via, id_token)
    login_user(user)
    audit.record("login", user, user, via=via)
    db.session.commit()
    flash(f"Welkom, {user.name}.", "success")
    return redirect(safe_next(request.args.get("next"), url_for("core.home")))
