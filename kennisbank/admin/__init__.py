"""Administration: users leaving (handover, deactivation), themes without owner, deleted items."""
from flask import Blueprint, abort
from flask_login import current_user

from ..services.access import permissions

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.before_request
def administrators_only():
    if current_user.is_authenticated and not permissions.can_administer(current_user):
        abort(403)


from . import views  # noqa: E402,F401
