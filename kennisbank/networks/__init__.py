"""Networks and memberships."""
from flask import Blueprint

bp = Blueprint("networks", __name__, url_prefix="/netwerken")

from . import views  # noqa: E402,F401
