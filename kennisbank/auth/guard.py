"""Every page requires login, except the login page, the help pages, health checks and static files."""
from flask import request
from flask_login import current_user

from ..extensions import login_manager
from ..models import User
from ..services.access import sessions

# follows.unfollow_link: the signed link in a notification works without logging in.
PUBLIC_ENDPOINTS = {"auth.login", "auth.oidc_start", "auth.oidc_callback", "follows.unfollow_link", "static"}
PUBLIC_BLUEPRINTS = {"help", "api", "ops"}  # the API answers 401 in JSON itself; ops: health checks


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Only through a session that is still open in the database (revocable, idle and absolute limits)."""
    return sessions.user_for_request(user_id)


def require_login_everywhere():
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    sessions.touch()
    return None
