"""JSON API, /api/v1: for a logged-in session or an administrator-issued token."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401
