"""Project records: list, page, create (as concept), edit."""
from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projecten")

from . import closure_views, views, voortoets_views  # noqa: E402,F401
