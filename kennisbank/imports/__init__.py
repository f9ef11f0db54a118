"""Import from spreadsheets: administrators, and theme owners for the projects and lessons of their themes."""
from flask import Blueprint, abort
from flask_login import current_user

from ..services.access import permissions

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.before_request
def importers_only():
    if current_user.is_authenticated and not permissions.can_import(current_user):
        abort(403)


from . import views  # noqa: E402,F401
